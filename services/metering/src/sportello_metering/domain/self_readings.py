"""A customer's self-reading: the digits read, the consumption they mean, and whether it is flagged.

The regulator wants a self-reading accepted unless manifestly wrong, so the only refusals are
input that is not a reading of this meter (letters, too many digits, the wrong registers) and a
value below the last one that counts which no rollover of the dial explains. A consumption far
above what the supply's history predicts is accepted and flagged for the back-office.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pydantic import JsonValue

from sportello_contracts.bills import Band
from sportello_metering.domain.calendar import add_working_days
from sportello_metering.domain.meters import Meter, Values
from sportello_metering.domain.readings import Reading
from sportello_metering.domain.wording import format_date

_ASCII_DIGITS = frozenset("0123456789")
_ECHO_AT_MOST = 20  # characters of the customer's input repeated back in a message
_UNIT_SYMBOLS = {"m3": "m³", "kWh": "kWh"}
_MIN_HISTORY_DAYS = 14  # two readings closer than this say little about a supply's habits


@dataclass(frozen=True)
class ReadingRules:
    """The self-reading rules' figures, each a setting of its own."""

    flag_factor: Decimal = Decimal(3)
    flag_minimum: int = 30
    rollover_share: Decimal = Decimal("0.5")
    receipt_working_days: int = 4
    overlap_days: int = 7
    default_daily_m3: Decimal = Decimal(4)
    default_daily_kwh: Decimal = Decimal(12)
    history_days: int = 365


class ReadingRefused(Exception):
    """A self-reading that cannot be a reading of this meter, with what to tell the customer."""

    def __init__(
        self, code: str, message: str, details: dict[str, JsonValue] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: dict[str, JsonValue] = details or {}


@dataclass(frozen=True)
class Judgement:
    consumption: int  # since the previous reading, summed over the registers, in meter units
    rolled_over: bool
    flagged: bool
    flag_reason: str | None  # in Italian, for the back-office


# Reading the digits.


def parse_values(
    meter: Meter, digits: str | None, bands: Mapping[str, str] | Mapping[Band, str] | None
) -> Values:
    """The registers' values the customer wrote: `digits` for a single-register meter, `bands`
    (F1, F2, F3) for a meter with one register per time band."""
    by_band = None if bands is None else {str(band): text for band, text in bands.items()}
    texts = _texts_by_register(meter, digits, by_band)
    return {register: _parse_register(meter, register, texts[register]) for register in texts}


def _texts_by_register(
    meter: Meter, digits: str | None, bands: dict[str, str] | None
) -> dict[str, str]:
    registers: list[JsonValue] = list(meter.registers)
    if meter.registers == ("total",):
        if bands is not None or digits is None:
            raise ReadingRefused(
                "wrong_registers",
                "Il tuo contatore ha una sola lettura: scrivi le cifre che vedi, senza fasce.",
                {"registers": registers},
            )
        return {"total": digits}
    names = ", ".join(meter.registers[:-1]) + " e " + meter.registers[-1]
    if digits is not None or bands is None:
        raise ReadingRefused(
            "wrong_registers",
            f"Il tuo contatore ha una lettura per fascia oraria: scrivi le cifre di {names}.",
            {"registers": registers},
        )
    missing: list[JsonValue] = [band for band in meter.registers if band not in bands]
    unknown: list[JsonValue] = [band for band in sorted(bands) if band not in meter.registers]
    if missing or unknown:
        absent = ", ".join(str(band) for band in (missing or unknown))
        what = f"manca {absent}" if missing else f"{absent} non esiste"
        raise ReadingRefused(
            "wrong_registers",
            f"Scrivi le cifre delle fasce {names}: {what}.",
            {"registers": registers, "missing": missing, "unknown": unknown},
        )
    return {register: bands[register] for register in meter.registers}


def _parse_register(meter: Meter, register: str, text: str) -> int:
    # Dials are often printed in groups ("04 521"), so spaces between digits are no mistake.
    cleaned = text.strip().replace(" ", "")
    what = "La lettura" if register == "total" else f"La lettura della fascia {register}"
    if not cleaned:
        raise ReadingRefused(
            "not_digits",
            f"{what} è vuota: scrivi le cifre che vedi sul contatore.",
            {"register": register},
        )
    # str.isdigit() would take "١٢" or "²": only the ten ASCII digits are a reading.
    if not set(cleaned) <= _ASCII_DIGITS:
        raise ReadingRefused(
            "not_digits",
            f"{what} può contenere solo cifre: hai scritto «{_echo(text)}».",
            {"register": register},
        )
    # Every character counts, leading zeros included: one digit too many is usually a red
    # decimal copied with the rest, and dropping a zero would silently read a different number.
    if len(cleaned) > meter.digits:
        raise ReadingRefused(
            "too_many_digits",
            f"{what} ha {len(cleaned)} cifre, ma il tuo contatore ne ha {meter.digits}: "
            "scrivi solo le cifre nere, senza i decimali in rosso.",
            {"register": register, "digits": meter.digits, "given": len(cleaned)},
        )
    return int(cleaned)


def _echo(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _ECHO_AT_MOST else text[:_ECHO_AT_MOST] + "…"


# Consumption and what history predicts.


def consumption_between(
    meter: Meter,
    earlier: Values,
    later: Values,
    rules: ReadingRules,
    *,
    earlier_on: date | None = None,
) -> tuple[int, bool]:
    """The consumption from `earlier` to `later` summed over the registers, and whether a dial
    went past its last digit. A lower value is a rollover only when the wrapped consumption is
    a small enough share of the dial; otherwise the reading is refused (`earlier_on`, the
    earlier reading's date, is named in the refusal)."""
    total, rolled_over = 0, False
    for register in meter.registers:
        before, after = earlier[register], later[register]
        if after >= before:
            total += after - before
            continue
        wrapped = meter.capacity - before + after
        if Decimal(wrapped) > rules.rollover_share * meter.capacity:
            raise _lower_than_previous(register, before, after, earlier_on)
        total += wrapped
        rolled_over = True
    return total, rolled_over


def _lower_than_previous(
    register: str, before: int, after: int, earlier_on: date | None
) -> ReadingRefused:
    what = "La lettura" if register == "total" else f"La lettura della fascia {register}"
    previous = f"{before}" if earlier_on is None else f"{before}, del {format_date(earlier_on)}"
    return ReadingRefused(
        "lower_than_previous",
        f"{what} ({after}) è più bassa dell'ultima lettura valida ({previous}): "
        "controlla di aver copiato tutte le cifre.",
        {
            "register": register,
            "previous_value": before,
            "previous_read_on": earlier_on.isoformat() if earlier_on else None,
        },
    )


def expected_daily(
    meter: Meter, counting: Sequence[Reading], today: date, rules: ReadingRules
) -> Decimal:
    """What the supply uses per day, in the meter's unit: the average between the first and the
    last reading that counts within `history_days` (the installation being one), or the default
    for the unit when history is too thin to say."""
    since = today - timedelta(days=rules.history_days)
    points = [
        (reading.read_on, reading.values)
        for reading in counting
        if reading.counts
        and reading.meter_serial == meter.serial
        and since <= reading.read_on <= today
    ]
    if since <= meter.installed_on <= today:
        points.append((meter.installed_on, meter.initial))
    default = rules.default_daily_m3 if meter.unit == "m3" else rules.default_daily_kwh
    if len(points) < 2:
        return default
    (first_on, first), (last_on, last) = min(points, key=_day), max(points, key=_day)
    days = (last_on - first_on).days
    if days < _MIN_HISTORY_DAYS:
        return default
    try:
        used, _ = consumption_between(meter, first, last, rules)
    except ReadingRefused:
        # Readings that count but contradict each other (a correction, a reset): no yardstick.
        return default
    return Decimal(used) / Decimal(days)


def _day(point: tuple[date, Values]) -> date:
    return point[0]


def judge(
    meter: Meter,
    values: Values,
    previous: tuple[date, Values],
    expected: Decimal,
    read_on: date,
    rules: ReadingRules,
) -> Judgement:
    """The consumption since `previous` (the last reading that counts, or the installation) and
    whether it is high enough to flag. Never refuses a high consumption."""
    previous_on, previous_values = previous
    consumption, rolled_over = consumption_between(
        meter, previous_values, values, rules, earlier_on=previous_on
    )
    days = (read_on - previous_on).days
    predicted = expected * max(days, 1)
    threshold = max(Decimal(rules.flag_minimum), rules.flag_factor * predicted)
    flagged = Decimal(consumption) > threshold
    reason = _flag_reason(meter, consumption, days, predicted, rolled_over) if flagged else None
    return Judgement(consumption, rolled_over, flagged, reason)


def _flag_reason(
    meter: Meter, consumption: int, days: int, predicted: Decimal, rolled_over: bool
) -> str:
    unit = _UNIT_SYMBOLS.get(meter.unit, meter.unit)
    span = "1 giorno" if days == 1 else f"{max(days, 0)} giorni"
    reason = f"Consumo di {consumption} {unit} in {span}: atteso circa {round(predicted)} {unit}"
    if rolled_over:
        reason += " (il contatore è ripartito da zero)"
    return reason


# Identity and deadlines.


def reading_id_for(supply_id: str, meter_serial: str, values: Values) -> str:
    """The reading's id, the same whenever the same digits of the same meter are sent: so a
    reading sent twice is one reading."""
    canonical = json.dumps([supply_id, meter_serial, sorted(values.items())], separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return "RDG-" + digest[:20].upper()


def answer_by(received_on: date, rules: ReadingRules) -> date:
    """The day by which the customer learns whether the reading was accepted."""
    return add_working_days(received_on, rules.receipt_working_days)
