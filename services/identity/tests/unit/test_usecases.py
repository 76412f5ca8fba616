"""Identity's use cases against in-memory fakes of their ports: the rules, without any I/O."""

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from typing import Any, TypeVar

import bcrypt
import pyotp
import pytest

from e2e.authenticator import SoftwareAuthenticator
from sportello_contracts.account_deletion import (
    AccountDataErased,
    AccountDeleted,
    BillingAccountDataErased,
    ConfirmAccountDeletionRequest,
    NotificationsAccountDataErased,
    RequestAccountDeletionRequest,
)
from sportello_contracts.administrators import (
    AddCondominiumRequest,
    AdministratorCodeIssued,
    IssueAdministratorCodeRequest,
    RegisterAdministratorRequest,
    RemoveCondominiumRequest,
)
from sportello_contracts.contacts import (
    ChangeEmailRequest,
    ChangePhoneRequest,
    ConfirmEmailRequest,
    ConfirmPhoneRequest,
    EmailChanged,
    EmailConfirmationIssued,
    PhoneChanged,
    PhoneCodeIssued,
)
from sportello_contracts.credentials import (
    AccountRecoveryAsked,
    ChangePasswordRequest,
    PasswordChanged,
    PasswordResetIssued,
    RecoverAccountRequest,
    ResetPasswordRequest,
)
from sportello_contracts.envelope import EventPayload
from sportello_contracts.identity import (
    AccountActivity,
    AccountRegistered,
    EndAllSessionsRequest,
    EndMySessionRequest,
    EndSessionRequest,
    FinishPasskeyRegistrationRequest,
    FinishPasskeySignInRequest,
    ImportLegacyAccountRequest,
    LogInRequest,
    RefreshSessionRequest,
    RegisterAccountRequest,
    ScopeChanged,
    SessionsEnded,
)
from sportello_contracts.operators import CreateOperatorRequest
from sportello_contracts.personal_data import (
    PersonalDataChangeRequested,
    RequestPersonalDataChange,
    Residence,
    UpdateContactPreferencesRequest,
)
from sportello_contracts.recipients import AccountContactSet
from sportello_contracts.rpc import Caller
from sportello_contracts.second_factor import CompleteLogInRequest
from sportello_contracts.trail import CustomerActivityRequest, MyActivityRequest
from sportello_deploy.backoffice import NewCustomer
from sportello_deploy.testing import random_customer, random_fiscal_code, random_vat_number
from sportello_identity.adapters.hashing import Argon2Hasher, Argon2Parameters, HashingPool
from sportello_identity.adapters.relying_party import WebAuthnRelyingParty
from sportello_identity.domain import errors
from sportello_identity.domain.accounts import Account, Customer, CustomerDetails
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.administrators import AdministratorCode
from sportello_identity.domain.attempts import (
    Attempts,
    GuessLimit,
    GuessLimits,
    fiscal_code_subject,
)
from sportello_identity.domain.challenges import Challenge, Purpose, link_token_key
from sportello_identity.domain.deletion import Deletion
from sportello_identity.domain.passkeys import Challenge as PasskeyChallenge
from sportello_identity.domain.passkeys import Passkey
from sportello_identity.domain.second_factor import LoginChallenge, TotpState
from sportello_identity.domain.sessions import SessionLine, SessionRecord
from sportello_identity.usecases import (
    account_deletion,
    activity,
    administrators,
    email_address,
    guesses,
    legacy_accounts,
    my_sessions,
    onboarding,
    operators,
    passkeys,
    passwords,
    personal_data,
    phone,
    profile,
    recovery,
    registration,
    second_factor,
    sessions,
    trail,
)
from sportello_identity.usecases.ports import (
    DeletionDependencies,
    Dependencies,
    PasskeyDependencies,
)

T = TypeVar("T")

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PASSWORD = "Girasole-di-Marzo-26"
SECOND = timedelta(seconds=1)

# Small numbers, so the tests reach every step quickly; the same shape as the settings'.
LIMITS = GuessLimits(
    per_username=GuessLimit(free_failures=3, lock_failures=6, lock_for=timedelta(minutes=15)),
    per_fiscal_code=GuessLimit(free_failures=3, lock_failures=5, lock_for=timedelta(minutes=30)),
    per_address=GuessLimit(free_failures=4, lock_failures=5, lock_for=timedelta(minutes=15)),
    failure_alert_per_minute=10,
)


# Fakes of the ports


@dataclass
class StoredCustomer:
    """A customer document: each half of onboarding fills its own fields."""

    fiscal_code: str
    details: CustomerDetails | None = None
    pin_hash: str | None = None
    account_id: str | None = None
    administrator_id: str | None = None

    def registrable(self) -> Customer | None:
        if self.details is None or self.pin_hash is None:
            return None
        d = self.details
        return Customer(
            d.customer_code,
            self.fiscal_code,
            d.full_name,
            d.email,
            self.pin_hash,
            self.account_id,
            self.administrator_id,
        )


@dataclass
class StoredAttempts:
    failures: int
    last_failure_at: datetime | None
    expires_at: datetime


class FakeStore:
    def __init__(self) -> None:
        self.customers: dict[str, StoredCustomer] = {}
        self.accounts: dict[str, Account] = {}
        self.sessions: dict[str, SessionRecord] = {}
        self.identity_versions: dict[str, int] = {}
        self.attempts: dict[str, StoredAttempts] = {}
        self.activity: list[Activity] = []
        self.lines: dict[str, SessionLine] = {}
        self.totp: dict[str, TotpState] = {}
        self.login_challenges: dict[str, LoginChallenge] = {}
        self.administrator_codes: dict[str, AdministratorCode] = {}
        self.challenges: dict[str, Challenge] = {}

    async def touch_identity(self, fiscal_code: str, session: Any) -> None:
        self.identity_versions[fiscal_code] = self.identity_versions.get(fiscal_code, 0) + 1

    async def customers_of(self, fiscal_code: str, session: Any = None) -> list[Customer]:
        found = (c.registrable() for c in self.customers.values() if c.fiscal_code == fiscal_code)
        return [c for c in found if c is not None]

    async def customer(self, customer_code: str, session: Any = None) -> Customer | None:
        stored = self.customers.get(customer_code)
        return stored.registrable() if stored else None

    async def save_customer_details(self, details: CustomerDetails, session: Any) -> None:
        stored = self.customers.setdefault(
            details.customer_code, StoredCustomer(details.fiscal_code)
        )
        stored.fiscal_code, stored.details = details.fiscal_code, details

    async def save_pin_hash(
        self, customer_code: str, fiscal_code: str, pin_hash: str, session: Any
    ) -> None:
        stored = self.customers.setdefault(customer_code, StoredCustomer(fiscal_code))
        stored.fiscal_code, stored.pin_hash = fiscal_code, pin_hash

    async def mark_registered(
        self, customer_codes: list[str], account_id: str, session: Any
    ) -> None:
        for code in customer_codes:
            self.customers[code].account_id = account_id

    async def insert_account(self, account: Account, session: Any) -> None:
        for other in self.accounts.values():
            if other.username == account.username:
                raise errors.UsernameTaken()
            if other.email == account.email:
                raise errors.EmailTaken()
            if account.fiscal_code and other.fiscal_code == account.fiscal_code:
                raise errors.AlreadyRegistered()
        self.accounts[account.account_id] = account

    async def account(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    async def account_by_username(self, username: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.username == username), None)

    async def account_of(self, fiscal_code: str, session: Any = None) -> Account | None:
        return next((a for a in self.accounts.values() if a.fiscal_code == fiscal_code), None)

    async def add_customer_code(self, account_id: str, customer_code: str, session: Any) -> None:
        account = self.accounts[account_id]
        codes = (*account.customer_codes, customer_code)
        self.accounts[account_id] = replace(account, customer_codes=codes)

    async def set_password_hash(
        self, account_id: str, password_hash: str, session: Any = None
    ) -> None:
        account = self.accounts[account_id]
        self.accounts[account_id] = replace(account, password_hash=password_hash)

    async def reserve_attempt(self, subject: str, kept: timedelta, now: datetime) -> Attempts:
        stored = self.attempts.get(subject)
        if stored is None or stored.expires_at <= now:
            stored = self.attempts[subject] = StoredAttempts(0, None, now + kept)
        stored.failures += 1
        return Attempts(stored.failures, stored.last_failure_at)

    async def release_attempt(self, subject: str) -> None:
        stored = self.attempts.get(subject)
        if stored is not None and stored.failures > 0:
            stored.failures -= 1

    async def record_failure(self, subject: str, kept: timedelta, now: datetime) -> None:
        stored = self.attempts[subject]
        stored.last_failure_at = max(stored.last_failure_at or now, now)
        stored.expires_at = max(stored.expires_at, now + kept)

    async def forget_attempts(self, subject: str) -> None:
        self.attempts.pop(subject, None)

    async def count_failure(self, subject: str, kept: timedelta, now: datetime) -> int:
        stored = self.attempts.setdefault(subject, StoredAttempts(0, None, now + kept))
        stored.failures += 1
        return stored.failures

    def failures_of(self, subject: str) -> int:
        stored = self.attempts.get(subject)
        return stored.failures if stored is not None else 0

    async def insert_session(self, record: SessionRecord, session: object = None) -> None:
        self.sessions[record.key] = record

    async def spend_session(self, key: str, now: datetime) -> SessionRecord | None:
        record = self.sessions.get(key)
        if record is not None:
            self.sessions[key] = replace(record, spent=True, spent_at=record.spent_at or now)
        return record

    async def insert_activity(self, entry: Activity, session: object) -> None:
        self.activity.append(entry)

    async def insert_line(self, line: SessionLine, session: object = None) -> None:
        self.lines[line.session_id] = line

    async def line(self, session_id: str, session: object = None) -> SessionLine | None:
        return self.lines.get(session_id)

    async def touch_line(
        self,
        session_id: str,
        now: datetime,
        *,
        client_address: str | None,
        user_agent: str | None,
        session: object = None,
    ) -> bool:
        line = self.lines[session_id]
        if line.ended_at is not None:
            return False
        self.lines[session_id] = replace(
            line,
            last_used_at=now,
            client_address=client_address or line.client_address,
            user_agent=user_agent or line.user_agent,
        )
        return True

    async def lines_of(self, account_id: str, now: datetime) -> list[SessionLine]:
        mine = [x for x in self.lines.values() if x.account_id == account_id and x.live(now)]
        return sorted(mine, key=lambda x: x.last_used_at, reverse=True)

    async def end_lines(
        self,
        account_id: str,
        now: datetime,
        forget_at: datetime,
        *,
        only: str | None = None,
        keep: str | None = None,
        session: object = None,
    ) -> list[str]:
        ended = [
            x.session_id
            for x in self.lines.values()
            if x.account_id == account_id
            and x.ended_at is None
            and (only is None or x.session_id == only)
            and x.session_id != keep
        ]
        for session_id in ended:
            self.lines[session_id] = replace(self.lines[session_id], ended_at=now)
        self.sessions = {k: s for k, s in self.sessions.items() if s.family not in ended}
        return ended

    async def ended_lines_of(self, account_id: str, since: datetime) -> list[str]:
        return [
            x.session_id
            for x in self.lines.values()
            if x.account_id == account_id and x.ended_at is not None and x.ended_at > since
        ]

    async def activity_of(
        self, account_id: str, before: tuple[datetime, str] | None, limit: int
    ) -> list[Activity]:
        mine = sorted(
            (e for e in self.activity if e.account_id == account_id),
            key=lambda e: (e.at, e.activity_id),
            reverse=True,
        )
        older = [e for e in mine if before is None or (e.at, e.activity_id) < before]
        return older[:limit]

    async def totp_of(self, account_id: str, session: object = None) -> TotpState | None:
        return self.totp.get(account_id)

    async def set_pending_totp(self, account_id: str, secret: str, session: object) -> None:
        known = self.totp.get(account_id, TotpState(account_id))
        self.totp[account_id] = replace(known, pending_secret=secret)

    async def enable_totp(
        self,
        account_id: str,
        secret: str,
        step: int,
        recovery_digests: list[str],
        session: object,
    ) -> bool:
        known = self.totp.get(account_id)
        if known is None or known.pending_secret != secret:
            return False
        self.totp[account_id] = TotpState(account_id, secret, None, step, tuple(recovery_digests))
        self.accounts[account_id] = replace(self.accounts[account_id], totp_enabled=True)
        return True

    async def spend_totp_step(self, account_id: str, step: int, session: object = None) -> bool:
        known = self.totp.get(account_id)
        if known is None or known.secret is None or known.last_step >= step:
            return False
        self.totp[account_id] = replace(known, last_step=step)
        return True

    async def spend_recovery_code(
        self, account_id: str, digest: str, session: object = None
    ) -> bool:
        known = self.totp.get(account_id)
        if known is None or digest not in known.recovery_digests:
            return False
        left = tuple(d for d in known.recovery_digests if d != digest)
        self.totp[account_id] = replace(known, recovery_digests=left)
        return True

    async def replace_recovery_codes(
        self, account_id: str, recovery_digests: list[str], session: object
    ) -> None:
        self.totp[account_id] = replace(
            self.totp[account_id], recovery_digests=tuple(recovery_digests)
        )

    async def disable_totp(self, account_id: str, session: object) -> None:
        self.totp.pop(account_id, None)
        self.accounts[account_id] = replace(self.accounts[account_id], totp_enabled=False)

    async def insert_login_challenge(self, challenge: LoginChallenge) -> None:
        self.login_challenges[challenge.key] = challenge

    async def login_challenge(self, key: str, now: datetime) -> LoginChallenge | None:
        found = self.login_challenges.get(key)
        return found if found is not None and found.expires_at > now else None

    async def spend_login_challenge(self, key: str) -> bool:
        return self.login_challenges.pop(key, None) is not None

    async def insert_administrator_code(self, code: AdministratorCode, session: object) -> None:
        self.administrator_codes[code.key] = code

    async def administrator_code(self, key: str, session: object) -> AdministratorCode | None:
        return self.administrator_codes.get(key)

    async def use_administrator_code(self, key: str, account_id: str, session: object) -> bool:
        code = self.administrator_codes.get(key)
        if code is None or code.used_by is not None:
            return False
        self.administrator_codes[key] = replace(code, used_by=account_id)
        return True

    async def hold_condominium(
        self, customer_code: str, administrator_id: str, session: object
    ) -> bool:
        stored = self.customers[customer_code]
        if stored.account_id is not None or stored.administrator_id is not None:
            return False
        stored.administrator_id = administrator_id
        return True

    async def release_condominium(
        self, customer_code: str, administrator_id: str, session: object
    ) -> None:
        stored = self.customers[customer_code]
        if stored.administrator_id == administrator_id:
            stored.administrator_id = None

    async def remove_customer_code(
        self, account_id: str, customer_code: str, session: object
    ) -> None:
        account = self.accounts[account_id]
        codes = tuple(c for c in account.customer_codes if c != customer_code)
        self.accounts[account_id] = replace(account, customer_codes=codes)

    async def accounts_reachable_at(self, email: str, session: Any = None) -> list[Account]:
        return [a for a in self.accounts.values() if a.contact_email == email]

    async def pending_challenge(self, account_id: str, purpose: Purpose) -> Challenge | None:
        mine = (
            c
            for c in self.challenges.values()
            if (c.account_id, c.purpose) == (account_id, purpose)
        )
        return next(mine, None)

    async def confirm_email(self, account_id: str, email: str, session: Any) -> None:
        if any(a.email == email for a in self.accounts.values() if a.account_id != account_id):
            raise errors.EmailTaken()
        account = self.accounts[account_id]
        self.accounts[account_id] = replace(account, email=email, email_verified=True)

    async def issue_challenge(self, challenge: Challenge, session: Any) -> None:
        self.challenges = {
            k: c
            for k, c in self.challenges.items()
            if (c.account_id, c.purpose) != (challenge.account_id, challenge.purpose)
        }
        self.challenges[challenge.key] = challenge

    async def challenge(self, key: str) -> Challenge | None:
        return self.challenges.get(key)

    async def set_contact_preferences(
        self, account_id: str, channel: str, times: tuple[str, ...], session: Any
    ) -> None:
        account = self.accounts[account_id]
        self.accounts[account_id] = replace(
            account, preferred_channel=channel, preferred_times=times
        )

    async def set_phone(self, account_id: str, phone: str, session: Any) -> None:
        self.accounts[account_id] = replace(self.accounts[account_id], phone=phone)

    async def spend_challenge(self, key: str, now: datetime, session: Any) -> bool:
        challenge = self.challenges.get(key)
        if challenge is None or not challenge.usable(now):
            return False
        del self.challenges[key]
        return True


class FakeHasher:
    """`<scheme>:<secret>`: cheap, and visibly not the secret."""

    def __init__(self) -> None:
        self.scheme = "h"
        self.verified: list[str | None] = []
        self.hashed: list[str] = []
        self.busy = False

    async def hash(self, secret: str) -> str:
        self._maybe_busy()
        self.hashed.append(secret)
        return f"{self.scheme}:{secret}"

    async def verify(self, hashed: str | None, secret: str) -> bool:
        self._maybe_busy()
        self.verified.append(hashed)
        return hashed is not None and hashed.split(":", 1)[1] == secret

    def needs_rehash(self, hashed: str) -> bool:
        return not hashed.startswith(f"{self.scheme}:")

    def _maybe_busy(self) -> None:
        if self.busy:
            raise errors.HashingBusy(retry_after=2)


@dataclass
class FakeClock:
    at: datetime = NOW

    def now(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by


class FakeTokens:
    access_ttl = timedelta(minutes=15)

    def __init__(self) -> None:
        self.issued = 0
        self.sessions_signed: list[str] = []  # the `sid` of every access token

    async def access_token(self, account_id: str, role: str, session_id: str) -> str:
        self.sessions_signed.append(session_id)
        return f"access:{account_id}:{role}"

    async def public_keys(self) -> list[dict[str, str]]:
        return []

    def new_refresh_token(self) -> str:
        self.issued += 1
        return f"rt_{self.issued}"

    def refresh_token_key(self, token: str) -> str:
        return f"digest:{token}"


@dataclass
class FakeTransaction:
    session: None = None
    emitted: list[EventPayload] = field(default_factory=list)

    async def emit(self, payload: EventPayload) -> object:
        self.emitted.append(payload)
        return payload


@dataclass
class FakeTransactions:
    """Each transaction's events, once its work returned (one that raised is rolled back)."""

    emitted: list[EventPayload] = field(default_factory=list)

    async def transaction(self, work: Callable[[FakeTransaction], Awaitable[T]]) -> T:
        tx = FakeTransaction()
        result = await work(tx)
        self.emitted.extend(tx.emitted)
        return result


@dataclass
class World:
    deps: Dependencies
    store: FakeStore
    hasher: FakeHasher
    clock: FakeClock
    transactions: FakeTransactions


@pytest.fixture
def world() -> World:
    store, hasher, clock, transactions = FakeStore(), FakeHasher(), FakeClock(), FakeTransactions()
    deps = Dependencies(
        store,
        hasher,
        clock,
        FakeTokens(),
        refresh_ttl=timedelta(days=30),
        limits=LIMITS,
        transactions=transactions,
    )
    return World(deps, store, hasher, clock, transactions)


# Helpers


async def onboarded(world: World, **overrides: str) -> NewCustomer:
    """A customer whose details and PIN both reached identity (details first, as usual)."""
    customer = random_customer(**overrides)
    await onboarding.record_onboarded_customer(world.deps, customer.onboarded, FakeTransaction())
    await onboarding.record_registration_pin(world.deps, customer.pin_issued, FakeTransaction())
    return customer


def registration_of(customer: NewCustomer, **overrides: Any) -> RegisterAccountRequest:
    values = {
        "fiscal_code": customer.fiscal_code,
        "registration_pin": customer.registration_pin,
        "username": f"user.{customer.customer_code.lower()}",
        "password": PASSWORD,
        **overrides,
    }
    return RegisterAccountRequest(**values)


async def registered(world: World, customer: NewCustomer, **overrides: Any) -> Account:
    request = registration_of(customer, **overrides)
    reply = await registration.register_account(world.deps, request, FakeTransaction())
    return world.store.accounts[reply.account_id]


# Registration


async def test_a_condominium_an_administrator_holds_is_not_registered_nor_joined(
    world: World,
) -> None:
    held = await onboarded(world)
    world.store.customers[held.customer_code].administrator_id = "adm-1"
    with pytest.raises(errors.PinAlreadyUsed):
        await registered(world, held)
    # Another code of the same fiscal identity registers, without the one held.
    other = await onboarded(world, fiscal_code=held.fiscal_code)
    account = await registered(world, other)
    assert account.customer_codes == (other.customer_code,)
    assert world.store.customers[held.customer_code].account_id is None


async def test_registering_stores_the_account_and_announces_it(world: World) -> None:
    customer = await onboarded(world, full_name="Anna Ferrari")
    tx = FakeTransaction()

    reply = await registration.register_account(world.deps, registration_of(customer), tx)

    account = world.store.accounts[reply.account_id]
    assert (account.full_name, account.email) == ("Anna Ferrari", customer.email)
    assert account.password_hash == f"h:{PASSWORD}"
    assert account.registered_at == NOW
    assert account.customer_codes == (customer.customer_code,)
    assert world.store.customers[customer.customer_code].account_id == account.account_id
    event, contact = tx.emitted
    assert isinstance(event, AccountRegistered)
    assert (event.account_id, event.username) == (account.account_id, account.username)
    # Where its mail goes, for notifications' directory of recipients.
    assert contact == AccountContactSet(
        account_id=account.account_id, email=account.email, full_name="Anna Ferrari", at=NOW
    )


async def test_the_account_holds_every_customer_code_of_the_fiscal_identity(world: World) -> None:
    first = await onboarded(world)
    second = await onboarded(world, fiscal_code=first.fiscal_code)

    account = await registered(world, second, email="altro@example.it")

    assert account.customer_codes == tuple(sorted((first.customer_code, second.customer_code)))
    assert account.email == "altro@example.it"


async def test_an_invalid_fiscal_code_is_refused(world: World) -> None:
    customer = await onboarded(world)
    request = registration_of(customer, fiscal_code="RSSMRA80A01H501A")
    with pytest.raises(errors.InvalidFiscalCode):
        await registration.register_account(world.deps, request, FakeTransaction())


async def test_a_weak_password_is_refused_with_its_problems(world: World) -> None:
    customer = await onboarded(world)
    request = registration_of(customer, password="soloparole")
    with pytest.raises(errors.WeakPassword) as weak:
        await registration.register_account(world.deps, request, FakeTransaction())
    assert weak.value.problems
    assert world.store.accounts == {}


async def test_a_wrong_pin_is_refused_and_counted(world: World) -> None:
    customer = await onboarded(world, registration_pin="11111111")
    tx = FakeTransaction()
    with pytest.raises(errors.WrongPin):
        await registration.register_account(
            world.deps, registration_of(customer, registration_pin="22222222"), tx
        )
    assert world.store.failures_of(f"fiscal_code:{customer.fiscal_code}") == 1
    assert (world.store.accounts, tx.emitted) == ({}, [])


async def test_a_fiscal_code_that_is_no_customer_costs_a_verification_too(world: World) -> None:
    stranger = random_customer(fiscal_code=random_fiscal_code())
    with pytest.raises(errors.WrongPin):
        await registration.register_account(
            world.deps, registration_of(stranger), FakeTransaction()
        )
    assert world.hasher.verified == [None]


async def wrong_pins(world: World, customer: NewCustomer, times: int) -> None:
    """`times` wrong PINs, each as soon as the delays allow."""
    wrong = registration_of(customer, registration_pin=other_pin(customer))
    for _ in range(times):
        with pytest.raises(errors.WrongPin):
            await registration.register_account(world.deps, wrong, FakeTransaction())
        world.clock.advance(timedelta(minutes=1))


def other_pin(customer: NewCustomer) -> str:
    return "11111111" if customer.registration_pin != "11111111" else "22222222"


async def test_after_the_free_wrong_pins_even_the_right_one_waits_then_works(
    world: World,
) -> None:
    customer = await onboarded(world)
    await wrong_pins(world, customer, LIMITS.per_fiscal_code.free_failures)
    world.clock.at -= timedelta(minutes=1)  # right after the last wrong PIN

    with pytest.raises(errors.TooManyPinAttempts) as waiting:
        await registered(world, customer)
    assert waiting.value.retry_after == 1  # the first delay

    world.clock.advance(SECOND)
    assert (await registered(world, customer)).customer_codes == (customer.customer_code,)


async def test_too_many_wrong_pins_lock_the_fiscal_code_even_for_the_right_one(
    world: World,
) -> None:
    customer = await onboarded(world)
    await wrong_pins(world, customer, LIMITS.per_fiscal_code.lock_failures)

    with pytest.raises(errors.TooManyPinAttempts) as locked:
        await registered(world, customer)
    assert locked.value.retry_after == 29 * 60  # 30 minutes after the last wrong PIN

    world.clock.advance(timedelta(minutes=29))
    assert (await registered(world, customer)).customer_codes == (customer.customer_code,)


async def test_a_pin_guess_that_must_wait_is_not_counted(world: World) -> None:
    customer = await onboarded(world)
    await wrong_pins(world, customer, LIMITS.per_fiscal_code.free_failures)
    world.clock.at -= timedelta(minutes=1)
    for _ in range(10):
        with pytest.raises(errors.TooManyPinAttempts):
            await registered(world, customer)
    subject = f"fiscal_code:{customer.fiscal_code}"
    assert world.store.failures_of(subject) == LIMITS.per_fiscal_code.free_failures


async def test_wrong_pins_for_many_fiscal_codes_from_one_address_stop_that_address(
    world: World,
) -> None:
    address = ip_address("203.0.113.9")
    answers = []
    for _ in range(LIMITS.per_address.lock_failures + 1):
        stranger = random_customer()
        request = registration_of(stranger).model_copy(update={"client_address": address})
        try:
            await registration.register_account(world.deps, request, FakeTransaction())
        except errors.IdentityError as refused:
            answers.append(type(refused).__name__)
        world.clock.advance(timedelta(minutes=1))
    assert answers[0] == "WrongPin"
    assert answers[-1] == "TooManyPinAttempts"


async def test_a_registration_whose_check_fails_takes_its_guess_back(world: World) -> None:
    # A write conflict, the database, a busy hasher: the kit retries or refuses; no PIN was
    # judged, so none is counted (a retried transaction counts its guess once).
    customer = await onboarded(world)
    world.hasher.busy = True
    with pytest.raises(errors.HashingBusy):
        await registered(world, customer)
    assert world.store.failures_of(f"fiscal_code:{customer.fiscal_code}") == 0


async def test_a_pin_registers_once(world: World) -> None:
    customer = await onboarded(world)
    await registered(world, customer)
    with pytest.raises(errors.PinAlreadyUsed):
        await registered(world, customer, username="someone.else")


@pytest.mark.parametrize(
    ("clash", "error"),
    [("username", errors.UsernameTaken), ("email", errors.EmailTaken)],
)
async def test_a_username_or_email_of_another_account_is_refused(
    world: World, clash: str, error: type[errors.IdentityError]
) -> None:
    first, second = await onboarded(world), await onboarded(world)
    account = await registered(world, first)
    taken = {"username": account.username} if clash == "username" else {"email": account.email}
    with pytest.raises(error):
        await registered(world, second, **taken)


# Onboarding: the details and the PIN arrive apart, in either order


async def test_details_alone_are_not_registrable(world: World) -> None:
    customer = random_customer(email="Mario.Rossi@Example.it")
    tx = FakeTransaction()
    await onboarding.record_onboarded_customer(world.deps, customer.onboarded, tx)

    stored = world.store.customers[customer.customer_code]
    assert stored.details is not None
    assert stored.details.email == "mario.rossi@example.it"
    assert stored.pin_hash is None
    assert await world.store.customers_of(customer.fiscal_code) == []
    assert tx.emitted == []
    with pytest.raises(errors.WrongPin):
        await registered(world, customer)


@pytest.mark.parametrize("pin_first", [False, True])
async def test_with_both_halves_in_either_order_the_customer_registers(
    world: World, pin_first: bool
) -> None:
    customer = random_customer()
    halves = [
        lambda: onboarding.record_onboarded_customer(
            world.deps, customer.onboarded, FakeTransaction()
        ),
        lambda: onboarding.record_registration_pin(
            world.deps, customer.pin_issued, FakeTransaction()
        ),
    ]
    for half in reversed(halves) if pin_first else halves:
        await half()

    [known] = await world.store.customers_of(customer.fiscal_code)
    assert known.pin_hash == f"h:{customer.registration_pin}"
    assert (await registered(world, customer)).customer_codes == (customer.customer_code,)


async def test_a_new_pin_replaces_an_unused_one(world: World) -> None:
    customer = await onboarded(world, registration_pin="11111111")
    letter = customer.model_copy(update={"registration_pin": "22222222"})
    await onboarding.record_registration_pin(world.deps, letter.pin_issued, FakeTransaction())

    with pytest.raises(errors.WrongPin):
        await registered(world, customer)
    assert (await registered(world, letter)).customer_codes == (customer.customer_code,)


async def test_a_new_pin_for_a_registered_customer_code_changes_nothing(world: World) -> None:
    customer = await onboarded(world, registration_pin="11111111")
    await registered(world, customer)
    hashed_before = list(world.hasher.hashed)
    letter = customer.model_copy(update={"registration_pin": "22222222"})

    await onboarding.record_registration_pin(world.deps, letter.pin_issued, FakeTransaction())

    assert world.store.customers[customer.customer_code].pin_hash == "h:11111111"
    assert world.hasher.hashed == hashed_before  # not even hashed


async def test_onboarding_again_updates_the_details_of_a_registered_customer(
    world: World,
) -> None:
    customer = await onboarded(world)
    account = await registered(world, customer)
    moved = customer.model_copy(update={"email": "nuova@example.it"})
    tx = FakeTransaction()

    await onboarding.record_onboarded_customer(world.deps, moved.onboarded, tx)

    known = await world.store.customer(customer.customer_code)
    assert known is not None
    assert (known.email, known.account_id) == ("nuova@example.it", account.account_id)
    assert tx.emitted == []


@pytest.mark.parametrize("pin_first", [False, True])
async def test_a_later_customer_code_joins_the_account_when_its_second_half_arrives(
    world: World, pin_first: bool
) -> None:
    first = await onboarded(world)
    account = await registered(world, first)
    later = random_customer(fiscal_code=first.fiscal_code)
    first_half, second_half = FakeTransaction(), FakeTransaction()
    if pin_first:
        await onboarding.record_registration_pin(world.deps, later.pin_issued, first_half)
        await onboarding.record_onboarded_customer(world.deps, later.onboarded, second_half)
    else:
        await onboarding.record_onboarded_customer(world.deps, later.onboarded, first_half)
        await onboarding.record_registration_pin(world.deps, later.pin_issued, second_half)

    codes = (first.customer_code, later.customer_code)
    assert first_half.emitted == []
    assert world.store.accounts[account.account_id].customer_codes == codes
    assert world.store.customers[later.customer_code].account_id == account.account_id
    assert second_half.emitted == [
        ScopeChanged(account_id=account.account_id, customer_codes=codes)
    ]

    again = FakeTransaction()
    await onboarding.record_onboarded_customer(world.deps, later.onboarded, again)
    assert again.emitted == []  # already in the account: nothing changes


async def test_every_half_of_onboarding_and_registration_write_the_fiscal_identity(
    world: World,
) -> None:
    customer = random_customer()
    await onboarding.record_onboarded_customer(world.deps, customer.onboarded, FakeTransaction())
    await onboarding.record_registration_pin(world.deps, customer.pin_issued, FakeTransaction())
    await registered(world, customer)
    assert world.store.identity_versions[customer.fiscal_code] == 3


async def test_a_customer_with_an_invalid_fiscal_code_is_refused(world: World) -> None:
    customer = random_customer(fiscal_code="RSSMRA80A01H501A")
    with pytest.raises(errors.InvalidFiscalCode):
        await onboarding.record_onboarded_customer(
            world.deps, customer.onboarded, FakeTransaction()
        )
    with pytest.raises(errors.InvalidFiscalCode):
        await onboarding.record_registration_pin(world.deps, customer.pin_issued, FakeTransaction())
    assert world.store.customers == {}
    assert world.hasher.hashed == []


async def test_a_busy_hasher_fails_a_pin_for_a_retry_and_keeps_nothing(world: World) -> None:
    customer = random_customer()
    world.hasher.busy = True
    with pytest.raises(errors.HashingBusy):
        await onboarding.record_registration_pin(world.deps, customer.pin_issued, FakeTransaction())
    assert world.store.customers == {}


# Log-in


async def test_logging_in_opens_a_session(world: World) -> None:
    account = await registered(world, await onboarded(world))
    reply = await sessions.log_in(
        world.deps, LogInRequest(username=account.username, password=PASSWORD)
    )
    assert reply.access_token == f"access:{account.account_id}:customer"
    assert reply.expires_in == 15 * 60
    (stored,) = world.store.sessions.values()
    assert stored.key == f"digest:{reply.refresh_token}"
    assert (stored.account_id, stored.expires_at, stored.spent) == (
        account.account_id,
        NOW + timedelta(days=30),
        False,
    )


async def test_a_log_in_and_a_wrong_password_land_in_the_trail_with_the_address(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    await sessions.log_in(world.deps, log_in_as(account.username, address="203.0.113.7"))
    with pytest.raises(errors.WrongCredentials):
        await sessions.log_in(
            world.deps, log_in_as(account.username, "Wrong-pass-99", "198.51.100.2")
        )
    with pytest.raises(errors.WrongCredentials):
        await sessions.log_in(world.deps, log_in_as("nobody", address="198.51.100.2"))
    trail = [(a.account_id, a.kind, a.client_address) for a in world.store.activity]
    assert world.store.activity[0].details == {"method": "password"}
    assert trail == [
        (account.account_id, "session.opened", "203.0.113.7"),
        (account.account_id, "login.failed", "198.51.100.2"),
    ]
    assert [e.kind for e in world.transactions.emitted] == ["session.opened", "login.failed"]  # type: ignore[attr-defined]


async def test_an_unknown_username_is_wrong_credentials_at_the_cost_of_a_check(
    world: World,
) -> None:
    with pytest.raises(errors.WrongCredentials):
        await sessions.log_in(world.deps, LogInRequest(username="nobody", password=PASSWORD))
    assert world.hasher.verified == [None]


def log_in_as(username: str, password: str = PASSWORD, address: str | None = None) -> LogInRequest:
    return LogInRequest(
        username=username,
        password=password,
        client_address=ip_address(address) if address else None,
    )


async def answer_to(world: World, request: LogInRequest) -> tuple[str, int | None]:
    """What a log-in gets: the refusal's class and retry-after, or ("session", None)."""
    try:
        await sessions.log_in(world.deps, request)
    except errors.MustWait as waiting:
        return type(waiting).__name__, waiting.retry_after
    except errors.IdentityError as refused:
        return type(refused).__name__, None
    return "session", None


async def guesses_until_locked(world: World, username: str) -> list[tuple[str, int | None]]:
    """Wrong passwords as fast as allowed, each refused one retried at once, until locked."""
    answers: list[tuple[str, int | None]] = []
    wrong = log_in_as(username, "Sbagliata-123")
    while not answers or answers[-1][0] != "AccountLocked":
        answers.append(await answer_to(world, wrong))
        answers.append(await answer_to(world, wrong))  # at once
        world.clock.advance(timedelta(seconds=answers[-1][1] or 0))
    return answers


async def test_unknown_and_known_usernames_get_the_same_answers_through_delays_and_lock(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))

    known = await guesses_until_locked(world, account.username)
    world.clock.at = NOW
    unknown = await guesses_until_locked(world, "nobody.at.all")

    assert known == unknown
    assert ("TooManyLogInAttempts", 1) in unknown
    assert unknown[-1] == ("AccountLocked", 15 * 60)


async def test_each_delay_doubles_until_the_lock(world: World) -> None:
    wrong = log_in_as("nobody.at.all", "Sbagliata-123")
    answers = []
    for _ in range(LIMITS.per_username.lock_failures - 1):
        assert await answer_to(world, wrong) == ("WrongCredentials", None)  # waited enough
        answers.append(await answer_to(world, wrong))  # at once
        world.clock.advance(timedelta(seconds=answers[-1][1] or 0))

    assert answers == [
        ("WrongCredentials", None),  # two failures: still free
        ("TooManyLogInAttempts", 1),  # from the third on, each guess waits after the last
        ("TooManyLogInAttempts", 2),
        ("TooManyLogInAttempts", 4),
        ("AccountLocked", 15 * 60),  # the sixth: locked
    ]


async def test_the_right_password_waits_too_then_opens_a_clean_session(world: World) -> None:
    account = await registered(world, await onboarded(world))
    for _ in range(LIMITS.per_username.free_failures):
        await answer_to(world, log_in_as(account.username, "Sbagliata-123"))

    assert await answer_to(world, log_in_as(account.username)) == ("TooManyLogInAttempts", 1)

    world.clock.advance(SECOND)
    assert await answer_to(world, log_in_as(account.username)) == ("session", None)
    assert f"username:{account.username}" not in world.store.attempts  # a clean slate


async def test_a_lock_holds_against_the_right_password_until_it_ends(world: World) -> None:
    account = await registered(world, await onboarded(world))
    for _ in range(LIMITS.per_username.lock_failures):
        await answer_to(world, log_in_as(account.username, "Sbagliata-123"))
        world.clock.advance(timedelta(minutes=1))

    assert await answer_to(world, log_in_as(account.username)) == ("AccountLocked", 14 * 60)

    world.clock.advance(timedelta(minutes=14))
    assert await answer_to(world, log_in_as(account.username)) == ("session", None)


async def test_ending_the_lock_lets_the_owner_back_in_at_once(world: World) -> None:
    account = await registered(world, await onboarded(world))
    for _ in range(LIMITS.per_username.lock_failures):
        await answer_to(world, log_in_as(account.username, "Sbagliata-123"))
        world.clock.advance(timedelta(minutes=1))
    assert (await answer_to(world, log_in_as(account.username)))[0] == "AccountLocked"

    await sessions.end_login_lock(world.deps, account.username.upper())

    assert await answer_to(world, log_in_as(account.username)) == ("session", None)


async def test_a_guess_that_must_wait_is_neither_checked_nor_counted(world: World) -> None:
    wrong = log_in_as("nobody.at.all", "Sbagliata-123")
    for _ in range(LIMITS.per_username.free_failures):
        await answer_to(world, wrong)
    checked = len(world.hasher.verified)

    for _ in range(20):
        assert (await answer_to(world, wrong))[0] == "TooManyLogInAttempts"

    assert len(world.hasher.verified) == checked
    assert world.store.failures_of("username:nobody.at.all") == 3


async def test_one_address_is_stopped_long_before_it_could_lock_a_username(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    address = "203.0.113.7"
    answers = []
    for _ in range(LIMITS.per_address.lock_failures + 2):
        answers.append(await answer_to(world, log_in_as(account.username, "Sbagliata", address)))
        world.clock.advance(timedelta(minutes=1))
    name, retry_after = answers[-1]
    assert name == "TooManyLogInAttempts"  # the address is locked...
    assert (retry_after or 0) > 10 * 60
    assert world.store.failures_of(f"username:{account.username}") < (
        LIMITS.per_username.lock_failures
    )
    # ...not the user, who gets in from anywhere else.
    assert await answer_to(world, log_in_as(account.username, address="198.51.100.1")) == (
        "session",
        None,
    )


async def test_guesses_without_an_address_are_limited_per_username_only(world: World) -> None:
    await answer_to(world, log_in_as("nobody.at.all", "Sbagliata-123"))
    assert [s for s in world.store.attempts if s.startswith("address:")] == []


async def test_a_right_password_takes_back_its_count_on_the_address(world: World) -> None:
    account = await registered(world, await onboarded(world))
    for _ in range(10):
        assert (await answer_to(world, log_in_as(account.username, address="192.0.2.1")))[0] == (
            "session"
        )
    assert world.store.failures_of("address:192.0.2.1") == 0


async def test_a_busy_hasher_refuses_the_log_in_and_counts_no_guess(world: World) -> None:
    world.hasher.busy = True
    assert await answer_to(world, log_in_as("someone", address="192.0.2.1")) == ("HashingBusy", 2)
    assert world.store.failures_of("username:someone") == 0
    assert world.store.failures_of("address:192.0.2.1") == 0


async def test_failures_above_the_ceiling_raise_one_alert_a_minute(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger=guesses.logger.name):
        for n in range(3 * LIMITS.failure_alert_per_minute):
            await answer_to(world, log_in_as(f"user.{n}", "Sbagliata-123"))
    alerts = [r for r in caplog.records if r.getMessage().startswith(guesses.ALERT)]
    assert len(alerts) == 1
    assert alerts[0].levelno == logging.ERROR
    assert all("user." not in r.getMessage() for r in caplog.records)

    world.clock.advance(timedelta(minutes=1))
    with caplog.at_level(logging.ERROR, logger=guesses.logger.name):
        for n in range(LIMITS.failure_alert_per_minute + 1):
            await answer_to(world, log_in_as(f"user.{n}", "Sbagliata-123"))
    assert len([r for r in caplog.records if r.getMessage().startswith(guesses.ALERT)]) == 2


async def test_an_outdated_hash_is_replaced_at_log_in(world: World) -> None:
    account = await registered(world, await onboarded(world))
    world.hasher.scheme = "h2"  # stronger parameters since the account was registered
    await sessions.log_in(world.deps, LogInRequest(username=account.username, password=PASSWORD))
    assert world.store.accounts[account.account_id].password_hash == f"h2:{PASSWORD}"


# Refresh


async def _session(world: World) -> tuple[Account, str]:
    account = await registered(world, await onboarded(world))
    reply = await sessions.log_in(
        world.deps, LogInRequest(username=account.username, password=PASSWORD)
    )
    return account, reply.refresh_token


async def test_a_refresh_token_is_traded_once_for_a_new_pair(world: World) -> None:
    account, first = await _session(world)
    second = await sessions.refresh_session(world.deps, RefreshSessionRequest(refresh_token=first))
    assert second.refresh_token != first
    assert second.access_token == f"access:{account.account_id}:customer"
    assert world.store.sessions[f"digest:{first}"].spent
    families = {s.family for s in world.store.sessions.values()}
    assert len(families) == 1  # the new token continues the line of the log-in


async def test_a_replayed_refresh_token_ends_every_session_of_its_line(world: World) -> None:
    _, first = await _session(world)
    second = await sessions.refresh_session(world.deps, RefreshSessionRequest(refresh_token=first))

    world.clock.advance(world.deps.refresh_grace + SECOND)
    with pytest.raises(errors.SessionEnded):
        await sessions.refresh_session(world.deps, RefreshSessionRequest(refresh_token=first))
    with pytest.raises(errors.SessionEnded):
        await sessions.refresh_session(
            world.deps, RefreshSessionRequest(refresh_token=second.refresh_token)
        )
    assert world.store.sessions == {}


async def test_an_unknown_or_expired_refresh_token_ends_the_session(world: World) -> None:
    _, token = await _session(world)
    with pytest.raises(errors.SessionEnded):
        await sessions.refresh_session(world.deps, RefreshSessionRequest(refresh_token="rt_x"))
    world.clock.at = NOW + timedelta(days=30)
    with pytest.raises(errors.SessionEnded):
        await sessions.refresh_session(world.deps, RefreshSessionRequest(refresh_token=token))


async def test_logging_out_ends_the_line_of_the_token_given_and_no_other(world: World) -> None:
    _, first = await _session(world)
    second = await sessions.refresh_session(world.deps, RefreshSessionRequest(refresh_token=first))
    elsewhere = await _another_session_of_the_account(world)

    # With the spent token of the line, as a client that missed the last refresh would.
    await sessions.end_session(world.deps, EndSessionRequest(refresh_token=first))
    with pytest.raises(errors.SessionEnded):
        await sessions.refresh_session(
            world.deps, RefreshSessionRequest(refresh_token=second.refresh_token)
        )
    # The account's other session (another device) goes on.
    await sessions.refresh_session(world.deps, RefreshSessionRequest(refresh_token=elsewhere))


async def test_logging_out_twice_or_with_any_token_answers_the_same(world: World) -> None:
    _, token = await _session(world)
    first = await sessions.end_session(world.deps, EndSessionRequest(refresh_token=token))
    again = await sessions.end_session(world.deps, EndSessionRequest(refresh_token=token))
    unknown = await sessions.end_session(world.deps, EndSessionRequest(refresh_token="rt_x"))
    assert first == again == unknown
    assert world.store.sessions == {}


async def _another_session_of_the_account(world: World) -> str:
    (username,) = {a.username for a in world.store.accounts.values()}
    reply = await sessions.log_in(world.deps, LogInRequest(username=username, password=PASSWORD))
    return reply.refresh_token


# Profile


async def test_the_profile_and_scope_of_an_account(world: World) -> None:
    customer = await onboarded(world, full_name="Anna Ferrari")
    account = await registered(world, customer)

    me = await profile.profile_of(world.deps, account.account_id)
    assert (me.account_id, me.full_name, me.fiscal_code, me.role) == (
        account.account_id,
        "Anna Ferrari",
        customer.fiscal_code,
        "customer",
    )
    assert me.customer_codes == (customer.customer_code,)
    assert me.registered_at == NOW

    scope = await profile.scope_of(world.deps, account.account_id)
    assert (scope.role, scope.customer_codes) == ("customer", (customer.customer_code,))


async def test_the_profile_of_an_unknown_account_is_not_found(world: World) -> None:
    with pytest.raises(errors.AccountNotFound):
        await profile.profile_of(world.deps, "acc-gone")
    with pytest.raises(errors.AccountNotFound):
        await profile.scope_of(world.deps, "acc-gone")


async def test_ending_all_sessions_spares_only_the_one_kept(world: World) -> None:
    account = await registered(world, await onboarded(world))
    first, second, third = [
        await sessions.log_in(world.deps, log_in_as(account.username)) for _ in range(3)
    ]
    kept = world.store.sessions[f"digest:{second.refresh_token}"].family
    await sessions.end_all_sessions(world.deps, FakeTransaction(), account.account_id, keep=kept)
    assert [s.family for s in world.store.sessions.values()] == [kept]
    for ended in (first, third):
        with pytest.raises(errors.SessionEnded):
            await sessions.refresh_session(
                world.deps, RefreshSessionRequest(refresh_token=ended.refresh_token)
            )


# Accounts of the older portal


@pytest.fixture
async def importer(world: World) -> Caller:
    """An operator who may import accounts (TOTP on: permissions are in force only then)."""
    operator = await operator_in(world, ("accounts.import",))
    await with_totp(world, operator)
    return caller_for(world.store.accounts[operator.account_id])


def legacy_import(
    importer: Caller, customer: NewCustomer, password_hash: str, **overrides: Any
) -> Any:
    values = {
        "caller": importer,
        "username": "Mario Rossi (vecchio portale)",
        "password_hash": password_hash,
        "fiscal_code": customer.fiscal_code,
        "customer_codes": (customer.customer_code,),
        "email": customer.email,
        **overrides,
    }
    return ImportLegacyAccountRequest(**values)


def with_argon2(world: World) -> Dependencies:
    """The world with the real hasher at a cheap cost: it is what knows the legacy formats."""
    cheap = Argon2Parameters(time_cost=1, memory_kib=1024, parallelism=1)
    return replace(world.deps, hasher=Argon2Hasher(cheap, HashingPool(slots=1), wait_seconds=5))


async def test_an_operator_imports_an_account_that_logs_in_with_its_old_password_once_upgraded(
    world: World, importer: Caller
) -> None:
    customer = await onboarded(world, full_name="Mario Rossi")
    deps = with_argon2(world)
    old = bcrypt.hashpw(b"Vecchia-2011", bcrypt.gensalt(4)).decode()
    tx = FakeTransaction()

    reply = await legacy_accounts.import_legacy_account(
        deps, legacy_import(importer, customer, old), tx
    )

    assert reply.username == "mario rossi (vecchio portale)"  # as log-in compares it
    assert reply.password_scheme == "bcrypt"
    account = world.store.accounts[reply.account_id]
    assert (account.full_name, account.password_hash, account.customer_codes) == (
        "Mario Rossi",
        old,
        (customer.customer_code,),
    )
    assert world.store.customers[customer.customer_code].account_id == account.account_id
    before = [a for a in world.store.activity if a.account_id == importer.user_id]
    entries = [a for a in world.store.activity if a.account_id == account.account_id]
    (imported,) = entries
    assert (imported.kind, imported.actor_id) == ("account.imported", importer.user_id)
    assert imported.details == {"password_scheme": "bcrypt"}
    assert [e.kind for e in tx.emitted if isinstance(e, AccountActivity)] == ["account.imported"]
    assert (
        AccountContactSet(
            account_id=account.account_id, email=account.email, full_name=account.full_name, at=NOW
        )
        in tx.emitted
    )

    login = LogInRequest(username="  Mario ROSSI (vecchio portale) ", password="Vecchia-2011")
    await sessions.log_in(deps, login)
    upgraded = world.store.accounts[account.account_id].password_hash
    assert upgraded.startswith("$argon2id$")
    entries = [a for a in world.store.activity if a.account_id == account.account_id]
    assert [a.kind for a in entries][1:] == ["password.upgraded", "session.opened"]
    assert entries[1].details == {"from": "bcrypt"}
    assert [a for a in world.store.activity if a.account_id == importer.user_id] == before
    await sessions.log_in(deps, login)  # the argon2id hash now
    assert world.store.accounts[account.account_id].password_hash == upgraded
    # The PIN of the letter registers nothing more: the customer has an account.
    with pytest.raises(errors.PinAlreadyUsed):
        await registered(world, customer)


async def test_a_wrong_old_password_is_refused_and_the_legacy_hash_stays(
    world: World, importer: Caller
) -> None:
    customer = await onboarded(world)
    deps = with_argon2(world)
    old = hashlib.md5(b"Vecchia-2011").hexdigest()  # noqa: S324 (the older portal's)
    reply = await legacy_accounts.import_legacy_account(
        deps, legacy_import(importer, customer, old, username="m.rossi"), FakeTransaction()
    )
    with pytest.raises(errors.WrongCredentials):
        await sessions.log_in(deps, LogInRequest(username="m.rossi", password="Vecchia-2012"))
    assert world.store.accounts[reply.account_id].password_hash == old


async def test_only_an_operator_imports_accounts(world: World, importer: Caller) -> None:
    customer = await onboarded(world)
    customer_caller = Caller(user_id="acc-9", role="customer", customer_codes=("C1",))
    for caller in (customer_caller, Caller(user_id="adm-1", role="administrator")):
        request = legacy_import(importer, customer, "a" * 32, caller=caller)
        with pytest.raises(errors.OperatorsOnly):
            await legacy_accounts.import_legacy_account(world.deps, request, FakeTransaction())
    assert set(world.store.accounts) == {importer.user_id}
    assert not [e for e in world.store.activity if e.kind == "account.imported"]


async def test_an_import_with_a_hash_of_no_known_format_is_refused(
    world: World, importer: Caller
) -> None:
    customer = await onboarded(world)
    for malformed in ("plain-text-password", "$2b$10$short", "a" * 64):
        request = legacy_import(importer, customer, malformed)
        with pytest.raises(errors.UnknownHashFormat):
            await legacy_accounts.import_legacy_account(world.deps, request, FakeTransaction())
    assert set(world.store.accounts) == {importer.user_id}


async def test_an_import_for_a_registered_fiscal_code_or_a_taken_username_is_refused(
    world: World, importer: Caller
) -> None:
    customer = await onboarded(world)
    taken = await registered(world, customer)
    other = await onboarded(world)
    with pytest.raises(errors.AlreadyRegistered):
        await legacy_accounts.import_legacy_account(
            world.deps,
            legacy_import(importer, customer, "a" * 40, email="nuovo@example.it"),
            FakeTransaction(),
        )
    with pytest.raises(errors.UsernameTaken):
        await legacy_accounts.import_legacy_account(
            world.deps,
            legacy_import(importer, other, "a" * 40, username=taken.username),
            FakeTransaction(),
        )
    assert set(world.store.accounts) == {importer.user_id, taken.account_id}


async def test_an_import_with_another_identitys_customer_code_is_refused(
    world: World, importer: Caller
) -> None:
    customer, stranger = await onboarded(world), await onboarded(world)
    request = legacy_import(importer, customer, "a" * 32, customer_codes=(stranger.customer_code,))
    with pytest.raises(errors.CustomerOfAnotherIdentity):
        await legacy_accounts.import_legacy_account(world.deps, request, FakeTransaction())
    with pytest.raises(errors.InvalidFiscalCode):
        await legacy_accounts.import_legacy_account(
            world.deps,
            legacy_import(importer, customer, "a" * 32, fiscal_code="RSSMRA80A01H501X"),
            FakeTransaction(),
        )
    assert set(world.store.accounts) == {importer.user_id}


# Passkeys

ORIGIN = "http://localhost:8000"


class FakePasskeyStore:
    def __init__(self) -> None:
        self.challenges: dict[str, PasskeyChallenge] = {}
        self.passkeys: dict[str, Passkey] = {}

    async def insert_challenge(self, challenge: PasskeyChallenge) -> None:
        self.challenges[challenge.key] = challenge

    async def take_challenge(self, key: str) -> PasskeyChallenge | None:
        return self.challenges.pop(key, None)

    async def insert_passkey(self, passkey: Passkey, session: Any) -> None:
        if any(p.credential_id == passkey.credential_id for p in self.passkeys.values()):
            raise errors.PasskeyTaken()
        self.passkeys[passkey.passkey_id] = passkey

    async def passkeys_of(self, account_id: str) -> list[Passkey]:
        return [p for p in self.passkeys.values() if p.account_id == account_id]

    async def passkey_by_credential(self, credential_id: str) -> Passkey | None:
        return next((p for p in self.passkeys.values() if p.credential_id == credential_id), None)

    async def delete_passkey(self, account_id: str, passkey_id: str, session: Any) -> bool:
        found = self.passkeys.get(passkey_id)
        if found is None or found.account_id != account_id:
            return False
        del self.passkeys[passkey_id]
        return True

    async def record_use(
        self, passkey: Passkey, sign_count: int, at: datetime, session: Any
    ) -> bool:
        stored = self.passkeys.get(passkey.passkey_id)
        if stored is None or stored.sign_count != passkey.sign_count:
            return False
        self.passkeys[passkey.passkey_id] = replace(stored, sign_count=sign_count, last_used_at=at)
        return True


@pytest.fixture
def keys() -> PasskeyDependencies:
    return PasskeyDependencies(
        passkeys=FakePasskeyStore(),
        relying_party=WebAuthnRelyingParty("localhost", "Area Clienti", [ORIGIN], 300),
        challenge_ttl=timedelta(minutes=5),
    )


def caller_of(account: Account) -> Caller:
    return Caller(user_id=account.account_id, role=account.role)


async def with_passkey(
    world: World, keys: PasskeyDependencies, authenticator: SoftwareAuthenticator | None = None
) -> tuple[Account, SoftwareAuthenticator]:
    account = await registered(world, await onboarded(world))
    authenticator = authenticator or SoftwareAuthenticator(origin=ORIGIN)
    options = await passkeys.begin_registration(world.deps, keys, caller_of(account))
    request = FinishPasskeyRegistrationRequest(
        caller=caller_of(account),
        name="Chiavetta",
        credential=authenticator.create(options.public_key),
    )
    await passkeys.finish_registration(world.deps, keys, request, FakeTransaction())
    return account, authenticator


async def sign_in_answer(
    world: World, keys: PasskeyDependencies, authenticator: SoftwareAuthenticator, **how: Any
) -> FinishPasskeySignInRequest:
    options = await passkeys.begin_sign_in(world.deps, keys)
    return FinishPasskeySignInRequest(credential=authenticator.get(options.public_key, **how))


async def test_a_passkey_added_from_the_profile_signs_in_instead_of_the_password(
    world: World, keys: PasskeyDependencies
) -> None:
    account, authenticator = await with_passkey(world, keys)
    (listed,) = (await passkeys.passkeys_of(keys, caller_of(account))).passkeys
    assert (listed.name, listed.transports, listed.last_used_at) == (
        "Chiavetta",
        ("internal",),
        None,
    )
    assert world.store.activity[-1].kind == "passkey.added"

    answer = await sign_in_answer(world, keys, authenticator)
    reply = await passkeys.finish_sign_in(world.deps, keys, answer)

    assert reply.access_token == f"access:{account.account_id}:customer"
    assert world.store.activity[-1].kind == "session.opened"
    assert world.store.activity[-1].details == {"method": "passkey"}
    (stored,) = keys.passkeys.passkeys.values()  # type: ignore[attr-defined]
    assert (stored.sign_count, stored.last_used_at) == (1, NOW)
    assert keys.passkeys.challenges == {}  # type: ignore[attr-defined]


async def test_a_replayed_assertion_is_refused(world: World, keys: PasskeyDependencies) -> None:
    _, authenticator = await with_passkey(world, keys)
    answer = await sign_in_answer(world, keys, authenticator)
    await passkeys.finish_sign_in(world.deps, keys, answer)
    with pytest.raises(errors.PasskeyChallengeInvalid):
        await passkeys.finish_sign_in(world.deps, keys, answer)


async def test_a_cloned_passkey_whose_count_does_not_grow_is_refused_and_recorded(
    world: World, keys: PasskeyDependencies
) -> None:
    _, authenticator = await with_passkey(world, keys)
    await passkeys.finish_sign_in(
        world.deps, keys, await sign_in_answer(world, keys, authenticator, sign_count=7)
    )
    clone = await sign_in_answer(world, keys, authenticator, sign_count=7)
    with pytest.raises(errors.PasskeyCloned):
        await passkeys.finish_sign_in(world.deps, keys, clone)
    assert world.store.activity[-1].kind == "passkey.clone_detected"
    older = await sign_in_answer(world, keys, authenticator, sign_count=3)
    with pytest.raises(errors.PasskeyCloned):
        await passkeys.finish_sign_in(world.deps, keys, older)


async def test_a_passkey_that_does_not_count_signs_in_every_time(
    world: World, keys: PasskeyDependencies
) -> None:
    _, authenticator = await with_passkey(
        world, keys, SoftwareAuthenticator(origin=ORIGIN, counting=False)
    )
    for _ in range(2):
        await passkeys.finish_sign_in(
            world.deps, keys, await sign_in_answer(world, keys, authenticator)
        )


async def test_an_answer_from_another_origin_is_refused(
    world: World, keys: PasskeyDependencies
) -> None:
    account = await registered(world, await onboarded(world))
    authenticator = SoftwareAuthenticator(origin="https://phishing.example")
    options = await passkeys.begin_registration(world.deps, keys, caller_of(account))
    request = FinishPasskeyRegistrationRequest(
        caller=caller_of(account), name="x", credential=authenticator.create(options.public_key)
    )
    with pytest.raises(errors.PasskeyNotVerified):
        await passkeys.finish_registration(world.deps, keys, request, FakeTransaction())
    assert keys.passkeys.passkeys == {}  # type: ignore[attr-defined]

    _, good = await with_passkey(world, keys)
    phished = await sign_in_answer(world, keys, good, origin="https://phishing.example")
    with pytest.raises(errors.PasskeyRefused):
        await passkeys.finish_sign_in(world.deps, keys, phished)


async def test_a_registration_challenge_is_good_once_for_its_account_until_it_expires(
    world: World, keys: PasskeyDependencies
) -> None:
    account = await registered(world, await onboarded(world))
    other = await registered(world, await onboarded(world))
    authenticator = SoftwareAuthenticator(origin=ORIGIN)

    async def answer(to: Account) -> FinishPasskeyRegistrationRequest:
        options = await passkeys.begin_registration(world.deps, keys, caller_of(account))
        return FinishPasskeyRegistrationRequest(
            caller=caller_of(to), name="x", credential=authenticator.create(options.public_key)
        )

    with pytest.raises(errors.PasskeyChallengeInvalid):  # another account's challenge
        await passkeys.finish_registration(world.deps, keys, await answer(other), FakeTransaction())
    late = await answer(account)
    world.clock.advance(timedelta(minutes=5))
    with pytest.raises(errors.PasskeyChallengeInvalid):
        await passkeys.finish_registration(world.deps, keys, late, FakeTransaction())
    twice = await answer(account)
    await passkeys.finish_registration(world.deps, keys, twice, FakeTransaction())
    with pytest.raises(errors.PasskeyChallengeInvalid):
        await passkeys.finish_registration(world.deps, keys, twice, FakeTransaction())
    # A sign-in challenge registers nothing, nor the other way round.
    sign_in = await passkeys.begin_sign_in(world.deps, keys)
    wrong = FinishPasskeyRegistrationRequest(
        caller=caller_of(account),
        name="x",
        credential=authenticator.create(
            sign_in.public_key | {"rp": {"id": "localhost"}, "user": {"id": "YQ"}}
        ),
    )
    with pytest.raises(errors.PasskeyChallengeInvalid):
        await passkeys.finish_registration(world.deps, keys, wrong, FakeTransaction())


async def test_a_credential_registered_already_is_refused(
    world: World, keys: PasskeyDependencies
) -> None:
    account, authenticator = await with_passkey(world, keys)
    options = await passkeys.begin_registration(world.deps, keys, caller_of(account))
    again = FinishPasskeyRegistrationRequest(
        caller=caller_of(account), name="x", credential=authenticator.create(options.public_key)
    )
    with pytest.raises(errors.PasskeyTaken):
        await passkeys.finish_registration(world.deps, keys, again, FakeTransaction())


async def test_an_assertion_claiming_another_account_or_an_unknown_credential_is_refused(
    world: World, keys: PasskeyDependencies
) -> None:
    _, authenticator = await with_passkey(world, keys)
    other, _ = await with_passkey(world, keys)
    claiming = await sign_in_answer(
        world, keys, authenticator, user_handle=other.account_id.encode()
    )
    with pytest.raises(errors.PasskeyRefused):
        await passkeys.finish_sign_in(world.deps, keys, claiming)
    stranger = SoftwareAuthenticator(origin=ORIGIN, rp_id="localhost")
    with pytest.raises(errors.PasskeyRefused):
        await passkeys.finish_sign_in(world.deps, keys, await sign_in_answer(world, keys, stranger))
    garbage = FinishPasskeySignInRequest(credential={"id": "x", "response": {"clientDataJSON": 3}})
    with pytest.raises(errors.PasskeyChallengeInvalid):
        await passkeys.finish_sign_in(world.deps, keys, garbage)


async def test_only_the_owner_removes_a_passkey(world: World, keys: PasskeyDependencies) -> None:
    account, _ = await with_passkey(world, keys)
    other = await registered(world, await onboarded(world))
    (passkey,) = (await passkeys.passkeys_of(keys, caller_of(account))).passkeys
    with pytest.raises(errors.PasskeyNotFound):
        await passkeys.delete_passkey(
            world.deps, keys, caller_of(other), passkey.passkey_id, FakeTransaction()
        )
    await passkeys.delete_passkey(
        world.deps, keys, caller_of(account), passkey.passkey_id, FakeTransaction()
    )
    assert (await passkeys.passkeys_of(keys, caller_of(account))).passkeys == ()
    assert world.store.activity[-1].kind == "passkey.removed"


# Account deletion


class FakeDeletionStore:
    def __init__(self, store: FakeStore, passkey_store: FakePasskeyStore) -> None:
        self.store = store
        self.passkey_store = passkey_store
        self.deletions: dict[str, Deletion] = {}

    async def insert(self, deletion: Deletion, session: Any) -> None:
        self.deletions[deletion.deletion_id] = deletion

    async def get(self, deletion_id: str, session: Any = None) -> Deletion | None:
        return self.deletions.get(deletion_id)

    async def mark_deleted(self, deletion_id: str, at: datetime, session: Any) -> None:
        self.deletions[deletion_id] = replace(self.deletions[deletion_id], deleted_at=at)

    async def record_confirmation(
        self, deletion_id: str, service: str, at: datetime, session: Any
    ) -> Deletion | None:
        found = self.deletions.get(deletion_id)
        if found is None:
            return None
        confirmations = {service: at, **found.confirmations}  # the first one kept
        self.deletions[deletion_id] = replace(found, confirmations=confirmations)
        return self.deletions[deletion_id]

    async def mark_completed(self, deletion_id: str, at: datetime, session: Any) -> None:
        found = self.deletions[deletion_id]
        if found.completed_at is None:
            self.deletions[deletion_id] = replace(found, completed_at=at)

    async def erase_account(self, account: Account, session: Any) -> None:
        del self.store.accounts[account.account_id]
        for customer in self.store.customers.values():
            if customer.account_id == account.account_id:
                customer.account_id = None
        self.passkey_store.passkeys = {
            k: p
            for k, p in self.passkey_store.passkeys.items()
            if p.account_id != account.account_id
        }
        self.store.activity = [
            replace(a, client_address=None, details={}) if a.account_id == account.account_id else a
            for a in self.store.activity
        ]


@pytest.fixture
def deletions(world: World, keys: PasskeyDependencies) -> DeletionDependencies:
    passkey_store = keys.passkeys
    assert isinstance(passkey_store, FakePasskeyStore)
    return DeletionDependencies(
        deletions=FakeDeletionStore(world.store, passkey_store),
        passkeys=keys,
        confirm_within=timedelta(minutes=10),
        expected_services=("billing", "notifications"),
    )


def deletion_asked(account: Account, **proof: Any) -> RequestAccountDeletionRequest:
    return RequestAccountDeletionRequest(
        caller=caller_of(account), client_address="203.0.113.7", **(proof or {"password": PASSWORD})
    )


async def test_a_confirmed_deletion_erases_the_account_and_frees_its_pin(
    world: World, deletions: DeletionDependencies
) -> None:
    customer = await onboarded(world)
    account = await registered(world, customer)
    await sessions.log_in(world.deps, LogInRequest(username=account.username, password=PASSWORD))
    asked = await account_deletion.request_deletion(
        world.deps, deletions, deletion_asked(account), FakeTransaction()
    )
    assert asked.confirm_before == NOW + timedelta(minutes=10)
    assert account.account_id in world.store.accounts  # nothing deleted yet

    tx = FakeTransaction()
    confirm = ConfirmAccountDeletionRequest(
        caller=caller_of(account), deletion_id=asked.deletion_id
    )
    done = await account_deletion.confirm_deletion(world.deps, deletions, confirm, tx)

    assert done.deleted_at == NOW
    assert world.store.accounts == {}
    assert world.store.sessions == {}
    assert world.store.customers[customer.customer_code].account_id is None
    assert {a.client_address for a in world.store.activity} == {None}
    deleted = next(e for e in tx.emitted if isinstance(e, AccountDeleted))
    assert (deleted.account_id, deleted.email, deleted.customer_codes) == (
        account.account_id,
        account.email,
        (customer.customer_code,),
    )
    assert ScopeChanged(account_id=account.account_id, customer_codes=()) in tx.emitted
    # The customer registers again with the same letter's PIN.
    again = await registered(world, customer, username="di.nuovo")
    assert again.account_id != account.account_id


async def test_a_wrong_password_asks_nothing_and_counts_as_a_guess(
    world: World, deletions: DeletionDependencies
) -> None:
    account = await registered(world, await onboarded(world))
    with pytest.raises(errors.ReauthenticationFailed):
        await account_deletion.request_deletion(
            world.deps,
            deletions,
            deletion_asked(account, password="Sbagliata-99"),
            FakeTransaction(),
        )
    assert deletions.deletions.deletions == {}  # type: ignore[attr-defined]
    assert world.store.failures_of(f"username:{account.username}") == 1


async def test_a_deletion_is_confirmed_once_in_time_by_its_own_account_only(
    world: World, deletions: DeletionDependencies
) -> None:
    account = await registered(world, await onboarded(world))
    other = await registered(world, await onboarded(world))

    async def ask() -> str:
        reply = await account_deletion.request_deletion(
            world.deps, deletions, deletion_asked(account), FakeTransaction()
        )
        return reply.deletion_id

    async def confirm(deletion_id: str, by: Account = account) -> None:
        request = ConfirmAccountDeletionRequest(caller=caller_of(by), deletion_id=deletion_id)
        await account_deletion.confirm_deletion(world.deps, deletions, request, FakeTransaction())

    mine = await ask()
    with pytest.raises(errors.DeletionNotFound):
        await confirm(mine, by=other)  # deleting another account
    with pytest.raises(errors.DeletionNotFound):
        await confirm("no-such-deletion")
    world.clock.advance(timedelta(minutes=10))
    with pytest.raises(errors.DeletionExpired):
        await confirm(mine)
    assert set(world.store.accounts) == {account.account_id, other.account_id}
    fresh = await ask()
    await confirm(fresh)
    with pytest.raises(errors.DeletionNotFound):
        await confirm(fresh)
    assert set(world.store.accounts) == {other.account_id}


async def test_a_passkey_proves_the_user_but_only_one_of_their_own(
    world: World, keys: PasskeyDependencies, deletions: DeletionDependencies
) -> None:
    account, authenticator = await with_passkey(world, keys)
    _, theirs = await with_passkey(world, keys)
    options = await passkeys.begin_sign_in(world.deps, keys)
    answer = authenticator.get(options.public_key)
    asked = await account_deletion.request_deletion(
        world.deps, deletions, deletion_asked(account, passkey=answer), FakeTransaction()
    )
    assert asked.deletion_id
    options = await passkeys.begin_sign_in(world.deps, keys)
    with pytest.raises(errors.ReauthenticationFailed):
        await account_deletion.request_deletion(
            world.deps,
            deletions,
            deletion_asked(account, passkey=theirs.get(options.public_key)),
            FakeTransaction(),
        )


async def test_the_deletion_completes_when_every_expected_service_confirmed(
    world: World, deletions: DeletionDependencies
) -> None:
    account = await registered(world, await onboarded(world))
    asked = await account_deletion.request_deletion(
        world.deps, deletions, deletion_asked(account), FakeTransaction()
    )

    async def confirmed(
        kind: type[AccountDataErased], deletion_id: str = asked.deletion_id
    ) -> Deletion | None:
        erased = kind(deletion_id=deletion_id, account_id=account.account_id, erased_at=NOW)
        await account_deletion.record_erasure(world.deps, deletions, erased, FakeTransaction())
        return await deletions.deletions.get(deletion_id)

    billing = await confirmed(BillingAccountDataErased)
    assert billing is not None
    assert (set(billing.confirmations), billing.completed_at) == ({"billing"}, None)
    world.clock.advance(SECOND)
    assert (await confirmed(BillingAccountDataErased)).confirmations == {"billing": NOW}  # type: ignore[union-attr]
    done = await confirmed(NotificationsAccountDataErased)
    assert done is not None
    assert done.completed_at == NOW + SECOND
    assert await confirmed(NotificationsAccountDataErased, "unknown") is None


async def test_one_address_begins_only_so_many_passkey_sign_ins_a_minute(
    world: World, keys: PasskeyDependencies
) -> None:
    limited = replace(keys, sign_ins_per_minute=3)
    here, there = ip_address("203.0.113.7"), ip_address("198.51.100.2")
    for _ in range(3):
        await passkeys.begin_sign_in(world.deps, limited, here)
    with pytest.raises(errors.TooManyPasskeySignIns) as refused:
        await passkeys.begin_sign_in(world.deps, limited, here)
    assert refused.value.retry_after == 60  # NOW is on the minute
    assert len(keys.passkeys.challenges) == 3  # type: ignore[attr-defined]
    await passkeys.begin_sign_in(world.deps, limited, there)
    world.clock.advance(timedelta(minutes=1))
    await passkeys.begin_sign_in(world.deps, limited, here)


# Sessions: absolute lifetime, double submits, the list, ending them (issue 16)

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


def refresh(token: str, user_agent: str | None = None) -> RefreshSessionRequest:
    return RefreshSessionRequest(refresh_token=token, user_agent=user_agent)


def as_caller(world: World, account: Account, session_id: str | None) -> Caller:
    return Caller(user_id=account.account_id, role="customer", session_id=session_id)


def line_of(world: World, refresh_token: str) -> str:
    return world.store.sessions[f"digest:{refresh_token}"].family


def kinds(world: World) -> list[str]:
    return [entry.kind for entry in world.store.activity]


async def test_no_refresh_extends_a_session_beyond_its_absolute_lifetime(world: World) -> None:
    _, token = await _session(world)
    log_in_at = world.clock.now()
    world.clock.advance(timedelta(days=29))
    later = await sessions.refresh_session(world.deps, refresh(token))
    renewed = world.store.sessions[f"digest:{later.refresh_token}"]
    assert renewed.expires_at == log_in_at + world.deps.session_lifetime  # not day 29 + 30

    world.clock.advance(timedelta(days=1))
    with pytest.raises(errors.SessionEnded):
        await sessions.refresh_session(world.deps, refresh(later.refresh_token))


async def test_a_refresh_token_presented_again_within_the_grace_window_gets_a_pair(
    world: World,
) -> None:
    _, token = await _session(world)
    first = await sessions.refresh_session(world.deps, refresh(token))
    world.clock.advance(world.deps.refresh_grace)
    again = await sessions.refresh_session(world.deps, refresh(token))

    assert again.refresh_token != first.refresh_token
    # Nothing ended: both answers continue the line, whichever one the client kept.
    for kept in (first.refresh_token, again.refresh_token):
        await sessions.refresh_session(world.deps, refresh(kept))
    assert "session.refresh_reused" not in kinds(world)


async def test_a_reuse_after_the_grace_window_ends_the_line_and_lands_in_the_trail(
    world: World,
) -> None:
    account, token = await _session(world)
    line = line_of(world, token)
    fresh = await sessions.refresh_session(world.deps, refresh(token))
    world.clock.advance(world.deps.refresh_grace + SECOND)

    with pytest.raises(errors.SessionEnded):
        await sessions.refresh_session(world.deps, refresh(token))

    with pytest.raises(errors.SessionEnded):
        await sessions.refresh_session(world.deps, refresh(fresh.refresh_token))
    assert kinds(world)[-1] == "session.refresh_reused"
    assert SessionsEnded(account_id=account.account_id, session_ids=(line,)) in (
        world.transactions.emitted
    )
    scope = await profile.scope_of(world.deps, account.account_id)
    assert scope.ended_sessions == (line,)


async def test_logging_out_ends_the_access_tokens_of_the_session_too(world: World) -> None:
    account, token = await _session(world)
    line = line_of(world, token)
    await sessions.end_session(world.deps, EndSessionRequest(refresh_token=token))

    scope = await profile.scope_of(world.deps, account.account_id)
    assert scope.ended_sessions == (line,)
    assert world.store.activity[-1].kind == "session.ended"
    assert world.store.activity[-1].details == {"how": "logout", "sessions": "1"}
    assert world.transactions.emitted[-1] == SessionsEnded(
        account_id=account.account_id, session_ids=(line,)
    )


async def test_an_ended_session_leaves_the_scope_once_its_access_tokens_expired(
    world: World,
) -> None:
    account, token = await _session(world)
    await sessions.end_session(world.deps, EndSessionRequest(refresh_token=token))
    world.clock.advance(sessions.ended_sessions_kept(world.deps) + SECOND)
    assert (await profile.scope_of(world.deps, account.account_id)).ended_sessions == ()


async def test_every_access_token_names_its_session(world: World) -> None:
    _, token = await _session(world)
    await sessions.refresh_session(world.deps, refresh(token))
    signed = world.deps.tokens.sessions_signed  # type: ignore[attr-defined]
    assert signed == [line_of(world, token)] * 2


async def test_the_list_of_sessions_says_device_address_times_and_which_is_mine(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    phone = await sessions.log_in(
        world.deps,
        LogInRequest(
            username=account.username,
            password=PASSWORD,
            client_address=ip_address("198.51.100.20"),
            user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        ),
    )
    world.clock.advance(timedelta(hours=1))
    desk = await sessions.log_in(
        world.deps,
        LogInRequest(username=account.username, password=PASSWORD, user_agent=FIREFOX),
    )
    world.clock.advance(timedelta(hours=1))
    await sessions.refresh_session(
        world.deps,
        RefreshSessionRequest(
            refresh_token=phone.refresh_token, client_address=ip_address("198.51.100.21")
        ),
    )
    mine = line_of(world, desk.refresh_token)

    listed = await my_sessions.list_sessions(world.deps, as_caller(world, account, mine))

    assert [(s.device, s.client_address, s.current) for s in listed.sessions] == [
        ("Safari su iPhone", "198.51.100.21", False),  # the last used first
        ("Firefox su Windows", None, True),
    ]
    assert listed.sessions[0].created_at == NOW
    assert listed.sessions[0].last_used_at == NOW + timedelta(hours=2)


async def test_ending_one_of_my_sessions_ends_it_and_only_it(world: World) -> None:
    account = await registered(world, await onboarded(world))
    here, there = [await sessions.log_in(world.deps, log_in_as(account.username)) for _ in "ab"]
    caller = as_caller(world, account, line_of(world, here.refresh_token))
    other = line_of(world, there.refresh_token)

    tx = FakeTransaction()
    reply = await my_sessions.end_my_session(
        world.deps, tx, EndMySessionRequest(caller=caller, session_id=other)
    )

    assert reply.ended == 1
    assert tx.emitted[-1] == SessionsEnded(account_id=account.account_id, session_ids=(other,))
    with pytest.raises(errors.SessionEnded):
        await sessions.refresh_session(world.deps, refresh(there.refresh_token))
    await sessions.refresh_session(world.deps, refresh(here.refresh_token))
    assert world.store.activity[-1].details["how"] == "revoked"


async def test_a_session_of_another_account_is_not_found_and_goes_on(world: World) -> None:
    mine = await registered(world, await onboarded(world))
    theirs = await registered(world, await onboarded(world), username="qualcun.altro")
    their_session = await sessions.log_in(world.deps, log_in_as(theirs.username))
    tx = FakeTransaction()
    with pytest.raises(errors.SessionNotFound):
        await my_sessions.end_my_session(
            world.deps,
            tx,
            EndMySessionRequest(
                caller=as_caller(world, mine, None),
                session_id=line_of(world, their_session.refresh_token),
            ),
        )
    assert tx.emitted == []
    await sessions.refresh_session(world.deps, refresh(their_session.refresh_token))


@pytest.mark.parametrize("keep_current", [True, False])
async def test_logging_out_everywhere_ends_all_my_sessions_or_all_but_this_one(
    world: World, keep_current: bool
) -> None:
    account = await registered(world, await onboarded(world))
    logins = [await sessions.log_in(world.deps, log_in_as(account.username)) for _ in "abc"]
    here = line_of(world, logins[0].refresh_token)
    tx = FakeTransaction()

    reply = await my_sessions.end_all_my_sessions(
        world.deps,
        tx,
        EndAllSessionsRequest(caller=as_caller(world, account, here), keep_current=keep_current),
    )

    assert reply.ended == (2 if keep_current else 3)
    live = [s.session_id for s in await world.store.lines_of(account.account_id, NOW)]
    assert live == ([here] if keep_current else [])
    assert world.store.activity[-1].kind == "session.ended_all"
    (ended,) = tx.emitted[-1:]
    assert isinstance(ended, SessionsEnded)
    assert (here in ended.session_ids) is not keep_current


async def test_ending_all_sessions_after_a_password_change_announces_it(world: World) -> None:
    account = await registered(world, await onboarded(world))
    kept, _ = [await sessions.log_in(world.deps, log_in_as(account.username)) for _ in "ab"]
    tx = FakeTransaction()
    ended = await sessions.end_all_sessions(
        world.deps, tx, account.account_id, keep=line_of(world, kept.refresh_token)
    )
    assert ended == 1
    assert tx.emitted[-1] == SessionsEnded(
        account_id=account.account_id, session_ids=(line_of_ended(world, account),)
    )
    assert world.store.activity[-1].details == {"kept_current": "yes", "sessions": "1"}


def line_of_ended(world: World, account: Account) -> str:
    (ended,) = [
        x.session_id
        for x in world.store.lines.values()
        if x.account_id == account.account_id and x.ended_at is not None
    ]
    return ended


# Operators and second factors


async def operator_in(
    world: World, permissions: tuple[str, ...] = ("operators.manage",)
) -> Account:
    operator = await operators.new_operator(
        world.deps,
        FakeTransaction(),
        username=f"op.{len(world.store.accounts)}",
        email=f"op{len(world.store.accounts)}@example.it",
        full_name="Operatore",
        password=PASSWORD,
        permissions=permissions,
        actor_id="bootstrap",
    )
    return operator


async def with_totp(world: World, account: Account) -> tuple[str, tuple[str, ...]]:
    enrolment = await second_factor.start_enrolment(world.deps, account.account_id)
    code = pyotp.TOTP(enrolment.secret).at(world.clock.now())
    confirmed = await second_factor.confirm_enrolment(world.deps, account.account_id, code, None)
    return enrolment.secret, confirmed.recovery_codes


def caller_for(account: Account) -> Caller:
    return Caller(user_id=account.account_id, role=account.role)


async def test_with_totp_on_the_password_earns_a_challenge_and_the_code_a_session(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    secret, _ = await with_totp(world, account)
    login = LogInRequest(username=account.username, password=PASSWORD)
    with pytest.raises(errors.SecondFactorRequired) as required:
        await sessions.log_in(world.deps, login)
    assert not world.store.sessions  # no session before the second step
    assert required.value.challenge not in repr(required.value)

    world.clock.advance(timedelta(seconds=30))
    code = pyotp.TOTP(secret).at(world.clock.now())
    second = CompleteLogInRequest(
        challenge=required.value.challenge, code=code, user_agent="Mozilla/5.0 (iPhone)"
    )
    reply = await second_factor.complete_log_in(world.deps, second)
    assert reply.access_token == f"access:{account.account_id}:customer"
    assert world.store.activity[-1].details == {"method": "totp"}
    (line,) = world.store.lines.values()  # the session list names the device
    assert line.user_agent == "Mozilla/5.0 (iPhone)"

    with pytest.raises(errors.ChallengeEnded):  # the challenge is spent
        await second_factor.complete_log_in(world.deps, second)
    with pytest.raises(errors.SecondFactorRequired) as again:
        await sessions.log_in(world.deps, login)
    replayed = CompleteLogInRequest(challenge=again.value.challenge, code=code)
    with pytest.raises(errors.WrongSecondFactor):  # the code is spent
        await second_factor.complete_log_in(world.deps, replayed)


async def test_a_challenge_expires(world: World) -> None:
    account = await registered(world, await onboarded(world))
    _, recovery = await with_totp(world, account)
    with pytest.raises(errors.SecondFactorRequired) as required:
        await sessions.log_in(
            world.deps, LogInRequest(username=account.username, password=PASSWORD)
        )
    world.clock.advance(world.deps.challenge_ttl)
    late = CompleteLogInRequest(challenge=required.value.challenge, code=recovery[0])
    with pytest.raises(errors.ChallengeEnded):
        await second_factor.complete_log_in(world.deps, late)
    assert len(world.store.totp[account.account_id].recovery_digests) == 10  # nothing spent


async def test_wrong_codes_are_counted_until_the_account_must_wait(world: World) -> None:
    account = await registered(world, await onboarded(world))
    await with_totp(world, account)
    account = world.store.accounts[account.account_id]
    for _ in range(LIMITS.per_username.free_failures):
        with pytest.raises(errors.WrongSecondFactor):
            await second_factor.verify_code(world.deps, account, "000000", None)
    with pytest.raises(errors.TooManySecondFactorAttempts):
        await second_factor.verify_code(world.deps, account, "000000", None)
    failed = [e for e in world.store.activity if e.kind == "second_factor.failed"]
    assert len(failed) == LIMITS.per_username.free_failures


async def test_a_recovery_code_works_once(world: World) -> None:
    account = await registered(world, await onboarded(world))
    _, recovery = await with_totp(world, account)
    account = world.store.accounts[account.account_id]
    method = await second_factor.verify_code(world.deps, account, recovery[3], None)
    assert method == "recovery_code"
    with pytest.raises(errors.WrongSecondFactor):
        await second_factor.verify_code(world.deps, account, recovery[3], None)


async def test_an_operator_enrolling_totp_gets_its_permissions_announced(world: World) -> None:
    operator = await operator_in(world)
    scope = await profile.scope_of(world.deps, operator.account_id)
    assert scope.permissions == ()  # nothing until TOTP
    await with_totp(world, operator)
    assert any(isinstance(e, ScopeChanged) for e in world.transactions.emitted)
    scope = await profile.scope_of(world.deps, operator.account_id)
    assert scope.permissions == ("operators.manage",)
    with pytest.raises(errors.TotpRequired):
        await second_factor.disable(
            world.deps, operator.account_id, "000000", None, FakeTransaction()
        )


async def test_only_an_operator_who_may_creates_operators_and_every_refusal_is_kept(
    world: World,
) -> None:
    customer = await registered(world, await onboarded(world))
    request = CreateOperatorRequest(
        caller=caller_for(customer),
        username="op.nuovo",
        email="op.nuovo@example.it",
        full_name="Nuovo",
        password=PASSWORD,
        permissions=("accounts.read",),
    )
    with pytest.raises(errors.OperatorsOnly):
        await operators.create_operator(world.deps, request, FakeTransaction())
    assert await world.store.account_by_username("op.nuovo") is None
    refused = world.store.activity[-1]
    assert (refused.account_id, refused.kind) == (customer.account_id, "access.refused")
    assert refused.details == {"action": "operator.create", "reason": "operators_only"}

    reader = await operator_in(world, ("accounts.read",))
    await with_totp(world, reader)
    as_reader = request.model_copy(update={"caller": caller_for(reader)})
    with pytest.raises(errors.PermissionMissing):
        await operators.create_operator(world.deps, as_reader, FakeTransaction())

    manager = await operator_in(world)
    await with_totp(world, manager)
    as_manager = request.model_copy(update={"caller": caller_for(manager)})
    created = await operators.create_operator(world.deps, as_manager, FakeTransaction())
    assert created.permissions == ("accounts.read",)
    new = world.store.accounts[created.account_id]
    assert (new.role, new.totp_enabled, new.fiscal_code) == ("operator", False, "")
    assert [e.actor_id for e in world.store.activity[-2:]] == [manager.account_id] * 2


# Condominium administrators


async def administrator_in(world: World) -> Account:
    manager = await operator_in(world, ("administrator_codes.issue",))
    await with_totp(world, manager)
    issued = await administrators.issue_code(
        world.deps,
        IssueAdministratorCodeRequest(
            caller=caller_for(manager),
            firm_name="Studio",
            vat_number=random_vat_number(),
            email=f"studio{len(world.store.accounts)}@example.it",
        ),
    )
    reply = await administrators.register_administrator(
        world.deps,
        RegisterAdministratorRequest(
            administrator_code=issued.code,
            username=f"studio.{len(world.store.accounts)}",
            password=PASSWORD,
        ),
        FakeTransaction(),
    )
    return world.store.accounts[reply.account_id]


async def test_a_registered_administrator_announces_where_its_mail_goes(world: World) -> None:
    manager = await operator_in(world, ("administrator_codes.issue",))
    await with_totp(world, manager)
    issued = await administrators.issue_code(
        world.deps,
        IssueAdministratorCodeRequest(
            caller=caller_for(manager),
            firm_name="Studio Bianchi",
            vat_number=random_vat_number(),
            email="studio.bianchi@example.it",
        ),
    )
    tx = FakeTransaction()
    request = RegisterAdministratorRequest(
        administrator_code=issued.code, username="studio.bianchi", password=PASSWORD
    )

    reply = await administrators.register_administrator(world.deps, request, tx)

    assert [e for e in tx.emitted if isinstance(e, AccountContactSet)] == [
        AccountContactSet(
            account_id=reply.account_id,
            email="studio.bianchi@example.it",
            full_name="Studio Bianchi",
            at=NOW,
        )
    ]


async def test_the_code_is_announced_with_the_firm_and_kept_only_as_a_digest(world: World) -> None:
    administrator = await administrator_in(world)
    issued = next(e for e in world.transactions.emitted if isinstance(e, AdministratorCodeIssued))
    assert issued.code not in repr(issued)
    (kept,) = world.store.administrator_codes.values()
    assert kept.used_by == administrator.account_id
    assert issued.code not in repr(kept)
    assert (administrator.role, administrator.fiscal_code) == ("administrator", "")


async def test_adding_a_condominium_needs_its_pin_and_announces_the_new_scope(
    world: World,
) -> None:
    administrator = await administrator_in(world)
    customer = await onboarded(world, fiscal_code=random_vat_number())
    wrong = AddCondominiumRequest(
        caller=caller_for(administrator),
        customer_code=customer.customer_code,
        registration_pin="00000000",
    )
    tx = FakeTransaction()
    with pytest.raises(errors.WrongPin):
        await administrators.add_condominium(world.deps, wrong, tx)
    assert not tx.emitted
    assert world.store.accounts[administrator.account_id].customer_codes == ()
    assert world.store.activity[-1].details["reason"] == "wrong_pin"
    assert world.store.failures_of(fiscal_code_subject(customer.fiscal_code)) == 1

    right = wrong.model_copy(update={"registration_pin": customer.registration_pin})
    reply = await administrators.add_condominium(world.deps, right, tx)
    assert reply.customer_codes == (customer.customer_code,)
    assert [e for e in tx.emitted if isinstance(e, ScopeChanged)] == [
        ScopeChanged(account_id=administrator.account_id, customer_codes=(customer.customer_code,))
    ]

    removal = RemoveCondominiumRequest(
        caller=caller_for(administrator), customer_code=customer.customer_code
    )
    removed = FakeTransaction()
    assert (
        await administrators.remove_condominium(world.deps, removal, removed)
    ).customer_codes == ()
    assert [e for e in removed.emitted if isinstance(e, ScopeChanged)] == [
        ScopeChanged(account_id=administrator.account_id, customer_codes=())
    ]
    assert world.store.customers[customer.customer_code].administrator_id is None


# The trail, read


async def test_the_trail_reads_newest_first_in_pages_that_join_up(world: World) -> None:
    account = await registered(world, await onboarded(world))
    for _ in range(5):
        world.clock.advance(SECOND)
        await world.deps.transactions.transaction(
            lambda tx: activity.record(world.deps, tx, account.account_id, "password.changed")
        )
    mine = [e.activity_id for e in world.store.activity if e.account_id == account.account_id]
    caller = caller_for(account)
    first = await trail.my_activity(world.deps, MyActivityRequest(caller=caller, limit=3))
    assert first.next_cursor is not None
    rest = await trail.my_activity(
        world.deps, MyActivityRequest(caller=caller, limit=3, before=first.next_cursor)
    )
    assert rest.next_cursor is None
    read = [e.activity_id for e in (*first.entries, *rest.entries)]
    assert read == list(reversed(mine))
    with pytest.raises(errors.InvalidCursor):
        await trail.my_activity(world.deps, MyActivityRequest(caller=caller, before="bm9wZQ"))


async def test_an_operator_reading_a_trail_is_in_it(world: World) -> None:
    customer = await registered(world, await onboarded(world))
    reader = await operator_in(world, ("accounts.read",))
    await with_totp(world, reader)
    request = CustomerActivityRequest(caller=caller_for(reader), account_id=customer.account_id)
    page = await trail.customer_activity(world.deps, request)
    assert page.entries[0].kind == "trail.read_by_operator"
    assert page.entries[0].actor_id == reader.account_id
    with pytest.raises(errors.OperatorsOnly):
        await trail.customer_activity(
            world.deps, request.model_copy(update={"caller": caller_for(customer)})
        )
    missing = request.model_copy(update={"account_id": "nobody"})
    with pytest.raises(errors.AccountNotFound):
        await trail.customer_activity(world.deps, missing)


# Lost password or username, and password changes

NEW_PASSWORD = "Autunno-a-Trieste-31"


async def locked_out(world: World, username: str) -> None:
    """The username locked, and still locked now."""
    answers = await guesses_until_locked(world, username)
    world.clock.advance(-timedelta(seconds=answers[-1][1] or 0))  # back inside the lock
    assert (await answer_to(world, log_in_as(username)))[0] == "AccountLocked"


async def ask(world: World, email: str, address: str | None = None) -> list[EventPayload]:
    """A lost-password request answered; the events it wrote."""
    tx = FakeTransaction()
    request = RecoverAccountRequest(
        email=email, client_address=ip_address(address) if address else None
    )
    await recovery.ask_recovery(world.deps, request, tx)
    return tx.emitted


async def reset_link_for(world: World, account: Account) -> str:
    """Ask for a reset link of the account's address and return the token its mail carries."""
    (asked,) = await ask(world, account.email)
    assert isinstance(asked, AccountRecoveryAsked)
    tx = FakeTransaction()
    await recovery.issue_reset_link(world.deps, asked, tx)
    issued = [e for e in tx.emitted if isinstance(e, PasswordResetIssued)]
    assert len(issued) == 1
    return issued[0].reset_token


async def reset(world: World, token: str, password: str = NEW_PASSWORD) -> FakeTransaction:
    tx = FakeTransaction()
    request = ResetPasswordRequest(reset_token=token, new_password=password)
    await recovery.reset_password(world.deps, request, tx)
    return tx


async def test_a_recovery_request_is_answered_alike_for_known_and_unknown_addresses(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    known = await ask(world, account.email.upper())
    unknown = await ask(world, "nessuno@example.it")
    # One event each, the address unlooked at: the work that differs happens after the answer.
    assert known == [AccountRecoveryAsked(email=account.email)]
    assert unknown == [AccountRecoveryAsked(email="nessuno@example.it")]
    tx = FakeTransaction()
    await recovery.issue_reset_link(world.deps, unknown[0], tx)  # type: ignore[arg-type]
    assert tx.emitted == []
    assert world.store.challenges == {}


async def test_a_reset_link_is_kept_as_a_digest_and_its_mail_carries_the_username(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    (asked,) = await ask(world, account.email, "203.0.113.7")
    tx = FakeTransaction()
    await recovery.issue_reset_link(world.deps, asked, tx)  # type: ignore[arg-type]
    issued = next(e for e in tx.emitted if isinstance(e, PasswordResetIssued))
    assert issued.username == account.username
    assert issued.email == account.email
    assert issued.expires_at == NOW + timedelta(minutes=30)
    assert issued.reset_token.startswith("pr_")
    assert set(world.store.challenges) == {link_token_key(issued.reset_token)}
    assert issued.reset_token not in repr(issued)
    trail = [(a.kind, a.client_address) for a in world.store.activity]
    assert trail == [("password_reset.requested", "203.0.113.7")]


async def test_a_reset_sets_the_password_spends_the_link_and_ends_sessions_and_lock(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    await sessions.log_in(world.deps, log_in_as(account.username))
    await locked_out(world, account.username)
    token = await reset_link_for(world, account)

    tx = await reset(world, token)

    assert world.store.accounts[account.account_id].password_hash == f"h:{NEW_PASSWORD}"
    assert world.store.challenges == {}
    assert [s for s in world.store.sessions.values() if s.account_id == account.account_id] == []
    changed = [e for e in tx.emitted if isinstance(e, PasswordChanged)]
    assert [(c.how, c.email) for c in changed] == [("reset", account.email)]
    assert "password.reset" in [e.kind for e in tx.emitted if isinstance(e, AccountActivity)]
    # The lock is over: the new password opens a session at once.
    assert await answer_to(world, log_in_as(account.username, NEW_PASSWORD)) == ("session", None)


@pytest.mark.parametrize("attack", ["replayed", "expired", "tampered", "older", "empty"])
async def test_a_link_that_is_no_longer_valid_changes_nothing(world: World, attack: str) -> None:
    account = await registered(world, await onboarded(world))
    token = await reset_link_for(world, account)
    if attack == "replayed":
        await reset(world, token)
        account = world.store.accounts[account.account_id]
    elif attack == "expired":
        world.clock.advance(timedelta(minutes=30))
    elif attack == "tampered":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif attack == "older":
        await reset_link_for(world, account)  # a newer mail voids this one
    else:
        token = ""
    before = dict(world.store.accounts)
    with pytest.raises(errors.LinkInvalid):
        await reset(world, token, "Inverno-a-Bolzano-58")
    assert world.store.accounts == before


async def test_another_accounts_link_resets_only_that_account(world: World) -> None:
    mine = await registered(world, await onboarded(world))
    theirs = await registered(world, await onboarded(world))
    await reset(world, await reset_link_for(world, theirs))
    assert world.store.accounts[mine.account_id].password_hash == f"h:{PASSWORD}"
    assert world.store.accounts[theirs.account_id].password_hash == f"h:{NEW_PASSWORD}"


async def test_a_refused_new_password_leaves_the_link_usable(world: World) -> None:
    account = await registered(world, await onboarded(world))
    token = await reset_link_for(world, account)
    with pytest.raises(errors.WeakPassword):
        await reset(world, token, "Password2026!")
    await reset(world, token)
    assert world.store.accounts[account.account_id].password_hash == f"h:{NEW_PASSWORD}"


async def test_recovery_requests_are_limited_per_address_and_per_client(world: World) -> None:
    # The defaults: 3 free per address, then a growing wait.
    for _ in range(3):
        await ask(world, "anna@example.it")
    with pytest.raises(errors.TooManyRecoveryRequests) as waiting:
        await ask(world, "ANNA@example.it")
    assert waiting.value.retry_after == 1
    assert await ask(world, "bruno@example.it")  # another address is not held up
    world.clock.advance(SECOND)
    assert await ask(world, "anna@example.it")

    # One client asking for many addresses is stopped by the per-address limit of guesses.
    for n in range(LIMITS.per_address.free_failures):
        await ask(world, f"vittima{n}@example.it", "198.51.100.9")
    with pytest.raises(errors.TooManyRecoveryRequests):
        await ask(world, "altra@example.it", "198.51.100.9")
    # Counted apart from wrong passwords: the client may still log in.
    assert world.store.failures_of("address:198.51.100.9") == 0


def change(
    account: Account, current: str, new: str, session_id: str | None = None
) -> ChangePasswordRequest:
    return ChangePasswordRequest(
        caller=Caller(user_id=account.account_id, role="customer", session_id=session_id),
        current_password=current,
        new_password=new,
    )


async def test_a_password_change_ends_every_other_session_and_tells_the_address(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    mine = await sessions.log_in(world.deps, log_in_as(account.username))
    await sessions.log_in(world.deps, log_in_as(account.username))
    family = world.store.sessions[f"digest:{mine.refresh_token}"].family
    tx = FakeTransaction()

    await passwords.change_password(world.deps, change(account, PASSWORD, NEW_PASSWORD, family), tx)

    assert world.store.accounts[account.account_id].password_hash == f"h:{NEW_PASSWORD}"
    assert {s.family for s in world.store.sessions.values()} == {family}
    assert [(e.how, e.email) for e in tx.emitted if isinstance(e, PasswordChanged)] == [
        ("changed", account.email)
    ]
    assert world.store.activity[-1].kind == "password.changed"


async def test_a_wrong_current_password_is_counted_as_a_guess_and_recorded(world: World) -> None:
    account = await registered(world, await onboarded(world))
    with pytest.raises(errors.WrongCurrentPassword):
        await passwords.change_password(
            world.deps, change(account, "Sbagliata-123", NEW_PASSWORD), FakeTransaction()
        )
    assert world.store.failures_of(f"username:{account.username}") == 1
    assert world.store.activity[-1].kind == "password.change_refused"
    assert world.store.accounts[account.account_id].password_hash == f"h:{PASSWORD}"
    # A locked username cannot be guessed through the profile either.
    await locked_out(world, account.username)
    with pytest.raises(errors.AccountLocked):
        await passwords.change_password(
            world.deps, change(account, PASSWORD, NEW_PASSWORD), FakeTransaction()
        )


async def test_a_weak_new_password_is_refused_before_any_guess(world: World) -> None:
    account = await registered(world, await onboarded(world))
    with pytest.raises(errors.WeakPassword):
        await passwords.change_password(
            world.deps, change(account, "Sbagliata-123", "qwertyuiop"), FakeTransaction()
        )
    assert world.store.failures_of(f"username:{account.username}") == 0


# Verified e-mail addresses


async def register_with_email(
    world: World, email: str
) -> tuple[NewCustomer, Account, FakeTransaction]:
    customer = await onboarded(world)
    tx = FakeTransaction()
    request = registration_of(customer, email=email)
    reply = await registration.register_account(world.deps, request, tx)
    return customer, world.store.accounts[reply.account_id], tx


def confirmation_in(tx: FakeTransaction) -> EmailConfirmationIssued:
    (issued,) = [e for e in tx.emitted if isinstance(e, EmailConfirmationIssued)]
    return issued


async def confirm(world: World, token: str) -> FakeTransaction:
    tx = FakeTransaction()
    request = ConfirmEmailRequest(confirmation_token=token)
    await email_address.confirm_email(world.deps, request, tx)
    return tx


async def change_email_of(world: World, account: Account, email: str) -> FakeTransaction:
    tx = FakeTransaction()
    caller = Caller(user_id=account.account_id, role="customer")
    await email_address.change_email(
        world.deps, ChangeEmailRequest(caller=caller, email=email, current_password=PASSWORD), tx
    )
    return tx


async def test_an_address_change_needs_the_current_password_and_a_wrong_one_is_kept(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    caller = Caller(user_id=account.account_id, role="customer")
    request = ChangeEmailRequest(
        caller=caller, email="altro@example.it", current_password="Non-la-mia-2026"
    )
    with pytest.raises(errors.WrongCurrentPassword):
        await email_address.change_email(world.deps, request, FakeTransaction())
    assert world.store.challenges == {}  # no link sent
    assert world.store.activity[-1].kind == "email.change_refused"


async def test_an_address_typed_at_registration_waits_for_its_link(world: World) -> None:
    customer, account, tx = await register_with_email(world, "Nuovo@Example.it")
    assert (account.email, account.email_verified) == ("nuovo@example.it", False)
    assert account.contact_email == customer.email
    registered_event = next(e for e in tx.emitted if isinstance(e, AccountRegistered))
    assert registered_event.email == customer.email  # the summary goes where mail goes
    issued = confirmation_in(tx)
    assert (issued.new_email, issued.current_email) == ("nuovo@example.it", customer.email)
    assert issued.confirmation_token.startswith("ec_")
    assert issued.confirmation_token not in repr(issued)
    shown = await profile.profile_of(world.deps, account.account_id)
    assert (shown.email, shown.pending_email) == (customer.email, "nuovo@example.it")


async def test_the_back_offices_address_typed_again_needs_no_link(world: World) -> None:
    customer = await onboarded(world)
    tx = FakeTransaction()
    request = registration_of(customer, email=customer.email.upper())
    reply = await registration.register_account(world.deps, request, tx)
    assert world.store.accounts[reply.account_id].email_verified
    assert (reply.email, reply.pending_email) == (customer.email, None)
    assert not any(isinstance(e, EmailConfirmationIssued) for e in tx.emitted)


async def test_following_the_link_makes_the_address_the_accounts_once(world: World) -> None:
    customer, account, tx = await register_with_email(world, "nuovo@example.it")
    token = confirmation_in(tx).confirmation_token

    confirmed = await confirm(world, token)

    now = world.store.accounts[account.account_id]
    assert (now.contact_email, now.email_verified) == ("nuovo@example.it", True)
    (changed,) = [e for e in confirmed.emitted if isinstance(e, EmailChanged)]
    assert (changed.old_email, changed.new_email) == (customer.email, "nuovo@example.it")
    assert world.store.activity[-1].kind == "email.confirmed"
    with pytest.raises(errors.LinkInvalid):
        await confirm(world, token)


async def test_an_unconfirmed_address_cannot_receive_a_reset_link(world: World) -> None:
    # Anyone can type someone else's address: until it is confirmed, it gets nothing.
    customer, account, _ = await register_with_email(world, "non.mio@example.it")
    tx = FakeTransaction()
    await recovery.issue_reset_link(
        world.deps, AccountRecoveryAsked(email="non.mio@example.it"), tx
    )
    assert tx.emitted == []
    await recovery.issue_reset_link(world.deps, AccountRecoveryAsked(email=customer.email), tx)
    (issued,) = [e for e in tx.emitted if isinstance(e, PasswordResetIssued)]
    assert (issued.email, issued.username) == (customer.email, account.username)


async def test_a_change_from_the_profile_is_confirmed_and_only_the_latest_link_works(
    world: World,
) -> None:
    customer = await onboarded(world)
    account = await registered(world, customer)
    first = confirmation_in(await change_email_of(world, account, "primo@example.it"))
    assert first.current_email == customer.email  # the old address is told
    second = confirmation_in(await change_email_of(world, account, "secondo@example.it"))
    assert world.store.accounts[account.account_id].email == customer.email  # nothing yet

    with pytest.raises(errors.LinkInvalid):
        await confirm(world, first.confirmation_token)
    await confirm(world, second.confirmation_token)
    assert world.store.accounts[account.account_id].email == "secondo@example.it"


@pytest.mark.parametrize("attack", ["expired", "tampered", "reset_link"])
async def test_a_confirmation_link_no_longer_valid_changes_nothing(
    world: World, attack: str
) -> None:
    customer = await onboarded(world)
    account = await registered(world, customer)
    token = confirmation_in(
        await change_email_of(world, account, "altro@example.it")
    ).confirmation_token
    if attack == "expired":
        world.clock.advance(timedelta(hours=24))
    elif attack == "tampered":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    else:
        token = await reset_link_for(world, account)  # a link of another purpose
    with pytest.raises(errors.LinkInvalid):
        await confirm(world, token)
    assert world.store.accounts[account.account_id].email == customer.email


async def test_another_accounts_address_is_refused_when_asked_and_when_confirmed(
    world: World,
) -> None:
    mine = await registered(world, await onboarded(world))
    theirs = await registered(world, await onboarded(world))
    with pytest.raises(errors.EmailTaken):
        await change_email_of(world, mine, theirs.email)
    token = confirmation_in(
        await change_email_of(world, mine, "conteso@example.it")
    ).confirmation_token
    await confirm(
        world,
        confirmation_in(
            await change_email_of(world, theirs, "conteso@example.it")
        ).confirmation_token,
    )
    with pytest.raises(errors.EmailTaken):
        await confirm(world, token)
    assert world.store.accounts[mine.account_id].email == mine.email


# Phone numbers confirmed by a code

MOBILE = "+393331234567"


async def ask_code(world: World, account: Account, number: str = MOBILE) -> PhoneCodeIssued:
    tx = FakeTransaction()
    caller = Caller(user_id=account.account_id, role="customer")
    await phone.change_phone(world.deps, ChangePhoneRequest(caller=caller, phone=number), tx)
    (issued,) = [e for e in tx.emitted if isinstance(e, PhoneCodeIssued)]
    return issued


async def enter_code(world: World, account: Account, code: str) -> FakeTransaction:
    tx = FakeTransaction()
    caller = Caller(user_id=account.account_id, role="customer")
    await phone.confirm_phone(world.deps, ConfirmPhoneRequest(caller=caller, code=code), tx)
    return tx


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def test_the_right_code_makes_the_number_the_accounts_and_tells_the_address(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    issued = await ask_code(world, account, "+39 333 123 4567")
    assert issued.phone == MOBILE
    assert len(issued.code) == 6
    assert issued.code not in repr(issued)
    (stored,) = world.store.challenges.values()
    assert stored.code_hash == f"h:{issued.code}"  # hashed (the fake's scheme), never kept bare
    assert issued.code not in repr(stored)
    assert world.store.accounts[account.account_id].phone is None  # not before the code

    tx = await enter_code(world, account, issued.code)

    assert world.store.accounts[account.account_id].phone == MOBILE
    (changed,) = [e for e in tx.emitted if isinstance(e, PhoneChanged)]
    assert (changed.email, changed.new_phone) == (account.email, MOBILE)
    assert world.store.activity[-1].details == {"phone": "+39*******567"}
    with pytest.raises(errors.CodeInvalid):
        await enter_code(world, account, issued.code)  # spent


async def test_wrong_codes_are_counted_and_the_fifth_voids_the_code(world: World) -> None:
    account = await registered(world, await onboarded(world))
    issued = await ask_code(world, account)
    for _ in range(4):
        with pytest.raises(errors.CodeInvalid):
            await enter_code(world, account, wrong(issued.code))
    with pytest.raises(errors.CodeAttemptsExhausted):
        await enter_code(world, account, wrong(issued.code))
    with pytest.raises(errors.CodeInvalid):
        await enter_code(world, account, issued.code)  # void now, even the right one
    assert world.store.accounts[account.account_id].phone is None


@pytest.mark.parametrize("attack", ["expired", "older", "another_account", "none_asked"])
async def test_a_code_no_longer_valid_changes_nothing(
    world: World, attack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = iter(["111111", "222222"])  # two codes that differ, as random ones nearly always do
    monkeypatch.setattr(phone, "new_phone_code", lambda: next(codes))
    account = await registered(world, await onboarded(world))
    other = await registered(world, await onboarded(world))
    issued = await ask_code(world, account)
    code, entering = issued.code, account
    if attack == "expired":
        world.clock.advance(timedelta(minutes=10))
    elif attack == "older":
        await ask_code(world, account, "+393339876543")
    elif attack == "another_account":
        entering = other  # the code of `account` is nothing to `other`
    else:
        world.store.challenges.clear()
    with pytest.raises(errors.CodeInvalid):
        await enter_code(world, entering, code)
    assert {a.phone for a in world.store.accounts.values()} == {None}


async def test_codes_texted_are_limited_per_number_and_per_account(world: World) -> None:
    account = await registered(world, await onboarded(world))
    for _ in range(3):
        await ask_code(world, account)
    with pytest.raises(errors.TooManyCodesSent):
        await ask_code(world, account)
    with pytest.raises(errors.TooManyCodesSent):
        await ask_code(world, account, "+393339876543")  # the account's own count
    other = await registered(world, await onboarded(world))
    with pytest.raises(errors.TooManyCodesSent):
        await ask_code(world, other)  # the number's count


# Contact preferences and registered personal data


async def test_contact_preferences_change_at_once_and_texts_need_a_confirmed_number(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    by_text = UpdateContactPreferencesRequest(
        caller=caller_of(account), preferred_channel="sms", preferred_times=("evening",)
    )
    with pytest.raises(errors.PhoneRequired):
        await personal_data.update_contact_preferences(world.deps, by_text, FakeTransaction())
    await enter_code(world, account, (await ask_code(world, account)).code)

    reply = await personal_data.update_contact_preferences(world.deps, by_text, FakeTransaction())

    assert (reply.preferred_channel, reply.preferred_times) == ("sms", ("evening",))
    shown = await profile.profile_of(world.deps, account.account_id)
    assert (shown.preferred_channel, shown.preferred_times) == ("sms", ("evening",))
    assert world.store.activity[-1].details == {"channel": "sms", "times": "evening"}


async def test_a_change_of_registered_data_is_a_request_and_changes_nothing(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    residence = Residence(
        street="Via Garibaldi 7", postal_code="20121", city="Milano", province="mi"
    )
    tx = FakeTransaction()
    request = RequestPersonalDataChange(
        caller=caller_of(account), full_name="Anna Maria Ferrari", residence=residence
    )

    reply = await personal_data.request_personal_data_change(world.deps, request, tx)

    (asked,) = [e for e in tx.emitted if isinstance(e, PersonalDataChangeRequested)]
    assert asked.change_id == reply.change_id
    assert (asked.full_name, asked.requested_full_name) == (account.full_name, "Anna Maria Ferrari")
    assert asked.requested_residence == residence
    assert asked.requested_residence.province == "MI"
    assert asked.customer_codes == account.customer_codes
    assert world.store.accounts[account.account_id] == account  # nothing changed
    assert world.store.activity[-1].details == {
        "change_id": reply.change_id,
        "fields": "full_name,residence",
    }


async def test_a_new_fiscal_code_must_be_valid_and_something_must_be_asked(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    broken = random_fiscal_code()[:15] + "0"
    request = RequestPersonalDataChange(caller=caller_of(account), fiscal_code=broken)
    with pytest.raises(errors.InvalidFiscalCode):
        await personal_data.request_personal_data_change(world.deps, request, FakeTransaction())
    with pytest.raises(ValueError, match="say what to change"):
        RequestPersonalDataChange(caller=caller_of(account), note="solo una nota")
