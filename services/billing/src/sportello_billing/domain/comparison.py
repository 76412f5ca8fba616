"""Why a bill differs from another of the same supply: the change of total split by cause.

The consumption section (catch-ups aside) costs days x consumption per day x unit price; its
change splits exactly into a change of days (at the other bill's cost per day), of consumption
per day (over this bill's days, at the other bill's price) and of price (over this bill's
consumption). Catch-ups of earlier estimates are a cause of their own; everything else, and the
rounding of the three parts to cents, is "other": the causes add up to the difference exactly.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from sportello_billing.domain.bills import Bill
from sportello_billing.domain.dates import years_before
from sportello_billing.domain.money import format_decimal, format_euro, format_signed_euro
from sportello_contracts.bills import Comparison, Difference, DifferenceCause, LineSection

Against = Literal["previous", "last_year"]

# How causes are listed when their amounts tie (the reading, which has none, always first).
CAUSE_ORDER: tuple[DifferenceCause, ...] = (
    "reading",
    "catch_up",
    "consumption",
    "price",
    "days",
    "other",
)
SECTION_NAMES: dict[LineSection, str] = {
    "consumption": "consumi",
    "fixed": "quota fissa",
    "power": "quota potenza",
    "taxes": "imposte",
    "vat": "IVA",
    "bonus": "bonus sociale",
    "adjustment": "ricalcoli e rettifiche",
    "other": "altre partite",
}
_ENERGY_UNITS = ("Smc", "kWh")


@dataclass(frozen=True)
class _Wording:
    """How the other bill is named in a sentence."""

    subject: str  # "la bolletta precedente"
    against: str  # "rispetto alla bolletta precedente"
    of: str  # "della bolletta precedente"
    within: str  # "nella bolletta precedente"
    than: str  # "della precedente": "più alta della precedente"


WORDING: dict[Against, _Wording] = {
    "previous": _Wording(
        subject="la bolletta precedente",
        against="rispetto alla bolletta precedente",
        of="della bolletta precedente",
        within="nella bolletta precedente",
        than="della precedente",
    ),
    "last_year": _Wording(
        subject="la bolletta dello stesso periodo dell'anno scorso",
        against="rispetto allo stesso periodo dell'anno scorso",
        of="della bolletta dello stesso periodo dell'anno scorso",
        within="nella bolletta dello stesso periodo dell'anno scorso",
        than="di quella dello stesso periodo dell'anno scorso",
    ),
}


@dataclass(frozen=True)
class _Energy:
    """A bill's consumption section, catch-ups aside: cost, quantity and days billed."""

    cost_cents: int
    quantity: Fraction
    days: int
    unit: str

    @property
    def per_day(self) -> Fraction:
        return self.quantity / self.days

    @property
    def unit_price(self) -> Fraction:
        """Cents per Smc or kWh (the quantity is not zero)."""
        return self.cost_cents / self.quantity


@dataclass(frozen=True)
class _EnergySplit:
    days: int
    consumption: int
    price: int


def compare(bill: Bill, other: Bill, against: Against) -> Comparison:
    """`bill` against `other`, a bill of the same supply: the difference and its causes."""
    if bill.supply_id != other.supply_id:
        raise ValueError("only bills of the same supply are compared")
    wording = WORDING[against]
    this_energy, other_energy = _energy(bill), _energy(other)
    catch_up = _catch_up_cents(bill) - _catch_up_cents(other)
    split = _split_energy(this_energy, other_energy)
    difference = bill.total_cents - other.total_cents
    rest = difference - catch_up - split.days - split.consumption - split.price
    causes: list[Difference] = []
    if bill.estimated != other.estimated:
        explanation = _reading(bill, wording, with_catch_up=catch_up != 0)
        causes.append(Difference(cause="reading", amount_cents=0, explanation=explanation))
    if catch_up:
        causes.append(_catch_up(bill, other, catch_up, wording))
    if split.days:
        causes.append(_days(this_energy, other_energy, split.days, wording))
    if split.consumption:
        causes.append(_consumption(this_energy, other_energy, split.consumption, wording))
    if split.price:
        causes.append(_price(this_energy, other_energy, split.price))
    if rest:
        causes.append(_other(bill, other, rest))
    ordered = tuple(sorted(causes, key=_listing_order))
    return Comparison(
        against=against,
        other_bill_number=other.bill_number,
        other_total_cents=other.total_cents,
        difference_cents=difference,
        causes=ordered,
        summary=_summary(difference, ordered, wording),
    )


def previous_and_last_year(bill: Bill, history: Sequence[Bill]) -> tuple[Bill | None, Bill | None]:
    """Among the supply's other bills that are not cancelled: the latest issued before `bill`,
    and the one whose period overlaps most the same period a year earlier (None if none does)."""
    others = [
        b
        for b in history
        if b.supply_id == bill.supply_id
        and b.bill_number != bill.bill_number
        and b.cancelled_on is None
    ]
    earlier = [b for b in others if b.issued_on < bill.issued_on]
    previous = max(earlier, key=lambda b: (b.issued_on, b.period_end, b.bill_number), default=None)
    start, end = years_before(bill.period_start, 1), years_before(bill.period_end, 1)
    overlapping = [(_overlap_days(b, start, end), b) for b in others]
    best = max(
        ((days, b) for days, b in overlapping if days > 0),
        # The most days in common; then the period closest in length; then the latest issued.
        key=lambda pair: (pair[0], -abs(pair[1].days_billed - bill.days_billed), pair[1].issued_on),
        default=None,
    )
    return previous, (best[1] if best is not None else None)


def _overlap_days(bill: Bill, start: date, end: date) -> int:
    return max(0, (min(bill.period_end, end) - max(bill.period_start, start)).days + 1)


def _energy(bill: Bill) -> _Energy:
    lines = [line for line in bill.lines if line.section == "consumption" and not line.catch_up]
    measured = [
        line.quantity for line in lines if line.quantity is not None and line.unit in _ENERGY_UNITS
    ]
    # The quantity the section's lines price; the bill's consumption when its lines say none.
    quantity = sum(measured, Decimal(0)) if measured else bill.consumption.quantity
    return _Energy(
        cost_cents=sum(line.amount_cents for line in lines),
        quantity=Fraction(quantity),
        days=max(1, bill.days_billed),
        unit=bill.consumption.unit,
    )


def _catch_up_cents(bill: Bill) -> int:
    return sum(line.amount_cents for line in bill.lines if line.catch_up)


def _split_energy(this: _Energy, other: _Energy) -> _EnergySplit:
    if this.quantity == 0 or other.quantity == 0:
        # No unit price to compare: the whole change of the section is consumption.
        return _EnergySplit(days=0, consumption=this.cost_cents - other.cost_cents, price=0)
    price = other.unit_price
    return _EnergySplit(
        days=_cents((this.days - other.days) * other.per_day * price),
        consumption=_cents(this.days * (this.per_day - other.per_day) * price),
        price=_cents(this.quantity * (this.unit_price - price)),
    )


def _cents(amount: Fraction) -> int:
    """Rounded half away from zero."""
    whole = (abs(amount.numerator) * 2 + amount.denominator) // (2 * amount.denominator)
    return whole if amount >= 0 else -whole


def _reading(bill: Bill, wording: _Wording, *, with_catch_up: bool) -> str:
    if bill.estimated:
        return (
            "Questa bolletta è calcolata su consumi stimati, perché non avevamo una lettura "
            f"del contatore, mentre {wording.subject} era calcolata su una lettura effettiva. "
            "Comunicaci l'autolettura: così le prossime bollette saranno sui tuoi consumi reali."
        )
    source = (
        "una lettura del distributore"
        if any(r.kind == "actual" for r in bill.readings)
        else "la tua autolettura"
    )
    text = (
        f"Questa bolletta è calcolata su {source}, mentre {wording.within} i consumi erano "
        "stimati: per questo i consumi possono essere diversi"
    )
    if with_catch_up:
        return text + "; la differenza tra i consumi stimati e quelli reali è nel conguaglio."
    return text + "."


def _catch_up(bill: Bill, other: Bill, amount: int, wording: _Wording) -> Difference:
    this_part, other_part = _catch_up_cents(bill), _catch_up_cents(other)
    if other_part == 0:
        actual = "ricalcolati" if bill.estimated else "reali letti sul contatore"
        explanation = (
            f"Questa bolletta contiene un conguaglio di {format_euro(this_part)}: la differenza "
            f"tra i consumi stimati nelle bollette passate e quelli {actual} "
            f"({format_signed_euro(amount)})."
        )
    elif this_part == 0:
        explanation = (
            f"{wording.within.capitalize()} c'era un conguaglio di consumi stimati in passato "
            f"di {format_euro(other_part)}, in questa no ({format_signed_euro(amount)})."
        )
    else:
        explanation = (
            f"Il conguaglio dei consumi stimati in passato è di {format_euro(this_part)} in "
            f"questa bolletta e di {format_euro(other_part)} {wording.within} "
            f"({format_signed_euro(amount)})."
        )
    return Difference(cause="catch_up", amount_cents=amount, explanation=explanation)


def _days(this: _Energy, other: _Energy, amount: int, wording: _Wording) -> Difference:
    change = this.days - other.days
    more = "in più" if change > 0 else "in meno"
    explanation = (
        f"Questa bolletta copre {this.days} giorni, {abs(change)} {more} {wording.of} "
        f"({format_signed_euro(amount)})."
    )
    return Difference(cause="days", amount_cents=amount, explanation=explanation)


def _consumption(this: _Energy, other: _Energy, amount: int, wording: _Wording) -> Difference:
    signed = format_signed_euro(amount)
    if this.quantity == 0 and other.quantity == 0:
        explanation = f"La spesa per i consumi è cambiata {wording.against} ({signed})."
    elif other.quantity == 0:
        explanation = (
            f"{wording.within.capitalize()} non c'erano consumi; in questa hai consumato "
            f"{_quantity(this.quantity)} {this.unit} ({signed})."
        )
    elif this.quantity == 0:
        explanation = (
            f"In questa bolletta non ci sono consumi, {wording.within} avevi consumato "
            f"{_quantity(other.quantity)} {other.unit} ({signed})."
        )
    elif this.days == other.days:
        change = this.quantity - other.quantity
        explanation = (
            f"Hai consumato {_quantity(abs(change))} {this.unit} {_more(change)} "
            f"{wording.against} ({signed})."
        )
    else:
        change = this.per_day - other.per_day
        explanation = (
            f"In media hai consumato {_quantity(abs(change))} {this.unit} al giorno "
            f"{_more(change)} {wording.against}: {_quantity(this.per_day)} invece di "
            f"{_quantity(other.per_day)} ({signed})."
        )
    return Difference(cause="consumption", amount_cents=amount, explanation=explanation)


def _price(this: _Energy, other: _Energy, amount: int) -> Difference:
    what = "del gas" if this.unit == "Smc" else "dell'energia elettrica"
    went = "salito" if this.unit_price > other.unit_price else "sceso"
    explanation = (
        f"Il prezzo medio {what} è {went} da {_unit_price(other.unit_price)} a "
        f"{_unit_price(this.unit_price)} €/{this.unit} ({format_signed_euro(amount)})."
    )
    return Difference(cause="price", amount_cents=amount, explanation=explanation)


def _other(bill: Bill, other: Bill, amount: int) -> Difference:
    this_sections, other_sections = _other_sections(bill), _other_sections(other)
    changes = [
        (section, this_sections.get(section, 0) - other_sections.get(section, 0))
        for section in SECTION_NAMES
    ]
    changed = [(section, change) for section, change in changes if change]
    if not changed:
        explanation = f"Arrotondamenti ({format_signed_euro(amount)})."
    else:
        listed = ", ".join(
            f"{SECTION_NAMES[section]} {format_signed_euro(change)}" for section, change in changed
        )
        rounding = "" if sum(c for _, c in changed) == amount else ", arrotondamenti compresi"
        explanation = (
            f"Sono cambiate anche altre voci della bolletta: {listed} "
            f"({format_signed_euro(amount)} in tutto{rounding})."
        )
    return Difference(cause="other", amount_cents=amount, explanation=explanation)


def _other_sections(bill: Bill) -> dict[LineSection, int]:
    """The amounts of the lines no other cause accounts for, by section."""
    amounts: dict[LineSection, int] = {}
    for line in bill.lines:
        if not line.catch_up and line.section != "consumption":
            amounts[line.section] = amounts.get(line.section, 0) + line.amount_cents
    return amounts


def _listing_order(difference: Difference) -> tuple[bool, int, int]:
    return (
        difference.cause != "reading",
        -abs(difference.amount_cents),
        CAUSE_ORDER.index(difference.cause),
    )


def _summary(difference: int, causes: tuple[Difference, ...], wording: _Wording) -> str:
    if difference == 0:
        return f"Questa bolletta ha lo stesso importo {wording.than}."
    higher = difference > 0
    main = max(causes, key=lambda c: c.amount_cents if higher else -c.amount_cents)
    moving = [c for c in causes if c.amount_cents != 0]
    how = "per" if len(moving) == 1 else "soprattutto per"
    direction = "più alta" if higher else "più bassa"
    return (
        f"Questa bolletta è di {format_euro(abs(difference))} {direction} {wording.than}, "
        f"{how} {_cause_phrase(main.cause, higher)}."
    )


def _cause_phrase(cause: DifferenceCause, higher: bool) -> str:
    phrases: dict[DifferenceCause, tuple[str, str]] = {
        "catch_up": ("il conguaglio dei consumi stimati", "il conguaglio dei consumi stimati"),
        "consumption": ("i consumi più alti", "i consumi più bassi"),
        "price": ("il prezzo più alto", "il prezzo più basso"),
        "days": ("il periodo più lungo", "il periodo più breve"),
        "other": ("le altre voci della bolletta", "le altre voci della bolletta"),
        "reading": ("la lettura", "la lettura"),
    }
    return phrases[cause][0 if higher else 1]


def _more(change: Fraction) -> str:
    return "in più" if change > 0 else "in meno"


def _quantity(value: Fraction) -> str:
    """Whole units as such, otherwise two decimals: `35`, `1,15`."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    places = 0 if value.denominator == 1 else 2
    return format_decimal(exact, places)


def _unit_price(cents_per_unit: Fraction) -> str:
    euros = Decimal(cents_per_unit.numerator) / Decimal(cents_per_unit.denominator) / 100
    return format_decimal(euros, 4)
