"""Euro amounts as customers read them: Italian style, comma decimals and thousands dots."""

from decimal import Decimal


def format_euro(cents: int) -> str:
    """`123456` -> `"1.234,56 €"`, `-5` -> `"-0,05 €"`."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d} €"


def format_signed_euro(cents: int) -> str:
    """A change: `1840` -> `"+18,40 €"`, `-1840` -> `"-18,40 €"`, `0` -> `"0,00 €"`."""
    return ("+" if cents > 0 else "") + format_euro(cents)


def format_decimal(value: Decimal, places: int) -> str:
    """A quantity or a unit price, Italian style: `Decimal("1234.5")`, 2 -> `"1.234,50"`."""
    rounded = round(value, places)
    text = f"{abs(rounded):,.{places}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return ("-" if rounded < 0 else "") + text
