"""Identity's use cases against in-memory fakes of their ports: the rules, without any I/O."""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from typing import Any, TypeVar

import pytest

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
    EndSessionRequest,
    LogInRequest,
    RefreshSessionRequest,
    RegisterAccountRequest,
    ScopeChanged,
)
from sportello_contracts.personal_data import (
    PersonalDataChangeRequested,
    RequestPersonalDataChange,
    Residence,
    UpdateContactPreferencesRequest,
)
from sportello_contracts.rpc import Caller
from sportello_deploy.backoffice import NewCustomer
from sportello_deploy.testing import random_customer, random_fiscal_code
from sportello_identity.domain import errors
from sportello_identity.domain.accounts import Account, Customer, CustomerDetails
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.attempts import Attempts, GuessLimit, GuessLimits
from sportello_identity.domain.challenges import Challenge, Purpose, link_token_key
from sportello_identity.domain.sessions import SessionRecord
from sportello_identity.usecases import (
    email_address,
    guesses,
    onboarding,
    passwords,
    personal_data,
    phone,
    profile,
    recovery,
    registration,
    sessions,
)
from sportello_identity.usecases.ports import Dependencies

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

    def registrable(self) -> Customer | None:
        if self.details is None or self.pin_hash is None:
            return None
        d = self.details
        return Customer(
            d.customer_code, self.fiscal_code, d.full_name, d.email, self.pin_hash, self.account_id
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
            if other.fiscal_code == account.fiscal_code:
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

    async def spend_session(self, key: str) -> SessionRecord | None:
        record = self.sessions.get(key)
        if record is not None:
            self.sessions[key] = replace(record, spent=True)
        return record

    async def revoke_family(self, family: str) -> None:
        self.sessions = {k: s for k, s in self.sessions.items() if s.family != family}

    async def revoke_sessions_of(
        self, account_id: str, *, keep: str | None, session: object
    ) -> None:
        self.sessions = {
            k: s for k, s in self.sessions.items() if s.account_id != account_id or s.family == keep
        }

    async def insert_activity(self, entry: Activity, session: object) -> None:
        self.activity.append(entry)

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

    def access_token(self, account_id: str, role: str) -> str:
        return f"access:{account_id}:{role}"

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
    (event,) = tx.emitted
    assert isinstance(event, AccountRegistered)
    assert (event.account_id, event.username) == (account.account_id, account.username)


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
    await email_address.change_email(world.deps, ChangeEmailRequest(caller=caller, email=email), tx)
    return tx


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


def as_caller(account: Account) -> Caller:
    return Caller(user_id=account.account_id, role="customer")


async def test_contact_preferences_change_at_once_and_texts_need_a_confirmed_number(
    world: World,
) -> None:
    account = await registered(world, await onboarded(world))
    by_text = UpdateContactPreferencesRequest(
        caller=as_caller(account), preferred_channel="sms", preferred_times=("evening",)
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
        caller=as_caller(account), full_name="Anna Maria Ferrari", residence=residence
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
    request = RequestPersonalDataChange(caller=as_caller(account), fiscal_code=broken)
    with pytest.raises(errors.InvalidFiscalCode):
        await personal_data.request_personal_data_change(world.deps, request, FakeTransaction())
    with pytest.raises(ValueError, match="say what to change"):
        RequestPersonalDataChange(caller=as_caller(account), note="solo una nota")
