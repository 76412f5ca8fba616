"""Identity's store against the real database: customers, accounts, sessions, guesses."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from sportello_deploy.testing import random_fiscal_code
from sportello_identity.adapters.hashing import Argon2Hasher, Argon2Parameters, HashingPool
from sportello_identity.adapters.store import IdentityStore
from sportello_identity.domain.accounts import Account, Customer, CustomerDetails
from sportello_identity.domain.attempts import Attempts
from sportello_identity.domain.challenges import Challenge, Purpose
from sportello_identity.domain.errors import AlreadyRegistered, EmailTaken, UsernameTaken
from sportello_identity.domain.sessions import SessionLine, SessionRecord
from sportello_kit.mongo import Database

# To the millisecond: the database keeps no finer time, so what is read back equals it.
MONDAY = datetime(2026, 11, 23, 9, 0, 0, 123000, tzinfo=UTC)


def from_now(delta: timedelta) -> datetime:
    """A time still ahead, so the TTL indexes on expiry times never remove a test's documents."""
    later = datetime.now(UTC) + delta
    return later.replace(microsecond=later.microsecond // 1000 * 1000)


HASHER = Argon2Hasher(
    Argon2Parameters(time_cost=1, memory_kib=1024, parallelism=1), HashingPool(2), 5.0
)


async def onboard(database: Database, store: IdentityStore, customer: Customer) -> None:
    """Both halves of onboarding, each in its own transaction as the events come."""
    details = CustomerDetails(
        customer.customer_code, customer.fiscal_code, customer.full_name, customer.email
    )
    await database.transaction(lambda session: store.save_customer_details(details, session))
    await database.transaction(
        lambda session: store.save_pin_hash(
            customer.customer_code, customer.fiscal_code, customer.pin_hash, session
        )
    )


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
    customer = a_customer(fiscal_code, pin_hash=await HASHER.hash("12345678"))
    await onboard(database, store, customer)

    assert await store.customers_of(fiscal_code) == [customer]
    assert await store.customer(customer.customer_code) == customer
    stored = await database.db.customers.find_one({"_id": customer.customer_code})
    assert stored is not None
    assert "12345678" not in str(stored)
    assert await HASHER.verify(stored["pin_hash"], "12345678")


async def test_customers_of_an_unknown_fiscal_code_are_none(store: IdentityStore) -> None:
    assert await store.customers_of(random_fiscal_code()) == []
    assert await store.customer("C00000000") is None


@pytest.mark.parametrize("half", ["details", "pin"])
async def test_a_customer_with_one_half_only_is_not_registrable(
    database: Database, store: IdentityStore, half: str
) -> None:
    customer = a_customer(random_fiscal_code())
    if half == "details":
        details = CustomerDetails(
            customer.customer_code, customer.fiscal_code, customer.full_name, customer.email
        )
        await database.transaction(lambda session: store.save_customer_details(details, session))
    else:
        await database.transaction(
            lambda session: store.save_pin_hash(
                customer.customer_code, customer.fiscal_code, "a-pin-hash", session
            )
        )

    assert await store.customers_of(customer.fiscal_code) == []
    assert await store.customer(customer.customer_code) is None


async def test_the_halves_of_onboarding_update_their_own_fields(
    database: Database, store: IdentityStore
) -> None:
    customer = a_customer(random_fiscal_code(), pin_hash="first-pin-hash")
    await onboard(database, store, customer)
    updated = replace(customer, full_name="Giulia Bianchi Rossi", pin_hash="second-pin-hash")
    await onboard(database, store, updated)

    assert await store.customers_of(customer.fiscal_code) == [updated]


async def test_new_details_keep_a_registered_customer_registered(
    database: Database, store: IdentityStore
) -> None:
    customer = a_customer(random_fiscal_code(), pin_hash="pin-hash-used-to-register")
    await onboard(database, store, customer)
    await database.transaction(
        lambda session: store.mark_registered([customer.customer_code], "acc-1", session)
    )
    details = CustomerDetails(
        customer.customer_code, customer.fiscal_code, customer.full_name, "nuova@example.it"
    )
    await database.transaction(lambda session: store.save_customer_details(details, session))

    [stored] = await store.customers_of(customer.fiscal_code)
    assert stored == replace(customer, email="nuova@example.it", account_id="acc-1")


async def test_touching_a_fiscal_identity_counts_its_versions(
    database: Database, store: IdentityStore
) -> None:
    fiscal_code = random_fiscal_code()
    for _ in range(2):
        await database.transaction(lambda session: store.touch_identity(fiscal_code, session))
    assert await database.db.identities.find_one({"_id": fiscal_code}) == {
        "_id": fiscal_code,
        "version": 2,
    }


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
    account = an_account(password_hash=await HASHER.hash("Girasole-di-Marzo-26"))
    await insert(database, store, account)

    assert await store.account(account.account_id) == account
    assert await store.account_by_username(account.username) == account
    assert await store.account_of(account.fiscal_code) == account
    assert await store.account("acc-unknown") is None
    assert await store.account_by_username("nobody") is None


async def test_a_new_password_hash_is_kept(database: Database, store: IdentityStore) -> None:
    account = an_account()
    await insert(database, store, account)
    await store.set_password_hash(account.account_id, "a-new-hash")

    assert await store.account(account.account_id) == replace(account, password_hash="a-new-hash")


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

    assert await store.spend_session(record.key, MONDAY) == record
    again = await store.spend_session(record.key, MONDAY + timedelta(seconds=5))
    # The first spending is kept: a double submit is judged from it.
    assert again == replace(record, spent=True, spent_at=MONDAY)


async def test_spending_an_unknown_session_finds_nothing(store: IdentityStore) -> None:
    assert await store.spend_session("no-such-key", MONDAY) is None


async def test_of_racing_spends_of_one_refresh_token_exactly_one_finds_it_unspent(
    store: IdentityStore,
) -> None:
    record = a_session(family="family-1")
    await store.insert_session(record)

    seen = await asyncio.gather(*(store.spend_session(record.key, MONDAY) for _ in range(8)))

    assert sorted(r.spent for r in seen if r is not None) == [False] + [True] * 7


def a_line(session_id: str, account_id: str = "acc-1") -> SessionLine:
    return SessionLine(
        session_id=session_id,
        account_id=account_id,
        created_at=MONDAY,
        expires_at=from_now(timedelta(days=30)),
        last_used_at=MONDAY,
        client_address="203.0.113.7",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
    )


async def test_ending_a_line_removes_its_refresh_tokens_and_lists_it_as_ended(
    store: IdentityStore,
) -> None:
    stolen, other = a_line("stolen-line"), a_line("another-line")
    first, second, third = (
        a_session("stolen-line"),
        a_session("stolen-line"),
        a_session(other.session_id),
    )
    for line in (stolen, other):
        await store.insert_line(line)
    for record in (first, second, third):
        await store.insert_session(record)

    ended = await store.end_lines(
        "acc-1", MONDAY, from_now(timedelta(minutes=16)), only="stolen-line"
    )

    assert ended == ["stolen-line"]
    assert await store.spend_session(first.key, MONDAY) is None
    assert await store.spend_session(second.key, MONDAY) is None
    assert await store.spend_session(third.key, MONDAY) == third
    assert [x.session_id for x in await store.lines_of("acc-1", MONDAY)] == ["another-line"]
    assert await store.ended_lines_of("acc-1", since=MONDAY - timedelta(minutes=1)) == [
        "stolen-line"
    ]
    # Ending it again ends nothing.
    assert await store.end_lines("acc-1", MONDAY, MONDAY, only="stolen-line") == []


async def test_ending_an_accounts_lines_spares_the_one_kept_and_other_accounts(
    store: IdentityStore,
) -> None:
    lines = [a_line("line-1"), a_line("line-2"), a_line("line-3", account_id="acc-2")]
    for line in lines:
        await store.insert_line(line)
    records = [a_session(line.session_id) for line in lines]
    for record in records:
        await store.insert_session(record)

    ended = await store.end_lines("acc-1", MONDAY, from_now(timedelta(minutes=16)), keep="line-2")
    # Another account's session, named: not found.
    assert await store.end_lines("acc-1", MONDAY, MONDAY, only="line-3") == []

    assert ended == ["line-1"]
    assert await store.spend_session(records[0].key, MONDAY) is None
    assert await store.spend_session(records[1].key, MONDAY) == records[1]
    assert await store.spend_session(records[2].key, MONDAY) == records[2]
    assert [x.session_id for x in await store.lines_of("acc-2", MONDAY)] == ["line-3"]


async def test_a_refresh_touches_its_line(store: IdentityStore) -> None:
    await store.insert_line(a_line("line-1"))
    later = MONDAY + timedelta(hours=2)
    assert await store.touch_line("line-1", later, client_address="198.51.100.4", user_agent=None)
    line = await store.line("line-1")
    assert line is not None
    assert (line.last_used_at, line.client_address) == (later, "198.51.100.4")
    assert line.user_agent == a_line("line-1").user_agent  # not said again: kept
    await store.end_lines("acc-1", later, later, only="line-1")
    assert not await store.touch_line("line-1", later, client_address=None, user_agent=None)


# Guesses


def a_subject() -> str:
    return f"username:test.{uuid4().hex[:8]}"


async def test_guesses_made_at_once_are_each_counted_exactly_once(store: IdentityStore) -> None:
    now, kept = from_now(timedelta(0)), timedelta(minutes=15)
    for _ in range(10):  # the first guesses of a subject race to start its count
        subject = a_subject()

        counted = await asyncio.gather(
            *(store.reserve_attempt(subject, kept, now) for _ in range(20))
        )

        assert sorted(a.failures for a in counted) == list(range(1, 21))


async def test_guesses_at_once_on_a_forgotten_count_start_it_afresh_once(
    store: IdentityStore,
) -> None:
    now, kept = from_now(timedelta(0)), timedelta(minutes=15)
    for _ in range(5):
        subject = a_subject()
        await store.reserve_attempt(subject, kept, now)
        await store.record_failure(subject, kept, now)
        later = now + kept  # forgotten, and not yet swept by the TTL index

        counted = await asyncio.gather(
            *(store.reserve_attempt(subject, kept, later) for _ in range(20))
        )

        assert sorted(a.failures for a in counted) == list(range(1, 21))


async def test_a_failure_is_remembered_and_a_guess_taken_back_is_not(
    store: IdentityStore,
) -> None:
    subject, now, kept = a_subject(), from_now(timedelta(0)), timedelta(minutes=15)
    assert await store.reserve_attempt(subject, kept, now) == Attempts(1, None)
    await store.record_failure(subject, kept, now)
    assert await store.reserve_attempt(subject, kept, now) == Attempts(2, now)
    await store.release_attempt(subject)
    assert await store.reserve_attempt(subject, kept, now) == Attempts(2, now)


async def test_failures_are_forgotten_after_their_time_even_before_the_ttl_sweep(
    database: Database, store: IdentityStore
) -> None:
    subject, now, kept = a_subject(), from_now(timedelta(0)), timedelta(minutes=15)
    for _ in range(3):
        await store.reserve_attempt(subject, kept, now)
        await store.record_failure(subject, kept, now)
    stored = await database.db.attempts.find_one({"_id": subject})
    assert stored is not None
    assert stored["expires_at"] == now + kept  # what the TTL index removes it by

    later = now + kept
    assert await store.reserve_attempt(subject, kept, later) == Attempts(1, None)


async def test_forgetting_a_subject_starts_it_afresh(store: IdentityStore) -> None:
    subject, now, kept = a_subject(), from_now(timedelta(0)), timedelta(minutes=15)
    await store.reserve_attempt(subject, kept, now)
    await store.record_failure(subject, kept, now)
    await store.forget_attempts(subject)
    assert await store.reserve_attempt(subject, kept, now) == Attempts(1, None)


async def test_failures_that_only_count_count_exactly_even_at_once(store: IdentityStore) -> None:
    now = from_now(timedelta(0))
    for _ in range(10):
        subject = f"failures:test-{uuid4().hex[:8]}"
        counts = await asyncio.gather(
            *(store.count_failure(subject, timedelta(minutes=2), now) for _ in range(20))
        )
        assert sorted(counts) == list(range(1, 21))


# Links and codes sent to users; verified addresses


def a_challenge(account_id: str, purpose: Purpose, **overrides: Any) -> Challenge:
    values: dict[str, Any] = {
        "key": uuid4().hex,
        "purpose": purpose,
        "account_id": account_id,
        "expires_at": from_now(timedelta(minutes=30)),
    }
    return Challenge(**(values | overrides))


async def issue(database: Database, store: IdentityStore, challenge: Challenge) -> None:
    await database.transaction(lambda session: store.issue_challenge(challenge, session))


async def test_a_new_challenge_voids_the_accounts_earlier_one_of_its_purpose(
    database: Database, store: IdentityStore
) -> None:
    older = a_challenge("acc-c1", Purpose.PASSWORD_RESET)
    email = a_challenge("acc-c1", Purpose.EMAIL_CONFIRMATION, target="nuovo@example.it")
    newer = a_challenge("acc-c1", Purpose.PASSWORD_RESET)
    for challenge in (older, email, newer):
        await issue(database, store, challenge)
    assert await store.challenge(older.key) is None
    assert await store.challenge(newer.key) == newer
    assert await store.pending_challenge("acc-c1", Purpose.EMAIL_CONFIRMATION) == email


async def test_a_challenge_is_spent_once_and_never_once_expired(
    database: Database, store: IdentityStore
) -> None:
    live = a_challenge("acc-c2", Purpose.PASSWORD_RESET)
    await issue(database, store, live)
    now = datetime.now(UTC)
    assert await database.transaction(lambda s: store.spend_challenge(live.key, now, s))
    assert not await database.transaction(lambda s: store.spend_challenge(live.key, now, s))
    late = a_challenge("acc-c3", Purpose.PASSWORD_RESET)
    await issue(database, store, late)
    after = late.expires_at + timedelta(seconds=1)
    assert not await database.transaction(lambda s: store.spend_challenge(late.key, after, s))


async def test_mail_reaches_a_verified_address_or_the_back_offices_meanwhile(
    database: Database, store: IdentityStore
) -> None:
    shared = f"famiglia.{uuid4().hex[:6]}@example.it"
    verified = an_account(email=shared)
    pending = an_account(email_verified=False, onboarding_email=shared)
    typed_only = an_account(email_verified=False, onboarding_email="altro@example.it")
    for account in (verified, pending, typed_only):
        await insert(database, store, account)
    reachable = await store.accounts_reachable_at(shared)
    assert {a.account_id for a in reachable} == {verified.account_id, pending.account_id}
    assert await store.accounts_reachable_at(typed_only.email) == []


async def test_confirming_an_address_another_account_has_is_refused(
    database: Database, store: IdentityStore
) -> None:
    mine, theirs = an_account(email_verified=False), an_account()
    await insert(database, store, mine)
    await insert(database, store, theirs)
    with pytest.raises(EmailTaken):
        await database.transaction(lambda s: store.confirm_email(mine.account_id, theirs.email, s))
    await database.transaction(lambda s: store.confirm_email(mine.account_id, mine.email, s))
    assert await store.account(mine.account_id) == replace(mine, email_verified=True)
