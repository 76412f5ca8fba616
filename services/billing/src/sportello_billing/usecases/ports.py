"""What billing's use cases need from outside: the transaction, the clock, the settings."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from sportello_billing.adapters.pdf import SupplierInfo
from sportello_billing.adapters.store import BillingStore
from sportello_billing.domain.instalments import InstalmentRules
from sportello_billing.usecases.providers import PaymentProvider
from sportello_contracts.envelope import EventPayload

DbSession = Any
T = TypeVar("T")


class Transaction(Protocol):
    """The kit's transaction as the use cases see it."""

    @property
    def session(self) -> DbSession: ...

    async def emit(self, payload: EventPayload) -> object: ...

    def park(self, waiting_for: str) -> None: ...

    async def release(self, waiting_for: str) -> int: ...


class Transactions(Protocol):
    """Run some work in a transaction of its own, with the outbox (the kit's
    `Service.transaction`): for a use case that does something outside the database between
    two of them (asking the payment provider for a checkout)."""

    def __call__(self, work: Callable[[Transaction], Awaitable[T]]) -> Awaitable[T]: ...


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
    checkout_seconds: int = 30 * 60
    unregistered_after_days: int = 5


@dataclass(frozen=True)
class Needs:
    """Everything a billing use case may use; bootstrap builds the real one."""

    store: BillingStore
    clock: Clock
    rules: Rules
    supplier: SupplierInfo
    # Payment providers by name (the callback route names one), and which one "pay now" uses.
    providers: Mapping[str, PaymentProvider] = field(default_factory=dict)
    provider: str = "sandbox"
    transaction: Transactions | None = None
