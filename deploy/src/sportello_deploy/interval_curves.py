"""Plausible 15-minute electricity curves, as smart meters send them: a household's or an
office's day in Wh per quarter from local midnight, the same for the same seed."""

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from sportello_contracts.readings import IntervalDay

ROME = ZoneInfo("Europe/Rome")
QUARTER = timedelta(minutes=15)
CurveProfile = Literal["household", "office"]
CURVE_PROFILES: tuple[CurveProfile, ...] = get_args(CurveProfile)

# Mean power (kW) hour by hour of a local day, for working days and for weekends.
_HOUSEHOLD_WEEKDAY = (
    0.18, 0.15, 0.14, 0.14, 0.14, 0.16, 0.30, 0.55, 0.40, 0.25, 0.22, 0.25,
    0.45, 0.50, 0.30, 0.22, 0.22, 0.30, 0.45, 0.70, 0.80, 0.65, 0.45, 0.28,
)  # fmt: skip
_HOUSEHOLD_WEEKEND = (
    0.20, 0.16, 0.15, 0.14, 0.14, 0.15, 0.18, 0.25, 0.45, 0.55, 0.50, 0.50,
    0.60, 0.65, 0.45, 0.35, 0.35, 0.40, 0.50, 0.70, 0.80, 0.70, 0.50, 0.30,
)  # fmt: skip
_OFFICE_WEEKDAY = (
    0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 1.5, 3.5, 4.5, 4.5, 4.5,
    4.2, 3.8, 4.5, 4.5, 4.4, 4.0, 2.5, 1.2, 0.7, 0.6, 0.6, 0.6,
)  # fmt: skip
_OFFICE_WEEKEND = (0.6,) * 24
_HOURLY_KW: dict[CurveProfile, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "household": (_HOUSEHOLD_WEEKDAY, _HOUSEHOLD_WEEKEND),
    "office": (_OFFICE_WEEKDAY, _OFFICE_WEEKEND),
}
# More light and heat pumps in winter, air conditioning in July and August.
_SEASON = (1.15, 1.10, 1.00, 0.90, 0.85, 1.00, 1.25, 1.20, 0.95, 0.90, 1.00, 1.15)
# A household runs the washing machine or the oven about every other day: an hour at this power.
_APPLIANCE_KW = 1.8
_APPLIANCE_CHANCE = 0.5
_WH_PER_KW_QUARTER = 250  # 1 kW for a quarter of an hour


def quarter_starts(day: date) -> list[datetime]:
    """The start of each quarter of an Italian day, in local time: counted on the UTC clock
    from local midnight to the next, so the day clocks go forward has 92 and the day they go
    back 100 (its 2 o'clock hour twice)."""
    start = datetime.combine(day, time(0), tzinfo=ROME).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ROME).astimezone(UTC)
    count = (end - start) // QUARTER
    return [(start + QUARTER * index).astimezone(ROME) for index in range(count)]


def quarters_in(day: date) -> int:
    return len(quarter_starts(day))


def curve_day(
    supply_id: str,
    day: date,
    profile: CurveProfile = "household",
    seed: int = 0,
    daily_kwh: float | None = None,
) -> IntervalDay:
    """One day of `supply_id`'s curve: the profile's hour-by-hour power, the season's weight,
    a household's appliance, and noise drawn from (`seed`, supply, day), so the same arguments
    always give the same day. `daily_kwh` scales the day to about that much."""
    rng = random.Random(f"{seed}:{supply_id}:{day.isoformat()}")  # noqa: S311
    weekday_kw, weekend_kw = _HOURLY_KW[profile]
    hourly = weekend_kw if day.weekday() >= 5 else weekday_kw
    scale = _SEASON[day.month - 1] * rng.uniform(0.85, 1.15)
    starts = quarter_starts(day)
    power = [hourly[start.hour] * scale * rng.uniform(0.8, 1.2) for start in starts]
    if profile == "household" and rng.random() < _APPLIANCE_CHANCE:
        # An hour from some time between 9:00 and 21:00.
        first = rng.choice([i for i, start in enumerate(starts) if 9 <= start.hour < 21])
        for index in range(first, min(first + 4, len(power))):
            power[index] += _APPLIANCE_KW
    if daily_kwh is not None:
        total_kwh = sum(power) / 4
        power = [kw * daily_kwh / total_kwh for kw in power]
    return IntervalDay(
        supply_id=supply_id,
        day=day,
        quarter_wh=tuple(round(kw * _WH_PER_KW_QUARTER) for kw in power),
    )


def days_between(first_day: date, last_day: date) -> list[date]:
    return [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]


def curve_days(
    supply_ids: Sequence[str],
    days: Iterable[date],
    profile: CurveProfile = "household",
    seed: int = 0,
    daily_kwh: float | None = None,
) -> list[IntervalDay]:
    """Every supply's curve for each of `days`, day by day."""
    return [
        curve_day(supply_id, day, profile, seed, daily_kwh)
        for day in days
        for supply_id in supply_ids
    ]
