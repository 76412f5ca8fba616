"""What identity's use cases need from outside, as Protocols: bootstrap wires the real ones."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sportello_contracts.envelope import EventPayload
from sportello_identity.domain.accounts import Account, Customer, CustomerDetails
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.administrators import AdministratorCode
from sportello_identity.domain.attempts import Attempts, GuessLimits
from sportello_identity.domain.second_factor import LoginChallenge, TotpState
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

    async def spend_session(self, key: str) -> SessionRecord | None:
        """Mark a refresh token spent; returns it as it was before, or None if unknown."""

    async def revoke_family(self, family: str) -> None: ...

    async def revoke_sessions_of(
        self, account_id: str, *, keep: str | None, session: DbSession
    ) -> None:
        """End every session (family) of the account except `keep`."""

    async def insert_activity(self, entry: Activity, session: DbSession) -> None: ...

    async def activity_of(
        self, account_id: str, before: tuple[datetime, str] | None, limit: int
    ) -> list[Activity]:
        """The account's entries newest first, older than `before` (a time and an id)."""

    async def totp_of(self, account_id: str, session: DbSession = None) -> TotpState | None: ...

    async def set_pending_totp(self, account_id: str, secret: str, session: DbSession) -> None: ...

    async def enable_totp(
        self,
        account_id: str,
        secret: str,
        step: int,
        recovery_digests: list[str],
        session: DbSession,
    ) -> bool:
        """The pending `secret` becomes the account's (`totp_enabled`), its first step spent;
        False if it is no longer the pending one."""

    async def spend_totp_step(self, account_id: str, step: int, session: DbSession = None) -> bool:
        """Atomically: False if `step` or a later one was accepted already (a replay)."""

    async def spend_recovery_code(
        self, account_id: str, digest: str, session: DbSession = None
    ) -> bool:
        """Atomically: False if the code is unknown or spent."""

    async def replace_recovery_codes(
        self, account_id: str, recovery_digests: list[str], session: DbSession
    ) -> None: ...

    async def disable_totp(self, account_id: str, session: DbSession) -> None: ...

    async def insert_challenge(self, challenge: LoginChallenge) -> None: ...

    async def challenge(self, key: str, now: datetime) -> LoginChallenge | None:
        """The challenge while it is live, else None."""

    async def spend_challenge(self, key: str) -> bool:
        """True for the one caller that takes it."""

    async def insert_administrator_code(
        self, code: AdministratorCode, session: DbSession
    ) -> None: ...

    async def administrator_code(
        self, key: str, session: DbSession
    ) -> AdministratorCode | None: ...

    async def use_administrator_code(self, key: str, account_id: str, session: DbSession) -> bool:
        """Single use: True for the one registration that takes it."""

    async def hold_condominium(
        self, customer_code: str, administrator_id: str, session: DbSession
    ) -> bool:
        """True if the administrator took it (no account and no administrator had it)."""

    async def release_condominium(
        self, customer_code: str, administrator_id: str, session: DbSession
    ) -> None: ...

    async def remove_customer_code(
        self, account_id: str, customer_code: str, session: DbSession
    ) -> None: ...


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
    # Second factors: how long the password step's challenge waits for a code, and the name
    # authenticator apps show beside the account.
    challenge_ttl: timedelta = timedelta(minutes=5)
    totp_issuer: str = "Sportello"
    # How long an administrator code may be used after it was issued.
    administrator_code_ttl: timedelta = timedelta(days=14)
