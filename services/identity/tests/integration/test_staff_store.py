"""Identity's store for staff and second factors against the real database: staff accounts
without a fiscal code, TOTP steps and recovery codes spent once under concurrency, challenges,
administrator codes, condominiums held, and the trail read in pages."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from cryptography.exceptions import InvalidTag

from sportello_identity.adapters.store import IdentityStore
from sportello_identity.domain.accounts import Account, CustomerDetails
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.administrators import AdministratorCode
from sportello_identity.domain.second_factor import LoginChallenge
from sportello_kit.mongo import Database

pytestmark = pytest.mark.asyncio(loop_scope="session")


def now() -> datetime:
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def staff(role: str = "operator") -> Account:
    name = uuid4().hex[:10]
    return Account(
        account_id=str(uuid4()),
        username=f"op.{name}",
        email=f"{name}@example.it",
        full_name="Staff",
        fiscal_code="",
        password_hash="h:x",
        registered_at=now(),
        role=role,  # type: ignore[arg-type]
        permissions=("accounts.read",) if role == "operator" else (),
    )


async def test_many_staff_accounts_without_a_fiscal_code_read_back_as_written(
    database: Database, store: IdentityStore
) -> None:
    first, second = staff(), staff("administrator")
    for account in (first, second):
        await database.transaction(lambda s, a=account: store.insert_account(a, s))  # type: ignore[misc]
    assert await store.account(first.account_id) == first
    assert await store.account(second.account_id) == second
    assert await store.account_of("") is None


async def with_totp(database: Database, store: IdentityStore) -> str:
    account = staff()
    await database.transaction(lambda s: store.insert_account(account, s))
    await database.transaction(lambda s: store.set_pending_totp(account.account_id, "SECRET", s))
    assert not await database.transaction(  # not the pending secret
        lambda s: store.enable_totp(account.account_id, "OTHER", 100, ["d1", "d2"], s)
    )
    assert await database.transaction(
        lambda s: store.enable_totp(account.account_id, "SECRET", 100, ["d1", "d2"], s)
    )
    assert not await database.transaction(  # confirmed already
        lambda s: store.enable_totp(account.account_id, "SECRET", 101, ["d3"], s)
    )
    return account.account_id


async def test_a_totp_secret_is_kept_sealed_and_opens_only_for_its_account(
    database: Database, store: IdentityStore
) -> None:
    account_id = await with_totp(database, store)
    doc = await database.db.totp.find_one({"_id": account_id})
    assert doc is not None
    assert b"SECRET" not in bytes(doc["secret"])
    # Copied to another account's document, it does not open.
    await database.db.totp.insert_one({"_id": "acc-other", "secret": doc["secret"]})
    with pytest.raises(InvalidTag):
        await store.totp_of("acc-other")


async def test_a_step_and_a_recovery_code_are_each_spent_by_one_of_many(
    database: Database, store: IdentityStore
) -> None:
    account_id = await with_totp(database, store)
    state = await store.totp_of(account_id)
    assert state is not None
    assert (state.secret, state.pending_secret, state.last_step) == ("SECRET", None, 100)
    assert (await store.account(account_id)).totp_enabled  # type: ignore[union-attr]

    steps = await asyncio.gather(*(store.spend_totp_step(account_id, 101) for _ in range(8)))
    assert steps.count(True) == 1
    assert not await store.spend_totp_step(account_id, 100)  # older than the last one
    codes = await asyncio.gather(*(store.spend_recovery_code(account_id, "d1") for _ in range(8)))
    assert codes.count(True) == 1
    assert (await store.totp_of(account_id)).recovery_digests == ("d2",)  # type: ignore[union-attr]

    await database.transaction(lambda s: store.disable_totp(account_id, s))
    assert await store.totp_of(account_id) is None
    assert not (await store.account(account_id)).totp_enabled  # type: ignore[union-attr]


async def test_a_login_challenge_lives_until_it_expires_and_is_taken_once(
    store: IdentityStore,
) -> None:
    live = LoginChallenge(uuid4().hex, "acc-1", now() + timedelta(minutes=5))
    late = LoginChallenge(uuid4().hex, "acc-1", now() - timedelta(seconds=1))
    await store.insert_login_challenge(live)
    await store.insert_login_challenge(late)
    assert await store.login_challenge(live.key, now()) == live
    assert await store.login_challenge(late.key, now()) is None
    taken = await asyncio.gather(*(store.spend_login_challenge(live.key) for _ in range(5)))
    assert taken.count(True) == 1


async def test_an_administrator_code_is_used_once_and_a_condominium_held_once(
    database: Database, store: IdentityStore
) -> None:
    code = AdministratorCode(
        uuid4().hex, "Studio", "01114601006", "s@example.it", "op-1", now() + timedelta(days=1)
    )
    await database.transaction(lambda s: store.insert_administrator_code(code, s))
    assert await store.administrator_code(code.key, None) == code
    used = await asyncio.gather(
        *(
            database.transaction(lambda s, i=i: store.use_administrator_code(code.key, f"a{i}", s))  # type: ignore[misc]
            for i in range(4)
        ),
        return_exceptions=True,
    )
    assert [u for u in used if u is True] == [True]

    customer_code = f"C{uuid4().hex[:8].upper()}"
    details = CustomerDetails(customer_code, "97123450583", "Condominio", "c@example.it")
    await database.transaction(lambda s: store.save_customer_details(details, s))
    assert await database.transaction(lambda s: store.hold_condominium(customer_code, "a1", s))
    assert not await database.transaction(lambda s: store.hold_condominium(customer_code, "a2", s))
    await database.transaction(lambda s: store.release_condominium(customer_code, "a2", s))
    assert not await database.transaction(  # only its holder releases it
        lambda s: store.hold_condominium(customer_code, "a2", s)
    )
    await database.transaction(lambda s: store.release_condominium(customer_code, "a1", s))
    assert await database.transaction(lambda s: store.hold_condominium(customer_code, "a2", s))


async def test_the_trail_reads_newest_first_and_pages_through_entries_of_one_instant(
    database: Database, store: IdentityStore
) -> None:
    account_id, at = str(uuid4()), now()
    entries = [
        Activity(
            f"{i:04d}-{uuid4().hex[:6]}",
            account_id,
            "session.opened",
            at + timedelta(seconds=i // 2),
        )
        for i in range(6)
    ]
    for entry in entries:
        await database.transaction(lambda s, e=entry: store.insert_activity(e, s))  # type: ignore[misc]
    newest_first = sorted(entries, key=lambda e: (e.at, e.activity_id), reverse=True)
    first = await store.activity_of(account_id, None, 3)
    assert first == newest_first[:3]
    rest = await store.activity_of(account_id, (first[-1].at, first[-1].activity_id), 10)
    assert rest == newest_first[3:]
