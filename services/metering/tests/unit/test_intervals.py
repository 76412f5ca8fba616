"""Smart meters' 15-minute data: a day's check, curves by day, week and month split by band and
costed at the supply's prices, and the CSV export."""

import csv
import io
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello_contracts.readings import IntervalDay
from sportello_metering.domain.calendar import band_at, local_midnight, quarters_in
from sportello_metering.domain.intervals import (
    Prices,
    aggregate,
    check_day,
    csv_filename,
    csv_of,
    days_between,
    period_days,
    price_on,
)

SUNDAY = date(2026, 11, 29)
SPRING_FORWARD = date(2026, 3, 29)  # 23 hours in Italy
FALL_BACK = date(2026, 10, 25)  # 25 hours
FLAT = {"F1": Decimal("0.15"), "F2": Decimal("0.12"), "F3": Decimal("0.109")}
PRICES = [Prices(valid_from=date(2020, 1, 1), euro_per_kwh=FLAT)]


def interval_day(day: date, count: int) -> IntervalDay:
    return IntervalDay(supply_id="ELE-000124", day=day, quarter_wh=(52,) * count)


def full_day(day: date, wh: int = 52) -> list[int]:
    return [wh] * quarters_in(day)


def test_a_day_needs_every_quarter_of_the_italian_day() -> None:
    today = date(2026, 12, 1)
    assert check_day(interval_day(SUNDAY, 96), today) is None
    assert check_day(interval_day(SPRING_FORWARD, 92), today) is None
    assert check_day(interval_day(FALL_BACK, 100), today) is None
    assert check_day(interval_day(SPRING_FORWARD, 95), today) == (
        "quarter_wh has 95 values, 2026-03-29 has 92"
    )
    assert check_day(interval_day(FALL_BACK, 96), today) == (
        "quarter_wh has 96 values, 2026-10-25 has 100"
    )


def test_a_day_after_today_is_refused_and_today_is_fine() -> None:
    assert check_day(interval_day(SUNDAY, 96), SUNDAY) is None
    assert check_day(interval_day(SUNDAY, 96), SUNDAY - timedelta(days=1)) == (
        "2026-11-29 is after today (2026-11-28)"
    )


def test_the_prices_of_a_day_are_the_latest_to_start_on_or_before_it() -> None:
    old = Prices(date(2026, 1, 1), FLAT)
    new = Prices(date(2026, 6, 1), {band: price * 2 for band, price in FLAT.items()})
    assert price_on([new, old], date(2025, 12, 31)) is None
    assert price_on([new, old], date(2026, 5, 31)) == old
    assert price_on([new, old], date(2026, 6, 1)) == new
    assert price_on([], date(2026, 6, 1)) is None


@pytest.mark.parametrize(
    ("period", "on", "first", "last"),
    [
        ("day", date(2026, 11, 29), date(2026, 11, 29), date(2026, 11, 29)),
        ("week", date(2026, 11, 26), date(2026, 11, 23), date(2026, 11, 29)),
        ("week", date(2026, 11, 23), date(2026, 11, 23), date(2026, 11, 29)),
        ("week", date(2026, 12, 31), date(2026, 12, 28), date(2027, 1, 3)),
        ("month", date(2028, 2, 10), date(2028, 2, 1), date(2028, 2, 29)),
        ("month", date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_a_period_is_the_day_the_week_from_monday_or_the_month(
    period: str, on: date, first: date, last: date
) -> None:
    assert period_days(period, on) == (first, last)


def test_an_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown period"):
        period_days("year", SUNDAY)


def test_a_day_has_a_point_per_quarter_in_kwh_by_band_and_costed() -> None:
    curve = aggregate("day", SUNDAY, {SUNDAY: full_day(SUNDAY)}, PRICES)
    assert curve.resolution == "15m"
    assert (curve.first_day, curve.last_day) == (SUNDAY, SUNDAY)
    assert len(curve.points) == 96
    first = curve.points[0]
    assert first.start == datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    assert first.end == datetime(2026, 11, 28, 23, 15, tzinfo=UTC)
    assert first.kwh == Decimal("0.052")
    assert first.by_band == {"F3": Decimal("0.052")}
    # A Sunday is all F3: 96 x 52 Wh = 4.992 kWh at 0.109 euro = 54.4128 cents.
    assert [(b.band, b.kwh, b.euro_per_kwh, b.cost_cents) for b in curve.bands] == [
        ("F3", Decimal("4.992"), Decimal("0.109"), 54)
    ]
    assert curve.total_kwh == Decimal("4.992")
    assert curve.total_cost_cents == 54
    assert (curve.days_with_data, curve.days_missing) == (1, 0)


def test_a_weekday_splits_into_the_three_bands() -> None:
    monday = date(2026, 11, 23)
    curve = aggregate("day", monday, {monday: full_day(monday, 1000)}, PRICES)
    # F1 8-19 (11 h), F2 7-8 and 19-23 (5 h), F3 23-7 (8 h); 4 kWh an hour.
    assert [(b.band, b.kwh, b.cost_cents) for b in curve.bands] == [
        ("F1", Decimal("44.000"), 660),
        ("F2", Decimal("20.000"), 240),
        ("F3", Decimal("32.000"), 349),
    ]
    assert curve.total_cost_cents == 660 + 240 + 349
    assert curve.points[7 * 4].by_band == {"F2": Decimal("1.000")}
    assert curve.points[8 * 4].by_band == {"F1": Decimal("1.000")}


def test_a_day_without_data_is_a_curve_of_gaps() -> None:
    curve = aggregate("day", SUNDAY, {}, PRICES)
    assert len(curve.points) == 96
    assert all(p.kwh is None and p.by_band == {} for p in curve.points)
    assert curve.bands == ()
    assert curve.total_kwh == Decimal("0.000")
    assert (curve.days_with_data, curve.days_missing) == (0, 1)


def test_dst_days_have_92_and_100_quarters_and_23_and_25_hours() -> None:
    for day, quarters in ((SPRING_FORWARD, 92), (FALL_BACK, 100)):
        data = {day: full_day(day)}
        assert len(aggregate("day", day, data, PRICES).points) == quarters
        week = aggregate("week", day, data, PRICES)
        assert len(week.points) == 6 * 24 + quarters // 4
        last_hour = week.points[-1]
        assert last_hour.end == local_midnight(day + timedelta(days=1))


def test_a_week_has_hourly_points_each_in_one_band_and_gaps_for_missing_days() -> None:
    monday = date(2026, 11, 23)
    data = {monday + timedelta(days=n): full_day(monday, 25) for n in range(5)}
    curve = aggregate("week", SUNDAY, data, PRICES)
    assert curve.resolution == "1h"
    assert len(curve.points) == 7 * 24
    assert all(p.end - p.start == timedelta(hours=1) for p in curve.points)
    with_data = [p for p in curve.points if p.kwh is not None]
    assert len(with_data) == 5 * 24
    assert all(p.kwh == Decimal("0.100") and len(p.by_band) == 1 for p in with_data)
    assert all(p.kwh is None for p in curve.points[5 * 24 :])
    assert (curve.days_with_data, curve.days_missing) == (5, 2)


def test_a_month_has_a_point_a_day_split_by_band() -> None:
    monday = date(2026, 11, 23)
    curve = aggregate(
        "month", monday, {monday: full_day(monday, 250), SUNDAY: full_day(SUNDAY)}, []
    )
    assert curve.resolution == "1d"
    assert len(curve.points) == 30
    assert curve.points[0].start == local_midnight(date(2026, 11, 1))
    assert curve.points[-1].end == local_midnight(date(2026, 12, 1))
    assert curve.points[22].by_band == {
        "F1": Decimal("11.000"),
        "F2": Decimal("5.000"),
        "F3": Decimal("8.000"),
    }
    assert curve.points[22].kwh == Decimal("24.000")
    assert curve.points[28].by_band == {"F3": Decimal("4.992")}
    assert curve.points[27].kwh is None
    assert (curve.days_with_data, curve.days_missing) == (2, 28)


def test_without_a_price_for_a_day_with_data_there_is_no_cost() -> None:
    prices = [Prices(SUNDAY, FLAT)]
    saturday = SUNDAY - timedelta(days=1)
    curve = aggregate(
        "week", SUNDAY, {saturday: full_day(saturday), SUNDAY: full_day(SUNDAY)}, prices
    )
    assert curve.total_cost_cents is None
    assert all(b.cost_cents is None for b in curve.bands)
    # Days without data need no price.
    assert aggregate("week", SUNDAY, {SUNDAY: full_day(SUNDAY)}, prices).total_cost_cents == 54


def test_the_cost_is_rounded_half_up_once_per_band_not_per_day() -> None:
    tenth = [Prices(date(2026, 1, 1), {"F1": Decimal(1), "F2": Decimal(1), "F3": Decimal("0.1")})]
    # 50 Wh at 0.1 euro/kWh = half a cent; a Sunday is all F3.
    half_cent = [50] + [0] * 95
    assert aggregate("day", SUNDAY, {SUNDAY: half_cent}, tenth).total_cost_cents == 1
    two_sundays = {SUNDAY: half_cent, SUNDAY - timedelta(days=7): half_cent}
    month = aggregate("month", SUNDAY, two_sundays, tenth)
    assert [(b.band, b.cost_cents) for b in month.bands] == [("F3", 1)]


def test_a_price_change_within_the_period_is_costed_day_by_day() -> None:
    doubled = {band: price * 2 for band, price in FLAT.items()}
    prices = [Prices(date(2026, 1, 1), FLAT), Prices(SUNDAY, doubled)]
    saturday = SUNDAY - timedelta(days=1)
    data = {saturday: [100] * 96, SUNDAY: [100] * 96}
    curve = aggregate("week", SUNDAY, data, prices)
    f3 = next(b for b in curve.bands if b.band == "F3")
    # Saturday's F3 (23-7: 8 h) at the old price, Sunday's 24 h at the new one.
    assert f3.cost_cents == round(
        Decimal("3.2") * FLAT["F3"] * 100 + Decimal("9.6") * doubled["F3"] * 100
    )
    assert f3.euro_per_kwh is None
    f2 = next(b for b in curve.bands if b.band == "F2")
    assert f2.euro_per_kwh == FLAT["F2"]


def test_a_day_with_the_wrong_number_of_quarters_is_refused() -> None:
    with pytest.raises(ValueError, match="92 quarters"):
        aggregate("day", SPRING_FORWARD, {SPRING_FORWARD: [1] * 96}, PRICES)


@st.composite
def periods(draw: st.DrawFn) -> tuple[str, date, dict[date, list[int]], list[Prices]]:
    period = draw(st.sampled_from(["day", "week", "month"]))
    on = draw(st.dates(date(2024, 1, 1), date(2028, 12, 31)))
    first, last = period_days(period, on)
    span = list(days_between(first, last))
    present = draw(st.lists(st.booleans(), min_size=len(span), max_size=len(span)))
    noise = draw(st.randoms(use_true_random=False))
    top = draw(st.sampled_from([0, 1, 100, 5000, 100_000_000]))
    days = {
        day: [noise.randint(0, top) for _ in range(quarters_in(day))]
        for day, keep in zip(span, present, strict=True)
        if keep
    }
    starts = draw(st.lists(st.dates(first - timedelta(days=3), last), max_size=3))
    price = st.decimals(Decimal(0), Decimal(1), places=6)
    prices = [Prices(s, {b: draw(price) for b in ("F1", "F2", "F3")}) for s in starts]
    return period, on, days, prices


def kwh_sum(values: Sequence[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


@settings(max_examples=60, deadline=None)
@given(periods())
def test_points_bands_and_total_agree(
    case: tuple[str, date, dict[date, list[int]], list[Prices]],
) -> None:
    period, on, days, prices = case
    curve = aggregate(period, on, days, prices)
    assert kwh_sum([p.kwh for p in curve.points]) == curve.total_kwh
    assert kwh_sum([b.kwh for b in curve.bands]) == curve.total_kwh
    assert curve.total_kwh * 1000 == sum(sum(q) for q in days.values())
    for point in curve.points:
        if point.kwh is not None:
            assert kwh_sum(list(point.by_band.values())) == point.kwh
    assert curve.days_with_data == len(days)
    assert curve.days_with_data + curve.days_missing == (curve.last_day - curve.first_day).days + 1
    costs = [b.cost_cents for b in curve.bands]
    if None not in costs:
        assert curve.total_cost_cents == sum(c for c in costs if c is not None)
    else:
        assert curve.total_cost_cents is None
    unpriced = any(price_on(prices, day) is None for day in days)
    assert (curve.total_cost_cents is None) == unpriced


@settings(max_examples=60, deadline=None)
@given(periods())
def test_points_follow_each_other_with_the_dst_counts(
    case: tuple[str, date, dict[date, list[int]], list[Prices]],
) -> None:
    period, on, days, prices = case
    curve = aggregate(period, on, days, prices)
    span = list(days_between(curve.first_day, curve.last_day))
    quarters = sum(quarters_in(day) for day in span)
    expected = {"day": quarters, "week": quarters // 4, "month": len(span)}[period]
    assert len(curve.points) == expected
    assert curve.points[0].start == local_midnight(curve.first_day)
    assert curve.points[-1].end == local_midnight(curve.last_day + timedelta(days=1))
    for before, after in zip(curve.points, curve.points[1:], strict=False):
        assert before.end == after.start


@settings(max_examples=40, deadline=None)
@given(st.dates(date(2020, 1, 5), date(2030, 12, 29)).map(lambda d: d - timedelta(d.weekday() - 6)))
def test_every_quarter_of_a_sunday_is_f3(sunday: date) -> None:
    assert sunday.weekday() == 6
    curve = aggregate("day", sunday, {sunday: full_day(sunday, 7)}, PRICES)
    assert all(set(p.by_band) == {"F3"} for p in curve.points)
    assert [b.band for b in curve.bands] == ["F3"]


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_the_csv_has_a_row_per_quarter_in_local_time_with_decimal_commas() -> None:
    data = csv_of("ELE-000124", {SUNDAY: full_day(SUNDAY)}, SUNDAY, SUNDAY)
    rows = parse(data)
    assert rows[0] == ["inizio", "fine", "fascia", "kWh"]
    assert len(rows) == 1 + 96
    assert rows[1] == ["2026-11-29T00:00:00+01:00", "2026-11-29T00:15:00+01:00", "F3", "0,052"]
    assert rows[-1] == ["2026-11-29T23:45:00+01:00", "2026-11-30T00:00:00+01:00", "F3", "0,052"]


def test_the_csv_keeps_a_missing_days_quarters_with_an_empty_kwh() -> None:
    monday = SUNDAY + timedelta(days=1)
    rows = parse(csv_of("ELE-000124", {SUNDAY: full_day(SUNDAY, 1234)}, SUNDAY, monday))
    assert len(rows) == 1 + 2 * 96
    assert {r[3] for r in rows[1:97]} == {"1,234"}
    assert {r[3] for r in rows[97:]} == {""}
    assert rows[97][0] == "2026-11-30T00:00:00+01:00"
    # Bands are a matter of the clock, data or not: Monday 8:00 is F1.
    assert rows[97 + 32][2] == "F1"


def test_the_csv_shows_the_clock_changes_by_their_offsets() -> None:
    days = {SPRING_FORWARD: full_day(SPRING_FORWARD), FALL_BACK: full_day(FALL_BACK)}
    spring = parse(csv_of("ELE-000124", days, SPRING_FORWARD, SPRING_FORWARD))
    assert len(spring) == 1 + 92
    assert spring[8][:2] == ["2026-03-29T01:45:00+01:00", "2026-03-29T03:00:00+02:00"]
    autumn = parse(csv_of("ELE-000124", days, FALL_BACK, FALL_BACK))
    assert len(autumn) == 1 + 100
    starts = [row[0] for row in autumn[1:]]
    assert "2026-10-25T02:00:00+02:00" in starts
    assert "2026-10-25T02:00:00+01:00" in starts
    assert len(set(starts)) == 100


def test_the_csv_refuses_a_range_that_ends_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        csv_of("ELE-000124", {}, SUNDAY, SUNDAY - timedelta(days=1))


@settings(max_examples=30, deadline=None)
@given(
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    st.integers(0, 9),
    st.randoms(use_true_random=False),
)
def test_the_csv_parses_back_to_the_data(first: date, length: int, noise: random.Random) -> None:
    last = first + timedelta(days=length)
    days = {
        day: [noise.randint(0, 99_999) for _ in range(quarters_in(day))]
        for day in days_between(first, last)
        if noise.random() < 0.7
    }
    rows = parse(csv_of("ELE-000124", days, first, last))[1:]
    expected = [
        (start, wh)
        for day in days_between(first, last)
        for start, wh in zip(
            [local_midnight(day) + timedelta(minutes=15 * n) for n in range(quarters_in(day))],
            days.get(day, [None] * quarters_in(day)),
            strict=True,
        )
    ]
    assert len(rows) == len(expected)
    for (start, wh), (begin, end, band, kwh) in zip(expected, rows, strict=True):
        assert datetime.fromisoformat(begin) == start
        assert datetime.fromisoformat(end) - datetime.fromisoformat(begin) == timedelta(minutes=15)
        assert band == band_at(start)
        assert kwh == ("" if wh is None else f"{Decimal(wh) / 1000:.3f}".replace(".", ","))


def test_the_csv_is_named_for_the_supply_and_the_days() -> None:
    name = csv_filename("ELE-000124", date(2026, 11, 1), date(2026, 11, 30))
    assert name == "ELE-000124-2026-11-01-2026-11-30.csv"
