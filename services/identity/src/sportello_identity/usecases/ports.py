"""What identity's use cases need from outside, as Protocols: bootstrap wires the real ones."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sportello_contracts.envelope import EventPayload
from sportello_identity.domain.accounts import Account, Customer, CustomerDetails
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.attempts import Attempts, GuessLimits
from sportello_identity.domain.challenges import Challenge, Purpose, RecoveryRules
from sportello_identity.domain.sessions import SessionRecord

# The database session writes join: opaque to the use cases, they only pass it on to the store.
DbSession = Any
T = TypeVar("T")


class Transaction(Protocol):
    """The kit's transaction as the use cases see it: where writes go, and the outbox."""

    @property
    def session(self) -> DbSession: ...

    async def emit(self, payload: EventPayload) -> object: ...


class Transactions(Protocol):
    """Transactions for the use cases that are not commands (a log-in writes and announces)."""

    async def transaction(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run `work` in one transaction; retried whole on transient errors."""


class IdentityStore(Protocol):
    """Customers, accounts, sessions and guesses, as domain objects."""

    async def touch_identity(self, fiscal_code: str, session: DbSession) -> None:
        """Write the fiscal identity's own document: overlapping transactions that do conflict."""

    async def customers_of(self, fiscal_code: str, session: DbSession = None) -> list[Customer]:
        """The fiscal identity's registrable customer codes (details and PIN both known)."""

    async def customer(self, customer_code: str, session: DbSession = None) -> Customer | None:
        """The customer code if registrable, else None."""

    async def save_customer_details(self, details: CustomerDetails, session: DbSession) -> None: ...

    async def save_pin_hash(
        self, customer_code: str, fiscal_code: str, pin_hash: str, session: DbSession
    ) -> None: ...

    async def mark_registered(
        self, customer_codes: list[str], account_id: str, session: DbSession
    ) -> None: ...

    async def insert_account(self, account: Account, session: DbSession) -> None:
        """Raises `UsernameTaken`, `EmailTaken` or `AlreadyRegistered` on a clash."""

    async def account(self, account_id: str) -> Account | None: ...

    async def account_by_username(self, username: str) -> Account | None: ...

    async def account_of(self, fiscal_code: str, session: DbSession = None) -> Account | None: ...

    async def add_customer_code(
        self, account_id: str, customer_code: str, session: DbSession
    ) -> None: ...

    async def set_password_hash(
        self, account_id: str, password_hash: str, session: DbSession = None
    ) -> None: ...

    async def reserve_attempt(self, subject: str, kept: timedelta, now: datetime) -> Attempts:
        """Count one more guess for `subject` (atomically) and read the count back."""

    async def release_attempt(self, subject: str) -> None:
        """Take back a counted guess that was not checked, or was right."""

    async def record_failure(self, subject: str, kept: timedelta, now: datetime) -> None: ...

    async def forget_attempts(self, subject: str) -> None: ...

    async def count_failure(self, subject: str, kept: timedelta, now: datetime) -> int:
        """One more failure under a subject that only counts; the new count."""

    async def insert_session(self, record: SessionRecord, session: DbSession = None) -> None: ...

    async def spend_session(self, key: str) -> SessionRecord | None:
        """Mark a refresh token spent; returns it as it was before, or None if unknown."""

    async def revoke_family(self, family: str) -> None: ...

    async def revoke_sessions_of(
        self, account_id: str, *, keep: str | None, session: DbSession
    ) -> None:
        """End every session (family) of the account except `keep`."""

    async def insert_activity(self, entry: Activity, session: DbSession) -> None: ...

    async def accounts_reachable_at(self, email: str, session: DbSession = None) -> list[Account]:
        """The accounts whose mail goes to `email` (lower case): their own verified address, or
        the back-office's while theirs is not (which two fiscal identities may share)."""

    async def pending_challenge(self, account_id: str, purpose: Purpose) -> Challenge | None:
        """The account's latest challenge of `purpose`, if any."""

    async def confirm_email(self, account_id: str, email: str, session: DbSession) -> None:
        """Make `email` the account's verified address; raises `EmailTaken` on a clash."""

    async def set_phone(self, account_id: str, phone: str, session: DbSession) -> None: ...

    async def set_contact_preferences(
        self, account_id: str, channel: str, times: tuple[str, ...], session: DbSession
    ) -> None: ...

    async def issue_challenge(self, challenge: Challenge, session: DbSession) -> None:
        """Keep `challenge`, voiding every earlier one of the account for the same purpose."""

    async def challenge(self, key: str) -> Challenge | None: ...

    async def spend_challenge(self, key: str, now: datetime, session: DbSession) -> bool:
        """Remove the challenge if it is still usable; False if it was not (spent, expired)."""


class SecretHasher(Protocol):
    """Slow hashes of passwords and PINs; each call may raise `HashingBusy`."""

    async def hash(self, secret: str) -> str: ...

    async def verify(self, hashed: str | None, secret: str) -> bool:
        """False for `hashed=None`, after as long as a real check (usernames stay secret)."""

    def needs_rehash(self, hashed: str) -> bool: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class TokenIssuer(Protocol):
    @property
    def access_ttl(self) -> timedelta: ...

    def access_token(self, account_id: str, role: str) -> str: ...

    def new_refresh_token(self) -> str: ...

    def refresh_token_key(self, token: str) -> str:
        """What is stored of a refresh token."""


@dataclass(frozen=True)
class Dependencies:
    store: IdentityStore
    hasher: SecretHasher
    clock: Clock
    tokens: TokenIssuer
    refresh_ttl: timedelta
    limits: GuessLimits
    transactions: Transactions
    recovery: RecoveryRules = field(default_factory=RecoveryRules)
