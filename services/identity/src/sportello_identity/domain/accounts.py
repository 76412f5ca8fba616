"""Customers as onboarded by the back-office, accounts, and the rules of registration."""

from dataclasses import dataclass, field
from datetime import datetime

from sportello_contracts.rpc import Role
from sportello_identity.domain.errors import PhoneRequired, PinAlreadyUsed


@dataclass(frozen=True)
class CustomerDetails:
    """What the back-office says of a customer code when it onboards it (no secret)."""

    customer_code: str
    fiscal_code: str
    full_name: str
    email: str


@dataclass(frozen=True)
class Customer:
    """A customer code that can be registered: its details and its letter's PIN both known.

    The back-office sends the two apart, in either order; until both arrived the customer code
    is nobody's to register, and joins no account.
    """

    customer_code: str
    fiscal_code: str
    full_name: str
    email: str
    pin_hash: str
    account_id: str | None = None  # set once the PIN was used to register
    administrator_id: str | None = None  # the condominium administrator who holds it


@dataclass(frozen=True)
class Account:
    account_id: str
    username: str
    email: str
    full_name: str
    fiscal_code: str  # "" for staff (operators, administrators): no fiscal identity of their own
    password_hash: str
    registered_at: datetime
    role: Role = "customer"
    customer_codes: tuple[str, ...] = field(default=())
    # An operator's permissions (`accounts.read`...), in force only with TOTP on.
    permissions: tuple[str, ...] = field(default=())
    totp_enabled: bool = False
    # An address typed at registration is the account's (no other account may take it) but
    # used only once its link was followed; until then mail goes to the address the back-office
    # onboarded the customer with. Accounts from before verification count as verified.
    email_verified: bool = True
    onboarding_email: str | None = None
    phone: str | None = None  # the mobile number, once confirmed by its code
    # How and when customer service should contact the user (set directly, no check needed).
    preferred_channel: str = "email"
    preferred_times: tuple[str, ...] = ()

    @property
    def contact_email(self) -> str:
        """Where the account's mail goes: its own address once verified."""
        if self.email_verified or self.onboarding_email is None:
            return self.email
        return self.onboarding_email

    @property
    def unverified_email(self) -> str | None:
        return None if self.email_verified else self.email


def joins_account(customer: Customer, account: Account) -> bool:
    """A registrable customer code of a registered fiscal identity joins its account, once,
    unless an administrator holds it (a condominium is acted on by one of the two)."""
    return (
        customer.account_id is None
        and customer.administrator_id is None
        and customer.customer_code not in account.customer_codes
    )


def check_pin_unused(customers: list[Customer]) -> None:
    """A PIN registers one account, once; registering again needs the account deleted first.

    An administrator adding a condominium used its PIN too: while held, it registers nothing.
    """
    if any(c.account_id is not None or c.administrator_id is not None for c in customers):
        raise PinAlreadyUsed()


def check_channel_reachable(account: Account, channel: str) -> None:
    """Texts and calls need a mobile number the user confirmed."""
    if channel in ("sms", "phone") and account.phone is None:
        raise PhoneRequired()
