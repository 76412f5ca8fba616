"""Identity's passkey and deletion stores against the real database: single-use challenges,
unique credentials, guarded counts, and what erasing an account leaves behind."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from sportello_deploy.testing import random_fiscal_code
from sportello_identity.adapters.deletion_store import MongoDeletionStore
from sportello_identity.adapters.passkey_store import MongoPasskeyStore
from sportello_identity.adapters.store import IdentityStore
from sportello_identity.domain.accounts import Account, CustomerDetails
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.challenges import Challenge as Link
from sportello_identity.domain.challenges import Purpose
from sportello_identity.domain.deletion import Deletion
from sportello_identity.domain.errors import PasskeyTaken
from sportello_identity.domain.passkeys import Ceremony, Challenge, Passkey
from sportello_identity.domain.second_factor import LoginChallenge
from sportello_identity.domain.sessions import SessionLine
from sportello_kit.mongo import Database

# To the millisecond: the database keeps no finer time, so what is read back equals it.
MONDAY = datetime(2026, 11, 23, 9, 0, 0, 123000, tzinfo=UTC)
# In the future: the TTL indexes must not be what empties the collections checked below.
LATER = datetime.now(UTC) + timedelta(days=1)


@pytest_asyncio.fixture(loop_scope="session")
async def passkeys(database: Database) -> MongoPasskeyStore:
    store = MongoPasskeyStore(database.db)
    await store.create_indexes()
    return store


def passkey(account_id: str, credential_id: str | None = None) -> Passkey:
    return Passkey(
        passkey_id=uuid4().hex,
        account_id=account_id,
        credential_id=credential_id or uuid4().hex,
        public_key=b"\xa5\x01\x02\x03&",
        sign_count=0,
        name="Telefono",
        created_at=MONDAY,
        transports=("internal", "hybrid"),
    )


async def test_a_challenge_is_taken_once_even_by_racing_takers(
    passkeys: MongoPasskeyStore,
) -> None:
    challenge = Challenge(
        key=uuid4().hex,
        ceremony=Ceremony.AUTHENTICATION,
        expires_at=datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5),
    )
    await passkeys.insert_challenge(challenge)
    taken = await asyncio.gather(*(passkeys.take_challenge(challenge.key) for _ in range(5)))
    assert [t for t in taken if t is not None] == [challenge]


async def test_a_credential_is_registered_once_and_read_back_whole(
    passkeys: MongoPasskeyStore,
) -> None:
    mine = passkey("acc-1")
    await passkeys.insert_passkey(mine, None)
    with pytest.raises(PasskeyTaken):
        await passkeys.insert_passkey(passkey("acc-2", mine.credential_id), None)
    assert await passkeys.passkey_by_credential(mine.credential_id) == mine
    assert await passkeys.passkeys_of("acc-1") == [mine]
    assert not await passkeys.delete_passkey("acc-2", mine.passkey_id, None)
    assert await passkeys.passkeys_of("acc-1") == [mine]


async def test_of_two_uses_with_the_same_count_one_is_kept(passkeys: MongoPasskeyStore) -> None:
    used = passkey("acc-3")
    await passkeys.insert_passkey(used, None)
    assert await passkeys.record_use(used, 4, MONDAY, None)
    assert not await passkeys.record_use(used, 4, MONDAY, None)  # read before the first
    stored = await passkeys.passkey_by_credential(used.credential_id)
    assert stored is not None
    assert (stored.sign_count, stored.last_used_at) == (4, MONDAY)


async def test_erasing_an_account_frees_its_customers_and_keeps_a_trail_without_details(
    database: Database, store: IdentityStore, passkeys: MongoPasskeyStore
) -> None:
    identity = store
    deletions = MongoDeletionStore(database.db)
    await deletions.create_indexes()
    fiscal_code, code = random_fiscal_code(), f"C{uuid4().hex[:8].upper()}"
    account = Account(
        account_id=str(uuid4()),
        username=f"u.{code.lower()}",
        email=f"{code.lower()}@example.it",
        full_name="Carla Verdi",
        fiscal_code=fiscal_code,
        password_hash="$argon2id$...",
        registered_at=MONDAY,
        customer_codes=(code,),
    )

    async def setup(session: Any) -> None:
        details = CustomerDetails(code, fiscal_code, "Carla Verdi", account.email)
        await identity.save_customer_details(details, session)
        await identity.save_pin_hash(code, fiscal_code, "$argon2id$pin", session)
        await identity.insert_account(account, session)
        await identity.mark_registered([code], account.account_id, session)
        entry = Activity(
            uuid4().hex, account.account_id, "session.opened", MONDAY, None, "203.0.113.7", {}
        )
        await identity.insert_activity(entry, session)
        await identity.set_pending_totp(account.account_id, "JBSWY3DPEHPK3PXP", session)
        link = Link(uuid4().hex, Purpose.PASSWORD_RESET, account.account_id, LATER)
        await identity.issue_challenge(link, session)
        line = SessionLine(uuid4().hex, account.account_id, MONDAY, LATER, MONDAY, "203.0.113.7")
        await identity.insert_line(replace(line, user_agent="Firefox"), session)

    await database.transaction(setup)
    await identity.insert_login_challenge(LoginChallenge(uuid4().hex, account.account_id, LATER))
    await passkeys.insert_passkey(passkey(account.account_id), None)
    deletion = Deletion(uuid4().hex, account.account_id, MONDAY, MONDAY + timedelta(minutes=10))
    await database.transaction(lambda session: deletions.insert(deletion, session))

    await database.transaction(lambda session: deletions.erase_account(account, session))

    assert await identity.account(account.account_id) is None
    customer = await identity.customer(code)
    assert customer is not None
    assert (customer.account_id, customer.full_name) == (None, "Carla Verdi")
    assert await passkeys.passkeys_of(account.account_id) == []
    trail = await database.db.activity.find({"account_id": account.account_id}).to_list()
    assert [(e["kind"], e["client_address"]) for e in trail] == [("session.opened", None)]
    assert await identity.totp_of(account.account_id) is None
    mine = {"account_id": account.account_id}
    assert await database.db.challenges.count_documents(mine) == 0
    assert await database.db.login_challenges.count_documents(mine) == 0
    (line,) = await database.db.session_lines.find(mine).to_list()
    assert (line["client_address"], line["user_agent"]) == (None, None)

    async def confirm(service: str) -> Deletion | None:
        return await database.transaction(
            lambda session: deletions.record_confirmation(
                deletion.deletion_id, service, MONDAY, session
            )
        )

    first = await confirm("billing")
    again = await confirm("billing")
    assert first is not None
    assert again is not None
    assert first.confirmations == again.confirmations == {"billing": MONDAY}
    assert await confirm("nobody") is not None  # a service outside the list is still recorded
    assert (
        await database.transaction(
            lambda session: deletions.record_confirmation("unknown", "billing", MONDAY, session)
        )
        is None
    )
