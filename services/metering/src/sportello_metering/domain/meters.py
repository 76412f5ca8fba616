"""Meters: what a reading is checked against, and the series each one starts."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# A register's reading ("total", or "F1" "F2" "F3" on a meter with one per time band).
Values = dict[str, int]


@dataclass(frozen=True)
class Meter:
    """One meter on one supply, from its installation to its removal (a replacement starts a
    new meter, and so a new series of readings)."""

    supply_id: str
    serial: str
    digits: int  # integer digits on the dial
    unit: str  # "m3" (gas) or "kWh" (electricity)
    registers: tuple[str, ...]  # ("total",) or ("F1", "F2", "F3")
    smart: bool
    correction_factor: Decimal | None  # gas: m3 to Smc, where the meter has no converter
    installed_on: date
    initial: Values  # the reading at installation
    removed_on: date | None = None
    removal: Values | None = None  # its last reading, when it was replaced

    @property
    def capacity(self) -> int:
        """The value after which the dial starts again from zero."""
        return 10**self.digits
