"""What billing's use cases need from outside: the transaction, the clock, the settings."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sportello_billing.adapters.pdf import SupplierInfo
from sportello_billing.adapters.store import BillingStore
from sportello_billing.domain.instalments import InstalmentRules
from sportello_contracts.envelope import EventPayload

DbSession = Any


class Transaction(Protocol):
    """The kit's transaction as the use cases see it."""

    @property
    def session(self) -> DbSession: ...

    async def emit(self, payload: EventPayload) -> object: ...

    def park(self, waiting_for: str) -> None: ...

    async def release(self, waiting_for: str) -> int: ...


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


@dataclass(frozen=True)
class Rules:
    """The regulator's and the supplier's figures the use cases apply (from the settings)."""

    iban_key: str
    portal_url: str
    creditor_fiscal_code: str
    segregation_code: str
    bills_window_months: int
    time_bar_years: int
    instalments: InstalmentRules


@dataclass(frozen=True)
class Needs:
    """Everything a billing use case may use; bootstrap builds the real one."""

    store: BillingStore
    clock: Clock
    rules: Rules
    supplier: SupplierInfo
