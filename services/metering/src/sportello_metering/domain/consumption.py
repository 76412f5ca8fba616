"""Consumption by month against the same months a year before, from readings that count, billed
consumption or smart-meter data: spans of days spread evenly over the months they cover.

A span runs from one reading to the next: `start` is the earlier reading's day (exclusive, its
consumption was before it) and `end` the later reading's day (inclusive)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise

from sportello_metering.domain.meters import Meter, Values
from sportello_metering.domain.readings import Reading

# Where a month's figure comes from, in the order they are trusted: the readings measure what
# went through the meter, bills may rest on estimates, interval data may have gaps.
SOURCES = ("readings", "billed", "intervals")
_SMC = Decimal("0.001")  # Smc and the shown quantities: 3 decimals
# A month's share of a span is rounded down to here, so shares never add up to more than the
# span (and rounding the share to 3 decimals afterwards is as if done from the exact value).
_SHARE_PLACES = 6
_SHARE_SCALE = 10**_SHARE_PLACES
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Span:
    start: date  # exclusive: the day of the earlier reading
    end: date  # inclusive: the later reading's day
    quantity: Decimal  # Smc for gas, kWh for electricity
    source: str  # "readings", "billed" or "intervals"

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def to_billing_unit(meter: Meter, quantity: int) -> Decimal:
    """What a meter's count is billed in: gas m3 x the correction factor (1 where the meter
    converts by itself) = Smc, to 3 decimals; electricity kWh as counted."""
    if meter.unit != "m3":
        return Decimal(quantity)
    factor = meter.correction_factor or Decimal(1)
    return (Decimal(quantity) * factor).quantize(_SMC, ROUND_HALF_UP)


def reading_spans(meters: Sequence[Meter], counting: Sequence[Reading]) -> list[Span]:
    """The spans between each meter's consecutive readings, from its installation to its
    removal. Never across two meters: a replacement starts a new series. Readings that do not
    count (estimates, pending customer readings) are left out."""
    spans = []
    for meter in meters:
        for (before_on, before), (after_on, after) in pairwise(_series(meter, counting)):
            used = to_billing_unit(meter, consumed(meter, before, after))
            spans.append(Span(start=before_on, end=after_on, quantity=used, source="readings"))
    return sorted(spans, key=lambda span: (span.start, span.end))


def consumed(meter: Meter, before: Values, after: Values) -> int:
    """What went through the meter between two readings, summed over its registers; a register
    lower than before went past its last digit and started again from zero."""
    return sum((after[r] - before[r]) % meter.capacity for r in meter.registers)


def _series(meter: Meter, counting: Sequence[Reading]) -> list[tuple[date, Values]]:
    """The meter's readings in date order, one a day: the installation's, those that count
    (the distributor's over the customer's of the same day, then the later recorded), and the
    removal's. The installation and removal readings win on their own days."""
    ours = sorted(
        (
            r
            for r in counting
            if r.counts
            and r.supply_id == meter.supply_id
            and r.meter_serial == meter.serial
            and set(r.values) == set(meter.registers)
            and _in_service(meter, r.read_on)
        ),
        key=lambda r: (r.read_on, r.source == "distributor", r.recorded_at),
    )
    by_day: dict[date, Values] = {meter.installed_on: meter.initial}
    by_day.update((r.read_on, r.values) for r in ours)
    if meter.removed_on is not None and meter.removal is not None:
        by_day[meter.removed_on] = meter.removal
    return sorted(by_day.items())


def _in_service(meter: Meter, day: date) -> bool:
    """After the installation's reading, and before the removal's (up to the removal day, when
    the meter left without one)."""
    if day <= meter.installed_on:
        return False
    if meter.removed_on is None:
        return True
    return day < meter.removed_on if meter.removal is not None else day <= meter.removed_on


def billed_spans(bills: Sequence[tuple[date, date, Decimal]]) -> list[Span]:
    """Spans of bills' (period_start, period_end, quantity): a bill's first day is billed, so
    its span starts the day before."""
    return [
        Span(start=first - _ONE_DAY, end=last, quantity=quantity, source="billed")
        for first, last, quantity in sorted(bills)
    ]


def interval_spans(daily_kwh: Mapping[date, Decimal]) -> list[Span]:
    """A span per day of smart-meter data."""
    return [
        Span(start=day - _ONE_DAY, end=day, quantity=kwh, source="intervals")
        for day, kwh in sorted(daily_kwh.items())
    ]


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def days_in_month(month: str) -> int:
    first = date.fromisoformat(f"{month}-01")
    return ((first + timedelta(days=31)).replace(day=1) - first).days


def by_month(spans: Sequence[Span]) -> dict[str, tuple[Decimal, bool]]:
    """Each month any span touches: its quantity (each span spread evenly over its days) and
    whether every one of its days is covered.

    Spans of one source should not overlap; where they do, each overlapped day goes to the
    span that ends later (a bill that re-bills days replaces the earlier one for those days),
    and to the later given of two that end on the same day.
    """
    daily: dict[date, Fraction] = {}
    for span in sorted(spans, key=lambda s: s.end):  # stable: the later given wins a tie
        if span.days <= 0:
            continue
        per_day = Fraction(span.quantity) / span.days
        daily.update((span.start + timedelta(days=n), per_day) for n in range(1, span.days + 1))
    totals: dict[str, Fraction] = {}
    covered: dict[str, int] = {}
    for day, quantity in daily.items():
        month = month_of(day)
        totals[month] = totals.get(month, Fraction(0)) + quantity
        covered[month] = covered.get(month, 0) + 1
    return {
        month: (_share(total), covered[month] == days_in_month(month))
        for month, total in sorted(totals.items())
    }


def _share(exact: Fraction) -> Decimal:
    # Integer division, so nothing is rounded up on the way.
    return Decimal(exact.numerator * _SHARE_SCALE // exact.denominator).scaleb(-_SHARE_PLACES)


@dataclass(frozen=True)
class MonthRow:
    """A month and the same month a year before; None (quantity and source) is a gap."""

    month: str  # YYYY-MM
    quantity: Decimal | None
    source: str | None
    previous_year: Decimal | None
    previous_year_source: str | None


def months_until(until: str, count: int) -> list[str]:
    """`count` months ending with `until`, oldest first."""
    year, month = (int(part) for part in until.split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def year_before(month: str) -> str:
    return f"{int(month[:4]) - 1:04d}{month[4:]}"


def monthly_series(
    until: str,
    months: int,
    readings: Sequence[Span],
    billed: Sequence[Span],
    intervals: Sequence[Span],
) -> list[MonthRow]:
    """`months` months up to `until`, oldest first, each with the same month a year before:
    each month's quantity from the first source that covers all its days (readings, then bills,
    then interval data), to 3 decimals; a month none covers in full is a gap."""
    sources = [
        (name, by_month(spans))
        for name, spans in zip(SOURCES, (readings, billed, intervals), strict=True)
    ]

    def figure(month: str) -> tuple[Decimal | None, str | None]:
        for name, monthly in sources:
            quantity, full = monthly.get(month, (Decimal(0), False))
            if full:
                return quantity.quantize(_SMC, ROUND_HALF_UP), name
        return None, None

    rows = []
    for month in months_until(until, months):
        quantity, source = figure(month)
        previous, previous_source = figure(year_before(month))
        rows.append(MonthRow(month, quantity, source, previous, previous_source))
    return rows
