"""Monthly consumption: spans between readings, bills or smart-meter days, spread over months,
compared with the same months a year before."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sportello_metering.domain.consumption import (
    MonthRow,
    Span,
    billed_spans,
    by_month,
    interval_spans,
    monthly_series,
    months_until,
    reading_spans,
    to_billing_unit,
)
from sportello_metering.domain.meters import Meter
from sportello_metering.domain.readings import Reading

SUPPLY = "GAS-000123"
RECORDED = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def gas_meter(
    serial: str = "GM-001",
    *,
    installed_on: date = date(2025, 1, 10),
    initial: int = 100,
    factor: Decimal | None = None,
    digits: int = 5,
    removed_on: date | None = None,
    removal: int | None = None,
) -> Meter:
    return Meter(
        supply_id=SUPPLY,
        serial=serial,
        digits=digits,
        unit="m3",
        registers=("total",),
        smart=False,
        correction_factor=factor,
        installed_on=installed_on,
        initial={"total": initial},
        removed_on=removed_on,
        removal=None if removal is None else {"total": removal},
    )


def banded_meter() -> Meter:
    return Meter(
        supply_id=SUPPLY,
        serial="EM-001",
        digits=4,
        unit="kWh",
        registers=("F1", "F2", "F3"),
        smart=False,
        correction_factor=None,
        installed_on=date(2025, 1, 1),
        initial={"F1": 9990, "F2": 500, "F3": 10},
    )


def reading(
    read_on: date,
    values: dict[str, int] | int,
    *,
    serial: str = "GM-001",
    source: str = "distributor",
    status: str = "validated",
    recorded_at: datetime = RECORDED,
) -> Reading:
    return Reading(
        reading_id=f"RDG-{read_on.isoformat()}-{source}",
        supply_id=SUPPLY,
        customer_code="C00012345",
        meter_serial=serial,
        read_on=read_on,
        values=values if isinstance(values, dict) else {"total": values},
        source=source,
        status=status,
        recorded_at=recorded_at,
    )


def test_gas_is_billed_in_smc_with_the_correction_factor_to_3_decimals() -> None:
    assert to_billing_unit(gas_meter(factor=Decimal("1.021")), 212) == Decimal("216.452")
    # Rounded half up: 1.0225 Smc, not 1.022.
    assert to_billing_unit(gas_meter(factor=Decimal("1.0225")), 1) == Decimal("1.023")
    assert to_billing_unit(gas_meter(), 212) == Decimal("212.000")
    assert to_billing_unit(banded_meter(), 212) == Decimal(212)


def test_spans_run_from_the_installation_through_each_reading_that_counts() -> None:
    meter = gas_meter(factor=Decimal("1.02"))
    readings = [
        reading(date(2025, 5, 20), 400, source="customer"),
        reading(date(2025, 3, 1), 250),
        reading(date(2025, 4, 1), 300, source="customer", status="received"),  # pending
        reading(date(2025, 4, 2), 320, source="estimate"),
    ]
    spans = reading_spans([meter], readings)
    assert spans == [
        Span(date(2025, 1, 10), date(2025, 3, 1), Decimal("153.000"), "readings"),
        Span(date(2025, 3, 1), date(2025, 5, 20), Decimal("153.000"), "readings"),
    ]


def test_a_register_lower_than_before_rolled_over() -> None:
    meter = gas_meter(initial=99_950, digits=5)
    spans = reading_spans([meter], [reading(date(2025, 2, 1), 30)])
    assert [s.quantity for s in spans] == [Decimal("80.000")]


def test_a_banded_meter_sums_its_registers_each_with_its_rollover() -> None:
    values = {"F1": 5, "F2": 600, "F3": 40}
    spans = reading_spans([banded_meter()], [reading(date(2025, 2, 1), values, serial="EM-001")])
    assert [s.quantity for s in spans] == [Decimal(15 + 100 + 30)]


def test_a_replacement_starts_a_new_series_with_no_span_across_the_meters() -> None:
    old = gas_meter(removed_on=date(2025, 6, 30), removal=600)
    new = gas_meter("GM-002", installed_on=date(2025, 6, 30), initial=0)
    readings = [
        reading(date(2025, 3, 31), 300),
        reading(date(2025, 8, 31), 90, serial="GM-002"),
        # The old meter's number read after its removal belongs to no span.
        reading(date(2025, 7, 15), 650),
    ]
    spans = reading_spans([new, old], readings)
    assert [(s.start, s.end, s.quantity) for s in spans] == [
        (date(2025, 1, 10), date(2025, 3, 31), Decimal("200.000")),
        (date(2025, 3, 31), date(2025, 6, 30), Decimal("300.000")),
        (date(2025, 6, 30), date(2025, 8, 31), Decimal("90.000")),
    ]


def test_on_one_day_the_distributors_reading_wins_then_the_later_recorded() -> None:
    day = date(2025, 3, 1)
    later = RECORDED + timedelta(hours=1)
    readings = [
        reading(day, 260, source="customer", recorded_at=later),
        reading(day, 250),
        reading(day, 270, source="customer"),
    ]
    assert [s.quantity for s in reading_spans([gas_meter()], readings)] == [Decimal("150.000")]
    customers = [r for r in readings if r.source == "customer"]
    assert [s.quantity for s in reading_spans([gas_meter()], customers)] == [Decimal("160.000")]


def test_the_installation_reading_wins_its_day_and_a_removal_without_one_ends_nothing() -> None:
    meter = gas_meter(removed_on=date(2025, 6, 30))
    readings = [reading(date(2025, 1, 10), 999), reading(date(2025, 6, 30), 500)]
    spans = reading_spans([meter], readings)
    assert [(s.start, s.end, s.quantity) for s in spans] == [
        (date(2025, 1, 10), date(2025, 6, 30), Decimal("400.000"))
    ]


def test_a_bills_first_day_is_billed_so_its_span_starts_the_day_before() -> None:
    spans = billed_spans([(date(2025, 3, 1), date(2025, 4, 30), Decimal("120.5"))])
    assert spans == [Span(date(2025, 2, 28), date(2025, 4, 30), Decimal("120.5"), "billed")]
    assert by_month(spans) == {
        "2025-03": (Decimal("61.237704"), True),
        "2025-04": (Decimal("59.262295"), True),
    }


def test_each_day_of_interval_data_is_a_span_of_one_day() -> None:
    spans = interval_spans({date(2025, 3, 2): Decimal("7.5"), date(2025, 3, 1): Decimal("4")})
    assert spans == [
        Span(date(2025, 2, 28), date(2025, 3, 1), Decimal("4"), "intervals"),
        Span(date(2025, 3, 1), date(2025, 3, 2), Decimal("7.5"), "intervals"),
    ]


def test_a_span_is_spread_evenly_over_its_days_and_months_it_fills_are_covered() -> None:
    # 61 days from 15 October (exclusive) to 15 December: 16 + 30 + 15.
    spans = [Span(date(2025, 10, 15), date(2025, 12, 15), Decimal(610), "readings")]
    assert by_month(spans) == {
        "2025-10": (Decimal("160.000000"), False),
        "2025-11": (Decimal("300.000000"), True),
        "2025-12": (Decimal("150.000000"), False),
    }


def test_overlapping_spans_give_the_overlap_to_the_one_ending_later() -> None:
    first = Span(date(2025, 2, 28), date(2025, 4, 30), Decimal(610), "billed")  # 10 a day
    rebilled = Span(date(2025, 3, 31), date(2025, 5, 31), Decimal(122), "billed")  # 2 a day
    for spans in ([first, rebilled], [rebilled, first]):
        assert by_month(spans) == {
            "2025-03": (Decimal("310.000000"), True),
            "2025-04": (Decimal("60.000000"), True),
            "2025-05": (Decimal("62.000000"), True),
        }
    same_end = Span(date(2025, 3, 31), date(2025, 4, 30), Decimal(0), "billed")
    assert by_month([first, same_end])["2025-04"] == (Decimal("0.000000"), True)
    assert by_month([same_end, first])["2025-04"] == (Decimal("300.000000"), True)


def test_months_until_cross_the_year_oldest_first() -> None:
    assert months_until("2026-02", 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_each_month_takes_the_first_source_that_covers_it_in_full() -> None:
    readings = [Span(date(2025, 10, 31), date(2025, 11, 30), Decimal("118.4004"), "readings")]
    billed = [
        Span(date(2024, 10, 31), date(2024, 11, 30), Decimal(131), "billed"),
        Span(date(2024, 11, 30), date(2024, 12, 31), Decimal(131), "billed"),
        Span(date(2025, 9, 30), date(2025, 11, 30), Decimal(999), "billed"),
    ]
    intervals = [Span(date(2025, 11, 30), date(2025, 12, 10), Decimal(10), "intervals")]
    rows = monthly_series("2025-12", 2, readings, billed, intervals)
    assert rows == [
        MonthRow("2025-11", Decimal("118.400"), "readings", Decimal("131.000"), "billed"),
        # December is only partly covered (10 of 31 days): a gap, not a too-low figure.
        MonthRow("2025-12", None, None, Decimal("131.000"), "billed"),
    ]


def test_a_month_no_source_covers_is_a_gap_both_years() -> None:
    assert monthly_series("2026-03", 1, [], [], []) == [MonthRow("2026-03", None, None, None, None)]


def test_interval_days_fill_a_month_when_nothing_else_does() -> None:
    daily = {date(2026, 2, 1) + timedelta(days=n): Decimal("1.2345") for n in range(28)}
    rows = monthly_series("2026-02", 1, [], [], interval_spans(daily))
    assert rows == [MonthRow("2026-02", Decimal("34.566"), "intervals", None, None)]


@st.composite
def spans_of_one_source(draw: st.DrawFn) -> list[Span]:
    count = draw(st.integers(0, 8))
    spans = []
    for _ in range(count):
        start = draw(st.dates(date(2024, 1, 1), date(2026, 12, 31)))
        days = draw(st.integers(0, 120))
        quantity = draw(st.decimals(Decimal(0), Decimal(100_000), places=3))
        spans.append(Span(start, start + timedelta(days=days), quantity, "billed"))
    return spans


@settings(max_examples=150, deadline=None)
@given(spans_of_one_source())
def test_covered_months_never_add_up_to_more_than_the_spans(spans: list[Span]) -> None:
    months = by_month(spans)
    covered = sum((q for q, full in months.values() if full), Decimal(0))
    everything = sum((q for q, _ in months.values()), Decimal(0))
    total = sum((s.quantity for s in spans), Decimal(0))
    assert covered <= everything <= total


@settings(max_examples=100, deadline=None)
@given(
    st.dates(date(2024, 1, 1), date(2026, 6, 30)),
    st.lists(
        st.tuples(st.integers(1, 90), st.decimals(Decimal(0), Decimal(10_000), places=3)),
        min_size=1,
        max_size=10,
    ),
)
def test_back_to_back_spans_lose_nothing_but_the_last_decimals(
    start: date, pieces: list[tuple[int, Decimal]]
) -> None:
    spans = []
    for days, quantity in pieces:
        spans.append(Span(start, start + timedelta(days=days), quantity, "readings"))
        start += timedelta(days=days)
    months = by_month(spans)
    total = sum((s.quantity for s in spans), Decimal(0))
    shown = sum((q for q, _ in months.values()), Decimal(0))
    assert total - Decimal("0.000001") * len(months) <= shown <= total
    # Every month strictly between the first and the last is covered in full.
    inner = sorted(months)[1:-1]
    assert all(months[m][1] for m in inner)
