"""The Italian calendar: holidays (Easter Monday, 4 October from 2026), working days, the day's
quarters on the days the clocks change, and the regulator's time bands at their edges."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello_metering.domain.calendar import (
    ROME,
    add_working_days,
    band_at,
    holidays,
    is_holiday,
    is_working_day,
    local_midnight,
    quarter_starts,
    quarters_in,
)

_DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


def rome(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ROME)


# Holidays.


@pytest.mark.parametrize(
    "easter_monday", [date(2024, 4, 1), date(2025, 4, 21), date(2026, 4, 6), date(2027, 3, 29)]
)
def test_easter_monday_is_a_holiday(easter_monday: date) -> None:
    assert is_holiday(easter_monday)
    assert not is_working_day(easter_monday)
    assert not is_holiday(easter_monday + timedelta(days=1))


def test_saint_francis_is_a_holiday_from_2026() -> None:
    assert not is_holiday(date(2025, 10, 4))
    assert is_holiday(date(2026, 10, 4))
    assert is_holiday(date(2027, 10, 4))
    assert not is_working_day(date(2027, 10, 4))  # a Monday


def test_the_fixed_national_holidays() -> None:
    fixed = {date(2026, month, day) for month, day in [(1, 1), (1, 6), (4, 25), (5, 1), (6, 2)]}
    fixed |= {date(2026, month, day) for month, day in [(8, 15), (11, 1), (12, 8), (12, 25)]}
    fixed |= {date(2026, 12, 26), date(2026, 10, 4), date(2026, 4, 6)}
    assert holidays(2026) == fixed
    assert len(holidays(2025)) == 11


# Working days.


def test_working_days_skip_weekends() -> None:
    friday = date(2026, 11, 27)
    assert add_working_days(friday, 1) == date(2026, 11, 30)
    assert add_working_days(friday, 4) == date(2026, 12, 3)
    assert add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)  # from a Saturday


def test_working_days_skip_holidays() -> None:
    assert add_working_days(date(2026, 4, 3), 1) == date(2026, 4, 7)  # over Easter Monday
    assert add_working_days(date(2026, 12, 7), 1) == date(2026, 12, 9)  # over 8 December
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)  # Christmas, St Stephen


def test_zero_working_days_is_the_day_itself_and_negative_is_an_error() -> None:
    assert add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 25)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 12, 25), -1)


@given(day=_DAYS, count=st.integers(min_value=1, max_value=30))
def test_adding_working_days_lands_on_the_count_th_working_day(day: date, count: int) -> None:
    result = add_working_days(day, count)
    assert is_working_day(result)
    between = [day + timedelta(days=n) for n in range(1, (result - day).days + 1)]
    assert sum(is_working_day(d) for d in between) == count


# Quarters.


def test_the_day_clocks_go_forward_has_92_quarters_and_back_100() -> None:
    assert quarters_in(date(2026, 3, 29)) == 92
    assert quarters_in(date(2026, 10, 25)) == 100
    assert quarters_in(date(2025, 3, 30)) == 92
    assert quarters_in(date(2025, 10, 26)) == 100
    assert quarters_in(date(2026, 3, 28)) == 96
    assert quarters_in(date(2026, 11, 29)) == 96


def test_quarters_start_at_local_midnight() -> None:
    starts = quarter_starts(date(2026, 11, 29))
    assert starts[0] == datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    assert starts[-1] == datetime(2026, 11, 29, 22, 45, tzinfo=UTC)
    summer = quarter_starts(date(2026, 7, 15))
    assert summer[0] == datetime(2026, 7, 14, 22, 0, tzinfo=UTC)
    back = quarter_starts(date(2026, 10, 25))
    assert len(back) == 100
    assert back[-1] + timedelta(minutes=15) == local_midnight(date(2026, 10, 26))


@given(year=st.integers(min_value=2000, max_value=2099))
def test_a_years_quarters_add_up_to_whole_days(year: int) -> None:
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    counts = [quarters_in(date(year, 1, 1) + timedelta(days=n)) for n in range(days)]
    assert set(counts) == {92, 96, 100}
    assert counts.count(92) == counts.count(100) == 1
    assert sum(counts) == days * 96


# Time bands.


@pytest.mark.parametrize(
    ("hour", "minute", "band"),
    [
        (0, 0, "F3"),
        (6, 59, "F3"),
        (7, 0, "F2"),
        (7, 59, "F2"),
        (8, 0, "F1"),
        (18, 59, "F1"),
        (19, 0, "F2"),
        (22, 59, "F2"),
        (23, 0, "F3"),
        (23, 59, "F3"),
    ],
)
def test_weekday_bands_at_their_edges(hour: int, minute: int, band: str) -> None:
    assert band_at(rome(2026, 11, 25, hour, minute)) == band  # a Wednesday


@pytest.mark.parametrize(
    ("hour", "minute", "band"),
    [(6, 59, "F3"), (7, 0, "F2"), (12, 0, "F2"), (22, 59, "F2"), (23, 0, "F3")],
)
def test_saturday_is_f2_by_day_and_f3_by_night(hour: int, minute: int, band: str) -> None:
    assert band_at(rome(2026, 11, 28, hour, minute)) == band


@pytest.mark.parametrize("hour", [0, 7, 8, 12, 19, 23])
def test_sundays_and_holidays_are_f3_all_day(hour: int) -> None:
    assert band_at(rome(2026, 11, 29, hour)) == "F3"  # a Sunday
    assert band_at(rome(2026, 12, 8, hour)) == "F3"  # Immacolata, a Tuesday
    assert band_at(rome(2026, 4, 6, hour)) == "F3"  # Easter Monday


def test_a_holiday_ends_at_local_midnight() -> None:
    assert band_at(rome(2026, 12, 7, 18, 59)) == "F1"
    assert band_at(rome(2026, 12, 8, 10, 0)) == "F3"
    assert band_at(rome(2026, 12, 9, 8, 0)) == "F1"
    assert band_at(rome(2026, 12, 9, 6, 59)) == "F3"


def test_bands_follow_italian_time_not_utc() -> None:
    assert band_at(datetime(2026, 11, 25, 7, 0, tzinfo=UTC)) == "F1"  # 08:00 in Rome (CET)
    assert band_at(datetime(2026, 7, 15, 6, 0, tzinfo=UTC)) == "F1"  # 08:00 in Rome (CEST)
    assert band_at(datetime(2026, 7, 15, 5, 59, tzinfo=UTC)) == "F2"
    # 23:00 UTC on a Saturday is already Sunday in Rome.
    assert band_at(datetime(2026, 11, 28, 23, 0, tzinfo=UTC)) == "F3"
