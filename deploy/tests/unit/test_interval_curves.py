"""The simulator's 15-minute curves: every quarter of the Italian day (fewer or more on the days
the clocks change), plausible, and the same for the same seed."""

from datetime import date, timedelta

import pytest

from sportello_contracts.readings import IntervalDay
from sportello_deploy.interval_curves import (
    curve_day,
    curve_days,
    days_between,
    quarter_starts,
    quarters_in,
)

# The last Sundays of March and October: clocks go forward, then back.
FORWARD = (date(2025, 3, 30), date(2026, 3, 29), date(2027, 3, 28))
BACK = (date(2025, 10, 26), date(2026, 10, 25), date(2027, 10, 31))


@pytest.mark.parametrize("day", FORWARD)
def test_the_day_clocks_go_forward_has_92_quarters_and_no_2_oclock(day: date) -> None:
    assert quarters_in(day) == 92
    assert 2 not in {start.hour for start in quarter_starts(day)}
    assert len(curve_day("FE10001", day).quarter_wh) == 92


@pytest.mark.parametrize("day", BACK)
def test_the_day_clocks_go_back_has_100_quarters_its_2_oclock_twice(day: date) -> None:
    assert quarters_in(day) == 100
    assert sum(1 for start in quarter_starts(day) if start.hour == 2) == 8
    assert len(curve_day("FE10001", day, "office").quarter_wh) == 100


def test_every_other_day_of_a_year_has_96_quarters() -> None:
    year = days_between(date(2026, 1, 1), date(2026, 12, 31))
    counts = {day: quarters_in(day) for day in year}
    assert {day for day, count in counts.items() if count != 96} == {
        date(2026, 3, 29),
        date(2026, 10, 25),
    }
    starts = quarter_starts(date(2026, 6, 1))
    assert (starts[0].hour, starts[0].minute, starts[-1].hour, starts[-1].minute) == (0, 0, 23, 45)


def test_the_same_seed_gives_the_same_curve_and_another_seed_another() -> None:
    day = date(2026, 11, 17)
    assert curve_day("FE10001", day, seed=4) == curve_day("FE10001", day, seed=4)
    assert curve_day("FE10001", day, seed=4) != curve_day("FE10001", day, seed=5)
    assert curve_day("FE10001", day).quarter_wh != curve_day("FE10002", day).quarter_wh


def test_a_curve_is_a_valid_interval_day_of_a_plausible_size() -> None:
    for day in days_between(date(2026, 1, 1), date(2026, 12, 31)):
        home = curve_day("FE10001", day, "household")
        assert IntervalDay.model_validate_json(home.model_dump_json()) == home
        assert all(wh >= 0 for wh in home.quarter_wh)
        # A flat of 3 kW: a few kWh a day, never more in a quarter than the 3.3 kW its meter
        # lets through (10% over the contracted power).
        assert 2_000 < sum(home.quarter_wh) < 20_000
        assert max(home.quarter_wh) <= 3_300 * 15 // 60


def test_an_office_uses_most_in_working_hours_and_little_at_the_weekend() -> None:
    monday, sunday = date(2026, 11, 16), date(2026, 11, 22)
    weekday = curve_day("FE20001", monday, "office")
    starts = quarter_starts(monday)
    working = sum(wh for wh, s in zip(weekday.quarter_wh, starts, strict=True) if 9 <= s.hour < 18)
    night = sum(wh for wh, s in zip(weekday.quarter_wh, starts, strict=True) if s.hour < 6)
    assert working > 4 * night
    assert sum(curve_day("FE20001", sunday, "office").quarter_wh) < sum(weekday.quarter_wh) / 2


def test_a_household_uses_more_in_the_evening_than_at_night() -> None:
    days = days_between(date(2026, 11, 2), date(2026, 11, 29))
    evening = night = 0
    for day in days:
        curve = curve_day("FE10001", day)
        for wh, start in zip(curve.quarter_wh, quarter_starts(day), strict=True):
            if 19 <= start.hour < 22:
                evening += wh
            elif 2 <= start.hour < 5:
                night += wh
    assert evening > 3 * night


def test_a_curve_can_be_scaled_to_a_days_consumption() -> None:
    scaled = curve_day("FE10001", date(2026, 7, 14), daily_kwh=12.5)
    assert abs(sum(scaled.quarter_wh) - 12_500) <= 50  # each quarter rounded to the Wh


def test_curve_days_gives_every_supply_each_day_in_order() -> None:
    first = date(2026, 10, 24)
    days = curve_days(["FE10001", "FE10002"], days_between(first, first + timedelta(days=2)))
    assert [(d.supply_id, d.day, len(d.quarter_wh)) for d in days] == [
        ("FE10001", date(2026, 10, 24), 96),
        ("FE10002", date(2026, 10, 24), 96),
        ("FE10001", date(2026, 10, 25), 100),
        ("FE10002", date(2026, 10, 25), 100),
        ("FE10001", date(2026, 10, 26), 96),
        ("FE10002", date(2026, 10, 26), 96),
    ]
