"""The tracker: a journey only moves forward, final statuses stay final, old or repeated events are
ignored, and bills and distributor readings end a customer's reading."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello_metering.domain.readings import Reading, Step
from sportello_metering.domain.self_readings import ReadingRules
from sportello_metering.domain.tracker import advance, can_move, supersedes, used_in_bill

RULES = ReadingRules()
READ_ON = date(2026, 11, 27)
STATUSES = ("received", "forwarded", "validated", "rejected", "billed", "superseded")
STAGE = {"received": 0, "forwarded": 1, "validated": 2, "rejected": 2, "billed": 3, "superseded": 3}
FINAL = {"rejected", "billed", "superseded"}


def customer_reading(
    status: str = "received", values: dict[str, int] | None = None, *, source: str = "customer"
) -> Reading:
    return Reading(
        reading_id="RDG-8C1D2E3F4A5B6C7D8E9F",
        supply_id="GAS-000123",
        customer_code="C00012345",
        meter_serial="GM-00912233",
        read_on=READ_ON,
        values=values if values is not None else {"total": 4521},
        source=source,
        status=status,
        recorded_at=datetime(2026, 11, 27, 9, 12, tzinfo=UTC),
        account_id="acc-7f3a",
        steps=(Step(status=status, on=READ_ON, explanation="Ricevuta."),),
    )


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("received", "forwarded"),
        ("received", "validated"),  # forwarded may never reach us
        ("received", "rejected"),
        ("forwarded", "validated"),
        ("forwarded", "rejected"),
        ("validated", "billed"),
        ("received", "billed"),  # the bill proves it was accepted
        ("forwarded", "billed"),
        ("received", "superseded"),
        ("forwarded", "superseded"),
        ("validated", "superseded"),
    ],
)
def test_forward_moves_are_allowed(current: str, new: str) -> None:
    assert can_move(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("forwarded", "received"),
        ("validated", "forwarded"),
        ("validated", "rejected"),
        ("rejected", "validated"),
        ("rejected", "billed"),
        ("rejected", "superseded"),
        ("billed", "superseded"),
        ("superseded", "billed"),
        ("validated", "validated"),
        ("received", "received"),
        ("received", "unknown"),
    ],
)
def test_backward_final_repeated_or_unknown_moves_are_not(current: str, new: str) -> None:
    assert not can_move(current, new)


def test_advance_records_the_step_and_the_bill() -> None:
    validated = advance(customer_reading(), "validated", date(2026, 12, 1), "Convalidata.")
    assert validated is not None
    billed = advance(validated, "billed", date(2026, 12, 10), "Usata.", bill_number="2026-000512")
    assert billed is not None
    assert billed.status == "billed"
    assert billed.bill_number == "2026-000512"
    assert [step.status for step in billed.steps] == ["received", "validated", "billed"]
    assert billed.steps[-1] == Step(status="billed", on=date(2026, 12, 10), explanation="Usata.")


def test_a_rejection_keeps_its_reason() -> None:
    rejected = advance(customer_reading(), "rejected", READ_ON, "No.", reason="Non plausibile.")
    assert rejected is not None
    assert rejected.reason == "Non plausibile."


def test_an_old_or_repeated_event_is_ignored() -> None:
    validated = customer_reading("validated")
    assert advance(validated, "validated", READ_ON, "Di nuovo.") is None
    assert advance(validated, "forwarded", READ_ON, "In ritardo.") is None


@given(moves=st.lists(st.sampled_from(STATUSES), max_size=12))
def test_any_sequence_of_moves_never_goes_backwards_and_final_stays_final(
    moves: list[str],
) -> None:
    current = customer_reading()
    accepted = 0
    for new in moves:
        moved = advance(current, new, READ_ON, f"Passo {new}.")
        if moved is None:
            assert current.status in FINAL or STAGE[new] <= STAGE[current.status]
            continue
        assert current.status not in FINAL
        assert STAGE[moved.status] > STAGE[current.status]
        assert len(moved.steps) == len(current.steps) + 1
        assert moved.steps[:-1] == current.steps
        assert moved.steps[-1].status == new == moved.status
        current = moved
        accepted += 1
    assert len(current.steps) == 1 + accepted


# Distributor readings and bills.


def test_a_distributor_reading_within_a_week_supersedes_a_pending_one() -> None:
    for status in ("received", "forwarded", "validated"):
        reading = customer_reading(status)
        assert supersedes(reading, READ_ON + timedelta(days=7), RULES)
        assert supersedes(reading, READ_ON - timedelta(days=7), RULES)
        assert not supersedes(reading, READ_ON + timedelta(days=8), RULES)


def test_an_ended_reading_or_the_distributors_own_is_never_superseded() -> None:
    for status in ("rejected", "billed", "superseded"):
        assert not supersedes(customer_reading(status), READ_ON, RULES)
    assert not supersedes(customer_reading(source="distributor"), READ_ON, RULES)


def test_a_bill_uses_a_reading_when_a_self_reading_of_that_day_has_its_value() -> None:
    reading = customer_reading("validated")
    assert used_in_bill(
        reading, [(date(2026, 9, 30), 4300, "actual", None), (READ_ON, 4521, "self", None)]
    )
    assert not used_in_bill(reading, [(READ_ON, 4521, "actual", None)])
    assert not used_in_bill(reading, [(READ_ON, 4522, "self", None)])
    assert not used_in_bill(reading, [(READ_ON + timedelta(days=1), 4521, "self", None)])
    assert not used_in_bill(reading, [(READ_ON, 4521, "self", "F1")])
    assert not used_in_bill(reading, [])


def test_a_banded_reading_is_used_only_when_every_band_matches() -> None:
    reading = customer_reading("validated", {"F1": 100, "F2": 200, "F3": 300})
    rows = [(READ_ON, 100, "self", "F1"), (READ_ON, 200, "self", "F2")]
    assert not used_in_bill(reading, rows)
    assert used_in_bill(reading, [*rows, (READ_ON, 300, "self", "F3")])
    assert not used_in_bill(reading, [*rows, (READ_ON, 301, "self", "F3")])
