"""What identity's use cases need from outside, as Protocols: bootstrap wires the real ones."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sportello_contracts.envelope import EventPayload
from sportello_identity.domain.accounts import Account, Customer, CustomerDetails
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.attempts import Attempts, GuessLimits
from sportello_identity.domain.sessions import SessionLine, SessionRecord

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

    async def set_password_hash(self, account_id: str, password_hash: str) -> None: ...

    async def reserve_attempt(self, subject: str, kept: timedelta, now: datetime) -> Attempts:
        """Count one more guess for `subject` (atomically) and read the count back."""

    async def release_attempt(self, subject: str) -> None:
        """Take back a counted guess that was not checked, or was right."""

    async def record_failure(self, subject: str, kept: timedelta, now: datetime) -> None: ...

    async def forget_attempts(self, subject: str) -> None: ...

    async def count_failure(self, subject: str, kept: timedelta, now: datetime) -> int:
        """One more failure under a subject that only counts; the new count."""

    async def insert_session(self, record: SessionRecord, session: DbSession = None) -> None: ...

    async def spend_session(self, key: str, now: datetime) -> SessionRecord | None:
        """Mark a refresh token spent (atomically, keeping when it first was); returns it as
        it was before, or None if unknown."""

    async def insert_activity(self, entry: Activity, session: DbSession) -> None: ...

    async def insert_line(self, line: SessionLine, session: DbSession = None) -> None: ...

    async def line(self, session_id: str, session: DbSession = None) -> SessionLine | None: ...

    async def touch_line(
        self,
        session_id: str,
        now: datetime,
        *,
        client_address: str | None,
        user_agent: str | None,
        session: DbSession = None,
    ) -> bool:
        """A refresh of a live line: its last use, from where; False if it ended."""

    async def lines_of(self, account_id: str, now: datetime) -> list[SessionLine]:
        """The account's live sessions, the most recently used first."""

    async def end_lines(
        self,
        account_id: str,
        now: datetime,
        forget_at: datetime,
        *,
        only: str | None = None,
        keep: str | None = None,
        session: DbSession = None,
    ) -> list[str]:
        """End the account's live sessions (`only` that one, or all but `keep`); their ids."""

    async def ended_lines_of(self, account_id: str, since: datetime) -> list[str]:
        """The account's sessions ended after `since`."""


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

    async def access_token(self, account_id: str, role: str, session_id: str) -> str: ...

    async def public_keys(self) -> list[dict[str, str]]:
        """The public keys (JWKs) whose tokens may be alive, and the next one to sign."""

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
    # No refresh extends a session beyond this from its log-in.
    session_lifetime: timedelta = timedelta(days=30)
    # A refresh token presented again this soon after it was traded still gets a pair.
    refresh_grace: timedelta = timedelta(seconds=10)
