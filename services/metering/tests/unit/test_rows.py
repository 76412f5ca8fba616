"""Bulk batches: a bad row is set aside alone with a short reason, the good rows are kept."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import JsonValue

from sportello_contracts.readings import DistributorReading, IntervalDay
from sportello_metering.domain.rows import key_of, read_rows


def reading(supply: str = "GAS-000123", day: str = "2026-11-30", total: int = 4533) -> dict:
    return {
        "supply_id": supply,
        "meter_serial": "GM-00912233",
        "read_on": day,
        "values": {"total": total},
        "kind": "actual",
    }


def no_check(_: object) -> None:
    return None


def test_good_rows_are_kept_with_their_index_in_batch_order() -> None:
    rows = [reading(day="2026-11-28"), reading(day="2026-11-29"), reading(day="2026-11-30")]
    good, bad = read_rows(DistributorReading, rows, no_check)
    assert bad == []
    assert [index for index, _ in good] == [0, 1, 2]
    assert [r.read_on for _, r in good] == [
        date(2026, 11, 28),
        date(2026, 11, 29),
        date(2026, 11, 30),
    ]


def test_a_row_the_contract_refuses_is_bad_alone_with_its_field_and_message() -> None:
    rows = [reading(day="2026-11-29"), reading(total=-5), reading(day="2026-12-01")]
    good, bad = read_rows(DistributorReading, rows, no_check)
    assert [index for index, _ in good] == [0, 2]
    assert len(bad) == 1
    assert bad[0].index == 1
    assert bad[0].row == rows[1]
    assert bad[0].reason.startswith("row 1: values.total: ")
    assert "greater than or equal to 0" in bad[0].reason


def test_the_reason_counts_further_errors_and_never_dumps_the_row() -> None:
    row: dict[str, JsonValue] = {
        "supply_id": "x" * 5000,
        "day": "not a day",
        "quarter_wh": [1] * 96,
    }
    _, bad = read_rows(IntervalDay, [row], no_check)
    assert bad[0].reason.startswith("row 0: supply_id: ")
    assert "(and 1 more)" in bad[0].reason
    assert "x" * 50 not in bad[0].reason
    assert len(bad[0].reason) <= 300


def test_the_check_gives_the_reason_of_a_row_it_refuses() -> None:
    def not_in_december(r: DistributorReading) -> str | None:
        return f"{r.read_on} is after today" if r.read_on.month == 12 else None

    rows = [reading(day="2026-11-30"), reading(day="2026-12-02")]
    good, bad = read_rows(DistributorReading, rows, not_in_december)
    assert [index for index, _ in good] == [0]
    assert [(b.index, b.reason) for b in bad] == [(1, "row 1: 2026-12-02 is after today")]


def test_the_same_row_twice_is_kept_once_silently() -> None:
    rows = [reading(), reading(day="2026-11-29"), reading()]
    good, bad = read_rows(DistributorReading, rows, no_check)
    assert bad == []
    assert [index for index, _ in good] == [0, 1]


def test_a_second_row_with_the_same_key_and_other_values_is_bad_and_the_first_wins() -> None:
    rows = [reading(total=4533), reading(day="2026-11-29"), reading(total=4600)]
    good, bad = read_rows(DistributorReading, rows, no_check)
    assert [(index, r.values["total"]) for index, r in good] == [(0, 4533), (1, 4533)]
    assert [(b.index, b.reason) for b in bad] == [
        (2, "row 2: duplicate of row 0 with other values")
    ]


def test_a_row_after_a_refused_one_with_its_key_is_kept() -> None:
    def refuse_4533(r: DistributorReading) -> str | None:
        return "implausible" if r.values["total"] == 4533 else None

    rows = [reading(total=4533), reading(total=4600)]
    good, bad = read_rows(DistributorReading, rows, refuse_4533)
    assert [(index, r.values["total"]) for index, r in good] == [(1, 4600)]
    assert [b.index for b in bad] == [0]


def test_interval_days_are_keyed_by_supply_and_day() -> None:
    day: dict[str, JsonValue] = {"supply_id": "ELE-000124", "day": "2026-11-29"}
    first: dict[str, JsonValue] = {**day, "quarter_wh": [52] * 96}
    other_supply: dict[str, JsonValue] = {**first, "supply_id": "ELE-000125"}
    changed: dict[str, JsonValue] = {**day, "quarter_wh": [53] * 96}
    good, bad = read_rows(IntervalDay, [first, other_supply, changed], no_check)
    assert [index for index, _ in good] == [0, 1]
    assert [b.index for b in bad] == [2]


def test_a_key_can_be_given_for_another_model() -> None:
    rows = [reading(supply="GAS-000123"), reading(supply="GAS-000124")]
    good, bad = read_rows(DistributorReading, rows, no_check, key=lambda r: r.read_on)
    assert [index for index, _ in good] == [0]
    assert [b.index for b in bad] == [1]


def test_a_model_without_a_key_needs_one() -> None:
    with pytest.raises(ValueError, match="no row key"):
        key_of(DistributorReading.__base__)  # type: ignore[arg-type]


@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.integers(-2, 3)),  # (day, total): negatives are bad
        min_size=1,
        max_size=30,
    )
)
def test_every_row_is_kept_or_bad_and_kept_keys_are_unique(pairs: list[tuple[int, int]]) -> None:
    rows = [reading(day=f"2026-11-{day:02d}", total=total) for day, total in pairs]
    good, bad = read_rows(DistributorReading, rows, no_check)
    kept = {index for index, _ in good}
    refused = {b.index for b in bad}
    assert not kept & refused
    silent = set(range(len(rows))) - kept - refused
    # A row neither kept nor refused repeats, exactly, one kept before it.
    for index in silent:
        assert any(k < index and rows[k] == rows[index] for k in kept)
    keys = [r.read_on for _, r in good]
    assert len(keys) == len(set(keys))
    assert all(total >= 0 for _, r in good for total in r.values.values())
    assert all(b.reason.startswith(f"row {b.index}: ") for b in bad)
