"""What identity's use cases need from outside, as Protocols: bootstrap wires the real ones."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sportello_contracts.envelope import EventPayload
from sportello_identity.domain.accounts import Account, Customer, CustomerDetails
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.administrators import AdministratorCode
from sportello_identity.domain.attempts import Attempts, GuessLimits
from sportello_identity.domain.challenges import Challenge, Purpose, RecoveryRules
from sportello_identity.domain.deletion import Deletion
from sportello_identity.domain.passkeys import (
    Assertion,
    Credential,
    NewCredential,
    Options,
    Passkey,
)
from sportello_identity.domain.passkeys import Challenge as PasskeyChallenge
from sportello_identity.domain.second_factor import LoginChallenge, TotpState
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

    async def insert_login_challenge(self, challenge: LoginChallenge) -> None: ...

    async def login_challenge(self, key: str, now: datetime) -> LoginChallenge | None:
        """The challenge while it is live, else None."""

    async def spend_login_challenge(self, key: str) -> bool:
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
    # Second factors: how long the password step's challenge waits for a code, and the name
    # authenticator apps show beside the account.
    challenge_ttl: timedelta = timedelta(minutes=5)
    totp_issuer: str = "Sportello"
    # How long an administrator code may be used after it was issued.
    administrator_code_ttl: timedelta = timedelta(days=14)
    recovery: RecoveryRules = field(default_factory=RecoveryRules)


# Passkeys (issue 16, item 10)


class PasskeyStore(Protocol):
    """Passkeys and the WebAuthn challenges still open."""

    async def insert_challenge(self, challenge: PasskeyChallenge) -> None: ...

    async def take_challenge(self, key: str) -> PasskeyChallenge | None:
        """The challenge, removed as it is read (atomically): a second taker gets None."""

    async def insert_passkey(self, passkey: Passkey, session: DbSession) -> None:
        """Raises `PasskeyTaken` when the credential is registered already."""

    async def passkeys_of(self, account_id: str) -> list[Passkey]: ...

    async def passkey_by_credential(self, credential_id: str) -> Passkey | None: ...

    async def delete_passkey(self, account_id: str, passkey_id: str, session: DbSession) -> bool:
        """True if the account had it."""

    async def record_use(
        self, passkey: Passkey, sign_count: int, at: datetime, session: DbSession
    ) -> bool:
        """Store the new signature count unless another sign-in changed it first; True if so."""


class RelyingParty(Protocol):
    """The WebAuthn ceremonies (`adapters/relying_party.py`)."""

    def registration_options(self, account: Account, registered: Sequence[str]) -> Options: ...

    def authentication_options(self) -> Options: ...

    def challenge_key(self, challenge: bytes) -> str:
        """What is stored of a challenge (a digest)."""

    def challenge_of(self, credential: Credential) -> bytes: ...

    def verify_registration(self, credential: Credential, challenge: bytes) -> NewCredential: ...

    def assertion(self, credential: Credential) -> Assertion: ...

    def verify_authentication(
        self, credential: Credential, challenge: bytes, public_key: bytes
    ) -> int: ...


@dataclass(frozen=True)
class PasskeyDependencies:
    passkeys: PasskeyStore
    relying_party: RelyingParty
    challenge_ttl: timedelta
    # Sign-ins begun per client address and minute: each stores a challenge, anonymously.
    sign_ins_per_minute: int = 60


# Account deletion (issue 16, item 8)


class DeletionStore(Protocol):
    async def insert(self, deletion: Deletion, session: DbSession) -> None: ...

    async def get(self, deletion_id: str, session: DbSession = None) -> Deletion | None: ...

    async def mark_deleted(self, deletion_id: str, at: datetime, session: DbSession) -> None: ...

    async def record_confirmation(
        self, deletion_id: str, service: str, at: datetime, session: DbSession
    ) -> Deletion | None:
        """The deletion with the service's confirmation; None if no such deletion."""

    async def mark_completed(self, deletion_id: str, at: datetime, session: DbSession) -> None: ...

    async def erase_account(self, account: Account, session: DbSession) -> None:
        """The account, its passkeys and its trail's personal details gone; its customer codes
        free to register again."""


@dataclass(frozen=True)
class DeletionDependencies:
    deletions: DeletionStore
    passkeys: PasskeyDependencies  # a passkey's answer proves the user too
    confirm_within: timedelta
    expected_services: tuple[str, ...]  # whose confirmations complete a deletion
