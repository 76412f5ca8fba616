"""Smart meters' 15-minute data: the check of a day, the curve of a day, a week or a month split
by time band and costed at the supply's prices, and the CSV export."""

import csv
import io
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from typing import Literal

from sportello_contracts.bills import Band
from sportello_contracts.readings import IntervalDay
from sportello_metering.domain.calendar import QUARTER, ROME, band_at, quarter_starts, quarters_in

Period = Literal["day", "week", "month"]
Resolution = Literal["15m", "1h", "1d"]
PERIODS: dict[str, Period] = {"day": "day", "week": "week", "month": "month"}
RESOLUTIONS: dict[str, Resolution] = {"day": "15m", "week": "1h", "month": "1d"}
BANDS: tuple[Band, ...] = ("F1", "F2", "F3")
CSV_HEADER = ("inizio", "fine", "fascia", "kWh")

# A week's points are hours. Italy's offsets are whole hours, so every 4 quarters from local
# midnight are one hour, and in one band (bands change on the hour).
_QUARTERS_PER_HOUR = 4
_ONE_DAY = timedelta(days=1)
# Costs are summed exactly before the one rounding per band: Wh x price with six decimals can
# hold more digits than the default context keeps.
_COST_PRECISION = 60


def check_day(day: IntervalDay, today: date) -> str | None:
    """Why a day of interval data cannot be kept, or None: it has every quarter of the Italian
    day (96, or 92 and 100 when the clocks change) and is not in the future."""
    if day.day > today:
        return f"{day.day} is after today ({today})"
    expected = quarters_in(day.day)
    if len(day.quarter_wh) != expected:
        return f"quarter_wh has {len(day.quarter_wh)} values, {day.day} has {expected}"
    return None


@dataclass(frozen=True)
class Prices:
    """The energy price per band (F1 F2 F3) of a supply from `valid_from` on."""

    valid_from: date
    euro_per_kwh: dict[str, Decimal]


def price_on(prices: Sequence[Prices], day: date) -> Prices | None:
    """The prices in force on `day`: the latest to start on or before it."""
    valid = [p for p in prices if p.valid_from <= day]
    return max(valid, key=lambda p: p.valid_from) if valid else None


def period_days(period: str, on: date) -> tuple[date, date]:
    """The first and last day of the day, the week (Monday to Sunday) or the month holding `on`."""
    if period == "day":
        return on, on
    if period == "week":
        monday = on - timedelta(days=on.weekday())
        return monday, monday + timedelta(days=6)
    if period == "month":
        first = on.replace(day=1)
        next_month = (first + timedelta(days=31)).replace(day=1)
        return first, next_month - _ONE_DAY
    raise ValueError(f"unknown period {period!r}: day, week or month")


def days_between(first: date, last: date) -> Iterator[date]:
    """Each day from `first` to `last`, both included."""
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY


def kwh_of(wh: int) -> Decimal:
    """Wh as kWh, exactly, with 3 decimals: 52 -> 0.052."""
    return Decimal(wh).scaleb(-3)


@dataclass(frozen=True)
class Point:
    """A quarter, an hour or a day of the curve; `kwh` None is a gap (no data for that day)."""

    start: datetime  # UTC
    end: datetime
    kwh: Decimal | None
    by_band: dict[Band, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class BandTotal:
    band: Band
    kwh: Decimal
    # The price when one applied to the whole period's data of this band; None when there was
    # none, or when it changed within the period (the cost is exact all the same).
    euro_per_kwh: Decimal | None
    cost_cents: int | None  # None when some day with data has no price


@dataclass(frozen=True)
class Curve:
    """A period's interval data, as a chart shows it (the `IntervalsReply` of one supply)."""

    period: Period
    first_day: date
    last_day: date
    resolution: Resolution
    points: tuple[Point, ...]
    bands: tuple[BandTotal, ...]
    total_kwh: Decimal
    total_cost_cents: int | None
    days_with_data: int
    days_missing: int


@dataclass(frozen=True)
class _Quarter:
    start: datetime
    band: Band
    wh: int | None  # None: the day has no data


@lru_cache(maxsize=1024)
def _day_bands(day: date) -> tuple[tuple[datetime, Band], ...]:
    return tuple((start, band_at(start)) for start in quarter_starts(day))


def _quarters(day: date, wh: Sequence[int] | None) -> list[_Quarter]:
    bands = _day_bands(day)
    if wh is None:
        return [_Quarter(start, band, None) for start, band in bands]
    if len(wh) != len(bands):
        raise ValueError(f"{day} has {len(bands)} quarters, not {len(wh)}")
    return [_Quarter(start, band, value) for (start, band), value in zip(bands, wh, strict=True)]


def _point(quarters: Sequence[_Quarter]) -> Point:
    start, end = quarters[0].start, quarters[-1].start + QUARTER
    if quarters[0].wh is None:
        return Point(start=start, end=end, kwh=None)
    by_band: dict[Band, int] = defaultdict(int)
    for quarter in quarters:
        by_band[quarter.band] += quarter.wh or 0
    return Point(
        start=start,
        end=end,
        kwh=kwh_of(sum(by_band.values())),
        by_band={band: kwh_of(by_band[band]) for band in BANDS if band in by_band},
    )


def _points(period: str, day: list[_Quarter]) -> list[Point]:
    if period == "day":
        return [_point([quarter]) for quarter in day]
    if period == "week":
        hours = range(0, len(day), _QUARTERS_PER_HOUR)
        return [_point(day[hour : hour + _QUARTERS_PER_HOUR]) for hour in hours]
    return [_point(day)]


@dataclass
class _BandSums:
    """One band's data over a period: Wh, and each day's cost in cents, unrounded (None: that
    day has no price)."""

    wh: int = 0
    costs: list[Decimal | None] = field(default_factory=list)
    prices: set[Decimal | None] = field(default_factory=set)

    def add(self, wh: int, price: Decimal | None) -> None:
        self.wh += wh
        self.prices.add(price)
        with localcontext() as exact:
            exact.prec = _COST_PRECISION
            # Wh x euro/kWh / 10 = cents.
            self.costs.append(None if price is None else Decimal(wh) * price / 10)

    def total(self, band: Band) -> BandTotal:
        cents = None
        if None not in self.costs:
            with localcontext() as exact:
                exact.prec = _COST_PRECISION
                exact_cents = sum((c for c in self.costs if c is not None), Decimal(0))
                cents = int(exact_cents.to_integral_value(ROUND_HALF_UP))
        price = next(iter(self.prices)) if len(self.prices) == 1 else None
        return BandTotal(band=band, kwh=kwh_of(self.wh), euro_per_kwh=price, cost_cents=cents)


def aggregate(
    period: str,
    on: date,
    days: Mapping[date, Sequence[int]],
    prices: Sequence[Prices],
) -> Curve:
    """The curve of the period holding `on`: quarters (a day), hours (a week) or days (a month).

    `days` maps a day to its quarters in Wh from local midnight; a day it lacks is a gap. Each
    band's cost is the sum over days of its kWh at that day's price, rounded to cents once.
    """
    first, last = period_days(period, on)
    points: list[Point] = []
    sums: dict[Band, _BandSums] = {}
    with_data = 0
    for day in days_between(first, last):
        quarters = _quarters(day, days.get(day))
        points += _points(period, quarters)
        if day in days:
            with_data += 1
            _add_day(sums, quarters, price_on(prices, day))
    bands = tuple(sums[band].total(band) for band in BANDS if band in sums)
    costs = [b.cost_cents for b in bands]
    return Curve(
        period=PERIODS[period],
        first_day=first,
        last_day=last,
        resolution=RESOLUTIONS[period],
        points=tuple(points),
        bands=bands,
        total_kwh=sum((b.kwh for b in bands), Decimal("0.000")),
        total_cost_cents=None if None in costs else sum(c for c in costs if c is not None),
        days_with_data=with_data,
        days_missing=(last - first).days + 1 - with_data,
    )


def _add_day(sums: dict[Band, _BandSums], quarters: list[_Quarter], prices: Prices | None) -> None:
    day_wh: dict[Band, int] = defaultdict(int)
    for quarter in quarters:
        day_wh[quarter.band] += quarter.wh or 0
    for band, wh in day_wh.items():
        price = prices.euro_per_kwh.get(band) if prices else None
        sums.setdefault(band, _BandSums()).add(wh, price)


def csv_filename(supply_id: str, first: date, last: date) -> str:
    return f"{supply_id}-{first.isoformat()}-{last.isoformat()}.csv"


def csv_of(supply_id: str, days: Mapping[date, Sequence[int]], first: date, last: date) -> bytes:
    """Every quarter from `first` to `last` as CSV for Excel in Italy: UTF-8 with a BOM, `;`
    between fields, decimal commas, local times with their offset. A day without data keeps its
    quarters with an empty kWh, so the gap stays visible. The supply is named by the file
    (`csv_filename`), not repeated on each of its thousands of rows."""
    if last < first:
        raise ValueError(f"the export of {supply_id} ends ({last}) before it starts ({first})")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for day in days_between(first, last):
        for quarter in _quarters(day, days.get(day)):
            writer.writerow(
                (
                    quarter.start.astimezone(ROME).isoformat(),
                    (quarter.start + QUARTER).astimezone(ROME).isoformat(),
                    quarter.band,
                    "" if quarter.wh is None else str(kwh_of(quarter.wh)).replace(".", ","),
                )
            )
    return out.getvalue().encode("utf-8-sig")
