"""A request's life: the back-office moves it along, the customer only cancels it before work
starts, a change seen again or overtaken changes nothing, and what is final stays final."""

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello_requests.domain.lifecycle import (
    FINAL,
    STAGE,
    Change,
    Life,
    MoveRefused,
    may_cancel,
    move,
    submitted,
)

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
STATUSES = ("submitted", "in_progress", "completed", "rejected", "cancelled")


def change(n: int, status: str, by: str = "backoffice", message: str | None = None) -> Change:
    return Change(f"ch-{n}", status, T0 + timedelta(hours=n), by, message)  # type: ignore[arg-type]


def test_the_back_office_takes_a_request_from_submitted_to_completed_with_its_messages() -> None:
    life = submitted("sub-1", T0)
    started = move(life, change(1, "in_progress", message="Presa in carico."))
    assert started is not None
    done = move(started, change(2, "completed", message="Potenza aumentata a 4,5 kW."))
    assert done is not None
    assert done.status == "completed"
    assert [c.status for c in done.changes] == ["submitted", "in_progress", "completed"]
    assert done.changes[-1].message == "Potenza aumentata a 4,5 kW."


def test_the_customer_cancels_only_while_nobody_has_started() -> None:
    life = submitted("sub-1", T0)
    assert may_cancel(life)
    cancelled = move(life, change(1, "cancelled", by="customer"))
    assert cancelled is not None
    assert cancelled.status == "cancelled"
    started = move(life, change(2, "in_progress"))
    assert started is not None
    assert not may_cancel(started)
    with pytest.raises(MoveRefused) as refused:
        move(started, change(3, "cancelled", by="customer"))
    assert refused.value.code == "request_in_progress"


def test_a_cancel_tapped_twice_changes_nothing_the_second_time() -> None:
    cancelled = move(submitted("sub-1", T0), change(1, "cancelled", by="customer"))
    assert cancelled is not None
    assert move(cancelled, change(2, "cancelled", by="customer")) is None


def test_a_customer_may_not_move_a_request_along() -> None:
    with pytest.raises(MoveRefused):
        move(submitted("sub-1", T0), change(1, "completed", by="customer"))


def test_a_step_overtaken_by_a_later_one_is_stale_and_a_contradiction_is_refused() -> None:
    done = move(submitted("sub-1", T0), change(2, "completed"))
    assert done is not None
    assert move(done, change(1, "in_progress")) is None  # arrived late
    with pytest.raises(MoveRefused) as refused:
        move(done, change(3, "rejected"))
    assert refused.value.code == "contradicting_outcome"


changes = st.lists(
    st.tuples(st.sampled_from(STATUSES), st.sampled_from(("backoffice", "customer"))),
    max_size=12,
)


@given(changes)
def test_any_sequence_of_changes_keeps_the_life_consistent(steps: list[tuple[str, str]]) -> None:
    life = submitted("sub-1", T0)
    for n, (status, by) in enumerate(steps, 1):
        before = life
        try:
            after = move(life, change(n, status, by))
        except MoveRefused:
            continue
        if after is None:
            continue
        # Forward only, final stays final, and every change is kept in order.
        assert before.status not in FINAL
        assert STAGE[after.status] > STAGE[before.status] or (
            before.status == "submitted" and after.status == "submitted"
        )
        assert after.changes[:-1] == before.changes
        assert after.status == after.changes[-1].status
        life = after
    # The same changes seen again change nothing.
    for seen in life.changes:
        assert move(life, seen) is None


@given(changes)
def test_a_final_request_never_changes_again(steps: list[tuple[str, str]]) -> None:
    life: Life | None = move(submitted("sub-1", T0), change(0, "completed"))
    assert life is not None
    for n, (status, by) in enumerate(steps, 1):
        with contextlib.suppress(MoveRefused):  # refused, or changing nothing
            assert move(life, change(n, status, by)) is None
