"""Identity's store against the real database: customers, accounts, sessions, PIN attempts."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from sportello_deploy.testing import random_fiscal_code
from sportello_identity.adapters.hashing import hash_secret, verify_secret
from sportello_identity.adapters.store import IdentityStore
from sportello_identity.domain.accounts import Account, Customer
from sportello_identity.domain.attempts import PinAttempts
from sportello_identity.domain.errors import AlreadyRegistered, EmailTaken, UsernameTaken
from sportello_identity.domain.sessions import SessionRecord
from sportello_kit.mongo import Database, connect

# To the millisecond: the database keeps no finer time, so what is read back equals it.
MONDAY = datetime(2026, 11, 23, 9, 0, 0, 123000, tzinfo=UTC)


def from_now(delta: timedelta) -> datetime:
    """A time still ahead, so the TTL indexes on expiry times never remove a test's documents."""
    later = datetime.now(UTC) + delta
    return later.replace(microsecond=later.microsecond // 1000 * 1000)


@pytest_asyncio.fixture(loop_scope="session")
async def database(servers: Any) -> AsyncIterator[Database]:
    client = connect(servers.mongo_url)
    name = f"identity_test_{uuid4().hex[:8]}"
    try:
        yield Database(client, name)
    finally:
        await client.drop_database(name)
        await client.close()


@pytest_asyncio.fixture(loop_scope="session")
async def store(database: Database) -> IdentityStore:
    store = IdentityStore(database.db)
    await store.create_indexes()
    return store


async def onboard(database: Database, store: IdentityStore, customer: Customer) -> None:
    await database.transaction(lambda session: store.save_onboarded(customer, session))


async def insert(database: Database, store: IdentityStore, account: Account) -> None:
    await database.transaction(lambda session: store.insert_account(account, session))


def a_customer(fiscal_code: str, pin_hash: str = "not-a-real-hash") -> Customer:
    return Customer(
        customer_code=f"C{uuid4().int % 10**8:08d}",
        fiscal_code=fiscal_code,
        full_name="Giulia Bianchi",
        email=f"giulia.{uuid4().hex[:6]}@example.it",
        pin_hash=pin_hash,
    )


def an_account(**overrides: Any) -> Account:
    suffix = uuid4().hex[:8]
    values: dict[str, Any] = {
        "account_id": f"acc-{suffix}",
        "username": f"giulia.{suffix}",
        "email": f"giulia.{suffix}@example.it",
        "full_name": "Giulia Bianchi",
        "fiscal_code": random_fiscal_code(),
        "password_hash": "not-a-real-hash",
        "registered_at": MONDAY,
        "customer_codes": (f"C{uuid4().int % 10**8:08d}",),
    }
    return Account(**(values | overrides))


def a_session(family: str, key: str | None = None) -> SessionRecord:
    return SessionRecord(
        key=key or uuid4().hex,
        account_id="acc-1",
        family=family,
        expires_at=from_now(timedelta(days=30)),
    )


# Customers


async def test_an_onboarded_customer_is_read_back_by_fiscal_code_with_its_pin_hashed(
    database: Database, store: IdentityStore
) -> None:
    fiscal_code = random_fiscal_code()
    customer = a_customer(fiscal_code, pin_hash=await hash_secret("12345678"))
    await onboard(database, store, customer)

    assert await store.customers_of(fiscal_code) == [customer]
    stored = await database.db.customers.find_one({"_id": customer.customer_code})
    assert stored is not None
    assert "12345678" not in str(stored)
    assert await verify_secret(stored["pin_hash"], "12345678")


async def test_customers_of_an_unknown_fiscal_code_are_none(store: IdentityStore) -> None:
    assert await store.customers_of(random_fiscal_code()) == []


async def test_onboarding_again_updates_the_data_and_the_pin_of_an_unregistered_customer(
    database: Database, store: IdentityStore
) -> None:
    customer = a_customer(random_fiscal_code(), pin_hash="first-pin-hash")
    await onboard(database, store, customer)
    updated = replace(customer, full_name="Giulia Bianchi Rossi", pin_hash="second-pin-hash")
    await onboard(database, store, updated)

    assert await store.customers_of(customer.fiscal_code) == [updated]


async def test_onboarding_again_keeps_the_pin_hash_of_a_registered_customer(
    database: Database, store: IdentityStore
) -> None:
    customer = a_customer(random_fiscal_code(), pin_hash="pin-hash-used-to-register")
    await onboard(database, store, customer)
    await database.transaction(
        lambda session: store.mark_registered([customer.customer_code], "acc-1", session)
    )
    updated = replace(customer, email="nuova@example.it", pin_hash="a-later-pin-hash")
    await onboard(database, store, updated)

    [stored] = await store.customers_of(customer.fiscal_code)
    assert stored == replace(updated, pin_hash="pin-hash-used-to-register", account_id="acc-1")


async def test_a_customer_code_added_to_an_account_joins_its_scope(
    database: Database, store: IdentityStore
) -> None:
    account = an_account()
    await insert(database, store, account)
    await database.transaction(
        lambda session: store.add_customer_code(account.account_id, "C99990001", session)
    )
    # Adding it again (a redelivered onboarding) does not list it twice.
    await database.transaction(
        lambda session: store.add_customer_code(account.account_id, "C99990001", session)
    )

    found = await store.account(account.account_id)
    assert found is not None
    assert found.customer_codes == (*account.customer_codes, "C99990001")


# Accounts


async def test_an_account_is_read_back_by_id_username_and_fiscal_code(
    database: Database, store: IdentityStore
) -> None:
    account = an_account(password_hash=await hash_secret("Girasole-di-Marzo-26"))
    await insert(database, store, account)

    assert await store.account(account.account_id) == account
    assert await store.account_by_username(account.username) == account
    assert await store.account_of(account.fiscal_code) == account
    assert await store.account("acc-unknown") is None
    assert await store.account_by_username("nobody") is None


async def test_failed_log_ins_and_a_new_password_hash_are_kept(
    database: Database, store: IdentityStore
) -> None:
    account = an_account()
    await insert(database, store, account)
    locked_until = MONDAY + timedelta(minutes=15)
    await store.record_login(account.account_id, 0, locked_until)
    await store.set_password_hash(account.account_id, "a-new-hash")

    assert await store.account(account.account_id) == replace(
        account, locked_until=locked_until, password_hash="a-new-hash"
    )


@pytest.mark.parametrize(
    ("same", "clash"),
    [("username", UsernameTaken), ("email", EmailTaken), ("fiscal_code", AlreadyRegistered)],
)
async def test_a_second_account_with_the_same_unique_field_is_refused(
    database: Database, store: IdentityStore, same: str, clash: type[Exception]
) -> None:
    first = an_account()
    await insert(database, store, first)
    second = an_account(**{same: getattr(first, same)})

    with pytest.raises(clash):
        await insert(database, store, second)
    assert await store.account(second.account_id) is None


async def test_create_indexes_can_run_again(store: IdentityStore) -> None:
    # Every start of the service runs it against indexes that exist already.
    await store.create_indexes()
    await store.create_indexes()


# Sessions


async def test_spending_a_session_returns_it_as_it_was_and_marks_it_spent(
    store: IdentityStore,
) -> None:
    record = a_session(family="family-1")
    await store.insert_session(record)

    assert await store.spend_session(record.key) == record
    assert await store.spend_session(record.key) == replace(record, spent=True)


async def test_spending_an_unknown_session_finds_nothing(store: IdentityStore) -> None:
    assert await store.spend_session("no-such-key") is None


async def test_revoking_a_family_removes_only_its_sessions(store: IdentityStore) -> None:
    first, second = a_session("stolen-line"), a_session("stolen-line")
    other = a_session("another-line")
    for record in (first, second, other):
        await store.insert_session(record)

    await store.revoke_family("stolen-line")

    assert await store.spend_session(first.key) is None
    assert await store.spend_session(second.key) is None
    assert await store.spend_session(other.key) == other


# PIN attempts


async def test_pin_attempts_are_recorded_and_read_back_per_fiscal_code(
    store: IdentityStore,
) -> None:
    fiscal_code = random_fiscal_code()
    assert await store.pin_attempts_of(fiscal_code) == PinAttempts()

    await store.record_pin_attempts(fiscal_code, PinAttempts(2), from_now(timedelta(days=1)))
    assert await store.pin_attempts_of(fiscal_code) == PinAttempts(2)

    locked = PinAttempts(0, from_now(timedelta(minutes=30)))
    await store.record_pin_attempts(fiscal_code, locked, from_now(timedelta(days=1)))
    assert await store.pin_attempts_of(fiscal_code) == locked
    assert await store.pin_attempts_of(random_fiscal_code()) == PinAttempts()
