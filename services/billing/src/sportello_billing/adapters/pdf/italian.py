"""How the documents write money, dates, quantities and the domain's words, in Italian."""

from datetime import date
from decimal import Decimal

from sportello_billing.domain.dates import format_date
from sportello_billing.domain.money import format_euro
from sportello_contracts.bills import (
    BillStatus,
    DifferenceCause,
    LineSection,
    PaymentMethod,
    ReadingKind,
    Unit,
)
from sportello_contracts.supplies import Commodity, PostalAddress

# One way to write euros and dates, shared with the rest of billing.
money = format_euro
day = format_date


def period(start: date, end: date) -> str:
    return f"dal {day(start)} al {day(end)}"


def grouped(whole: int) -> str:
    """Thousands separated by dots: 1.234.567."""
    return f"{whole:,}".replace(",", ".")


def decimal(value: Decimal, *, least: int = 0) -> str:
    """A quantity or a price as written in Italian, trailing zeros dropped beyond `least`
    decimals: 1.234,5 and 0,123456."""
    sign = "-" if value < 0 else ""
    text = f"{abs(value):f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(least, "0")
    head = f"{sign}{grouped(int(whole))}"
    return f"{head},{fraction}" if fraction else head


UNIT_PRICE_UNITS: dict[Unit, str] = {
    "Smc": "€/Smc",
    "kWh": "€/kWh",
    "kW": "€/kW",
    "giorni": "€/giorno",
    "mesi": "€/mese",
    "euro": "",  # a rate applied to an amount (VAT, a percentage)
}


def quantity(value: Decimal, unit: Unit | None) -> str:
    if unit == "euro":
        return money(int((value * 100).to_integral_value()))
    return f"{decimal(value)} {unit}" if unit else decimal(value)


def unit_price(value: Decimal, unit: Unit | None) -> str:
    per = UNIT_PRICE_UNITS[unit] if unit else "€"
    if unit == "euro":
        return f"x {decimal(value, least=2)}"
    return f"{decimal(value, least=2)} {per}".strip()


COMMODITY: dict[Commodity, str] = {"gas": "gas naturale", "electricity": "energia elettrica"}
POINT: dict[Commodity, str] = {"gas": "PDR", "electricity": "POD"}

# The energy receipt's parts, in the order the 2025 format lists them.
SECTIONS: tuple[LineSection, ...] = (
    "consumption",
    "fixed",
    "power",
    "taxes",
    "vat",
    "bonus",
    "adjustment",
    "other",
)


def section(name: LineSection, commodity: Commodity) -> str:
    if name == "consumption":
        return "Quota consumi (materia gas)" if commodity == "gas" else "Quota consumi (energia)"
    return SECTION_NAMES[name]


SECTION_NAMES: dict[LineSection, str] = {
    "consumption": "Quota consumi",
    "fixed": "Quota fissa",
    "power": "Quota potenza",
    "taxes": "Imposte (accise)",
    "vat": "IVA",
    "bonus": "Bonus sociale",
    "adjustment": "Ricalcoli e altre partite",
    "other": "Altre partite",
}

READING_KIND: dict[ReadingKind, str] = {
    "actual": "effettiva",
    "self": "autolettura",
    "estimated": "stimata",
}

STATUS: dict[BillStatus, str] = {
    "unpaid": "da pagare",
    "overdue": "scaduta, da pagare",
    "paid": "pagata",
    "partially_paid": "pagata in parte",
    "cancelled": "annullata: nulla da pagare",
    "credited": "stornata con nota di credito: nulla da pagare",
}

PAYMENT_METHOD: dict[PaymentMethod, str] = {
    "pagopa": "avviso di pagamento pagoPA",
    "direct_debit": "addebito diretto su conto corrente (SDD)",
}

CAUSE: dict[DifferenceCause, str] = {
    "reading": "Lettura",
    "catch_up": "Conguaglio",
    "price": "Prezzo",
    "days": "Giorni fatturati",
    "consumption": "Consumi",
    "other": "Altro",
}


def within_sentence(name: str) -> str:
    """A part's name inside a phrase: "Totale quota fissa", but "Totale IVA"."""
    first, _, rest = name.partition(" ")
    return name if first.isupper() else first.lower() + (f" {rest}" if rest else "")


def address_lines(address: PostalAddress) -> list[str]:
    lines = [address.recipient] if address.recipient else []
    lines.append(f"{address.street} {address.number}")
    lines.append(f"{address.post_code} {address.city} ({address.province})")
    return lines
