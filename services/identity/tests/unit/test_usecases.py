"""Identity's use cases against in-memory fakes of their ports: the rules, without any I/O."""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import EventPayload
from sportello_contracts.identity import (
    AccountRegistered,
    LogInRequest,
    RefreshSessionRequest,
    RegisterAccountRequest,
    ScopeChanged,
)
from sportello_deploy.testing import random_customer, random_fiscal_code
from sportello_identity.domain import errors
from sportello_identity.domain.accounts import Account, Customer
from sportello_identity.domain.attempts import PinAttempts
from sportello_identity.domain.sessions import SessionRecord
from sportello_identity.usecases import onboarding, profile, registration, sessions
from sportello_identity.usecases.ports import Dependencies

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PASSWORD = "Girasole-di-Marzo-26"


# Fakes of the ports


class FakeStore:
    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.accounts: dict[str, Account] = {}
        self.sessions: dict[str, SessionRecord] = {}
        self.pin_attempts: dict[str, PinAttempts] = {}

    async def customers_of(self, fiscal_code: str, session: Any = None) -> list[Customer]:
        return [c for c in self.customers.values() if c.fiscal_code == fiscal_code]

    async def save_onboarded(self, customer: Customer, session: Any) -> None:
        existing = self.customers.get(customer.customer_code)
        if existing is not None and existing.account_id is not None:
            customer = replace(customer, pin_hash=existing.pin_hash, account_id=existing.account_id)
        self.customers[customer.customer_code] = customer

    async def mark_registered(
        self, customer_codes: list[str], account_id: str, session: Any
    ) -> None:
        for code in customer_codes:
            self.customers[code] = replace(self.customers[code], account_id=account_id)

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

    async def record_login(
        self, account_id: str, failures: int, locked_until: datetime | None
    ) -> None:
        account = self.accounts[account_id]
        self.accounts[account_id] = replace(
            account, login_failures=failures, locked_until=locked_until
        )

    async def set_password_hash(self, account_id: str, password_hash: str) -> None:
        account = self.accounts[account_id]
        self.accounts[account_id] = replace(account, password_hash=password_hash)

    async def pin_attempts_of(self, fiscal_code: str) -> PinAttempts:
        return self.pin_attempts.get(fiscal_code, PinAttempts())

    async def record_pin_attempts(
        self, fiscal_code: str, attempts: PinAttempts, expires_at: datetime
    ) -> None:
        self.pin_attempts[fiscal_code] = attempts

    async def insert_session(self, record: SessionRecord) -> None:
        self.sessions[record.key] = record

    async def spend_session(self, key: str) -> SessionRecord | None:
        record = self.sessions.get(key)
        if record is not None:
            self.sessions[key] = replace(record, spent=True)
        return record

    async def revoke_family(self, family: str) -> None:
        self.sessions = {k: s for k, s in self.sessions.items() if s.family != family}


class FakeHasher:
    """`<scheme>:<secret>`: cheap, and visibly not the secret."""

    def __init__(self) -> None:
        self.scheme = "h"
        self.verified: list[str | None] = []

    async def hash(self, secret: str) -> str:
        return f"{self.scheme}:{secret}"

    async def verify(self, hashed: str | None, secret: str) -> bool:
        self.verified.append(hashed)
        return hashed is not None and hashed.split(":", 1)[1] == secret

    def needs_rehash(self, hashed: str) -> bool:
        return not hashed.startswith(f"{self.scheme}:")


@dataclass
class FakeClock:
    at: datetime = NOW

    def now(self) -> datetime:
        return self.at


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
class World:
    deps: Dependencies
    store: FakeStore
    hasher: FakeHasher
    clock: FakeClock


@pytest.fixture
def world() -> World:
    store, hasher, clock = FakeStore(), FakeHasher(), FakeClock()
    deps = Dependencies(store, hasher, clock, FakeTokens(), refresh_ttl=timedelta(days=30))
    return World(deps, store, hasher, clock)


# Helpers


async def onboarded(world: World, **overrides: str) -> CustomerOnboarded:
    customer = random_customer(**overrides)
    await onboarding.record_onboarded_customer(world.deps, customer, FakeTransaction())
    return customer


def registration_of(customer: CustomerOnboarded, **overrides: Any) -> RegisterAccountRequest:
    values = {
        "fiscal_code": customer.fiscal_code,
        "registration_pin": customer.registration_pin,
        "username": f"user.{customer.customer_code.lower()}",
        "password": PASSWORD,
        **overrides,
    }
    return RegisterAccountRequest(**values)


async def registered(world: World, customer: CustomerOnboarded, **overrides: Any) -> Account:
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
    assert world.store.pin_attempts[customer.fiscal_code].failures == 1
    assert (world.store.accounts, tx.emitted) == ({}, [])


async def test_a_fiscal_code_that_is_no_customer_costs_a_verification_too(world: World) -> None:
    stranger = random_customer(fiscal_code=random_fiscal_code())
    with pytest.raises(errors.WrongPin):
        await registration.register_account(
            world.deps, registration_of(stranger), FakeTransaction()
        )
    assert world.hasher.verified == [None]


async def test_too_many_wrong_pins_lock_the_fiscal_code_even_for_the_right_one(
    world: World,
) -> None:
    customer = await onboarded(world, registration_pin="11111111")
    wrong = registration_of(customer, registration_pin="22222222")
    for _ in range(5):
        with pytest.raises(errors.WrongPin):
            await registration.register_account(world.deps, wrong, FakeTransaction())

    with pytest.raises(errors.TooManyPinAttempts):
        await registration.register_account(
            world.deps, registration_of(customer), FakeTransaction()
        )

    world.clock.at = NOW + timedelta(minutes=31)
    assert (await registered(world, customer)).customer_codes == (customer.customer_code,)


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


# Onboarding


async def test_an_onboarded_customer_is_kept_with_its_pin_hashed(world: World) -> None:
    tx = FakeTransaction()
    customer = random_customer(email="Mario.Rossi@Example.it")
    await onboarding.record_onboarded_customer(world.deps, customer, tx)
    kept = world.store.customers[customer.customer_code]
    assert kept.pin_hash == f"h:{customer.registration_pin}"
    assert kept.email == "mario.rossi@example.it"
    assert tx.emitted == []


async def test_a_later_customer_code_joins_the_registered_account(world: World) -> None:
    first = await onboarded(world)
    account = await registered(world, first)
    later = random_customer(fiscal_code=first.fiscal_code)
    tx = FakeTransaction()

    await onboarding.record_onboarded_customer(world.deps, later, tx)

    codes = (first.customer_code, later.customer_code)
    assert world.store.accounts[account.account_id].customer_codes == codes
    assert world.store.customers[later.customer_code].account_id == account.account_id
    assert tx.emitted == [ScopeChanged(account_id=account.account_id, customer_codes=codes)]

    again = FakeTransaction()
    await onboarding.record_onboarded_customer(world.deps, later, again)
    assert again.emitted == []  # already in the account: nothing changes


async def test_a_customer_with_an_invalid_fiscal_code_is_refused(world: World) -> None:
    customer = random_customer(fiscal_code="RSSMRA80A01H501A")
    with pytest.raises(errors.InvalidFiscalCode):
        await onboarding.record_onboarded_customer(world.deps, customer, FakeTransaction())
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


async def test_an_unknown_username_is_wrong_credentials_at_the_cost_of_a_check(
    world: World,
) -> None:
    with pytest.raises(errors.WrongCredentials):
        await sessions.log_in(world.deps, LogInRequest(username="nobody", password=PASSWORD))
    assert world.hasher.verified == [None]


async def test_wrong_passwords_lock_the_account_until_the_lock_expires(world: World) -> None:
    account = await registered(world, await onboarded(world))
    wrong = LogInRequest(username=account.username, password="Sbagliata-123")
    right = LogInRequest(username=account.username, password=PASSWORD)
    for _ in range(10):
        with pytest.raises(errors.WrongCredentials):
            await sessions.log_in(world.deps, wrong)

    with pytest.raises(errors.AccountLocked):
        await sessions.log_in(world.deps, right)

    world.clock.at = NOW + timedelta(minutes=16)
    await sessions.log_in(world.deps, right)
    unlocked = world.store.accounts[account.account_id]
    assert (unlocked.login_failures, unlocked.locked_until) == (0, None)


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
