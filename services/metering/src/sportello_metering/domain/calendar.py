"""Italian calendar rules readings depend on: holidays, working days, the day's quarters, and the
regulator's time bands (fasce orarie F1, F2, F3)."""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.easter import easter

from sportello_contracts.bills import Band

ROME = ZoneInfo("Europe/Rome")
QUARTER = timedelta(minutes=15)

# National holidays (fixed dates); Easter Monday moves with Easter. 4 October (San Francesco)
# is a national holiday again from 2026 (law 151/2025).
_FIXED_HOLIDAYS = (
    (1, 1),
    (1, 6),
    (4, 25),
    (5, 1),
    (6, 2),
    (8, 15),
    (11, 1),
    (12, 8),
    (12, 25),
    (12, 26),
)
_SAINT_FRANCIS_FROM = 2026


@lru_cache(maxsize=64)
def holidays(year: int) -> frozenset[date]:
    days = {date(year, month, day) for month, day in _FIXED_HOLIDAYS}
    days.add(easter(year) + timedelta(days=1))
    if year >= _SAINT_FRANCIS_FROM:
        days.add(date(year, 10, 4))
    return frozenset(days)


def is_holiday(day: date) -> bool:
    return day in holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_working_days(day: date, count: int) -> date:
    """The `count`-th working day after `day` (`day` itself does not count)."""
    if count < 0:
        raise ValueError("count is negative")
    while count:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def local_midnight(day: date) -> datetime:
    """The instant (UTC) a day starts in Italy."""
    return datetime.combine(day, time(0), tzinfo=ROME).astimezone(UTC)


def quarters_in(day: date) -> int:
    """How many quarters of an hour an Italian day has: 96, or 92 and 100 on the days the
    clocks go forward and back."""
    length = local_midnight(day + timedelta(days=1)) - local_midnight(day)
    return int(length / QUARTER)


def quarter_starts(day: date) -> list[datetime]:
    """Each quarter's start (UTC) from local midnight, as interval data are numbered."""
    start = local_midnight(day)
    return [start + QUARTER * i for i in range(quarters_in(day))]


def band_at(instant: datetime) -> Band:
    """ARERA's time band of an instant: F1 weekdays 8-19; F2 weekdays 7-8 and 19-23 and
    Saturdays 7-23; F3 nights (23-7), Sundays and national holidays."""
    local = instant.astimezone(ROME)
    day, hour = local.date(), local.hour
    if day.weekday() == 6 or is_holiday(day) or hour < 7 or hour >= 23:
        return "F3"
    if day.weekday() == 5:
        return "F2"
    return "F1" if 8 <= hour < 19 else "F2"
