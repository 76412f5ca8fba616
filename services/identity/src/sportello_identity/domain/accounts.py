"""Customers as onboarded by the back-office, accounts, and the rules of registration."""

from dataclasses import dataclass, field
from datetime import datetime

from sportello_contracts.rpc import Role
from sportello_identity.domain.errors import PinAlreadyUsed


@dataclass(frozen=True)
class Customer:
    """A customer code of one fiscal identity, with the PIN of its welcome letter."""

    customer_code: str
    fiscal_code: str
    full_name: str
    email: str
    pin_hash: str
    account_id: str | None = None  # set once the PIN was used to register


@dataclass(frozen=True)
class Account:
    account_id: str
    username: str
    email: str
    full_name: str
    fiscal_code: str
    password_hash: str
    registered_at: datetime
    role: Role = "customer"
    customer_codes: tuple[str, ...] = field(default=())
    # Wrong passwords in a row, and the lock they led to.
    login_failures: int = 0
    locked_until: datetime | None = None


def check_pin_unused(customers: list[Customer]) -> None:
    """A PIN registers one account, once; registering again needs the account deleted first."""
    if any(c.account_id is not None for c in customers):
        raise PinAlreadyUsed()
