"""Registration racing the onboarding of another customer code of the same fiscal identity.

Against the real database, with the use cases' real transactions: the two used to touch
disjoint documents, so a registration could commit without a customer code onboarded meanwhile,
and that onboarding could find no account yet: the code stayed outside the account for good.
Both now write the fiscal identity's document, and the database retries one of them.
"""

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest_asyncio
from pymongo.asynchronous.client_session import AsyncClientSession

from sportello_contracts.envelope import EventPayload
from sportello_contracts.identity import AccountRegistered, RegisterAccountRequest, ScopeChanged
from sportello_deploy.backoffice import NewCustomer
from sportello_deploy.testing import random_customer
from sportello_identity.adapters.clock import SystemClock
from sportello_identity.adapters.hashing import Argon2Hasher, Argon2Parameters, HashingPool
from sportello_identity.adapters.sealing import TOTP_SECRETS, KeySealer
from sportello_identity.adapters.signing_keys import SigningKeyStore
from sportello_identity.adapters.store import IdentityStore
from sportello_identity.adapters.tokens import TokenIssuer
from sportello_identity.bootstrap import guess_limits, key_ring
from sportello_identity.settings import IdentitySettings
from sportello_identity.usecases import onboarding, registration
from sportello_identity.usecases.ports import Dependencies
from sportello_kit.mongo import Database, connect

ROUNDS = 25
PASSWORD = "Girasole-di-Marzo-26"


@dataclass
class RecordingTransaction:
    """The kit's transaction as the use cases see it, keeping what they emit."""

    session: AsyncClientSession
    emitted: list[EventPayload] = field(default_factory=list)

    async def emit(self, payload: EventPayload) -> object:
        self.emitted.append(payload)
        return payload


@dataclass
class Runs:
    """How often each transaction ran: more than once means the database made it retry."""

    count: dict[str, int] = field(default_factory=dict)

    def __call__(self, name: str) -> None:
        self.count[name] = self.count.get(name, 0) + 1


class NoTransactions:
    """Registration and onboarding run in the transaction the kit gives them, never their own."""

    async def transaction(self, work: Any) -> Any:
        raise AssertionError("a use case of this race opened a transaction of its own")


@pytest_asyncio.fixture(loop_scope="session")
async def world(servers: Any) -> AsyncIterator[tuple[Database, Dependencies]]:
    client = connect(servers.mongo_url)
    database = Database(client, f"identity_race_{uuid4().hex[:8]}")
    store = IdentityStore(database.db, KeySealer("k" * 32, TOTP_SECRETS))
    await store.create_indexes()
    # Real hashing (cheap, but on the pool's threads): the transactions stay open while it runs.
    hasher = Argon2Hasher(
        Argon2Parameters(time_cost=1, memory_kib=8192, parallelism=1), HashingPool(4), 5.0
    )
    deps = Dependencies(
        store=store,
        hasher=hasher,
        clock=SystemClock(),
        tokens=TokenIssuer(
            key_ring(
                IdentitySettings(),
                SigningKeyStore(database.db, KeySealer("k" * 32)),
                SystemClock(),
            ),
            "t",
            "a",
            timedelta(1),
        ),
        refresh_ttl=timedelta(days=1),
        limits=guess_limits(IdentitySettings()),
        transactions=NoTransactions(),
    )
    try:
        yield database, deps
    finally:
        await client.drop_database(database.db.name)
        await client.close()


def in_transaction(
    database: Database,
    runs: Runs,
    name: str,
    work: Callable[[RecordingTransaction], Awaitable[Any]],
) -> Awaitable[RecordingTransaction]:
    async def attempt(session: AsyncClientSession) -> RecordingTransaction:
        runs(name)
        tx = RecordingTransaction(session)  # what a retried attempt emitted is gone with it
        await work(tx)
        return tx

    return database.transaction(attempt)


async def onboard_both_halves(
    database: Database, deps: Dependencies, customer: NewCustomer, runs: Runs
) -> list[RecordingTransaction]:
    """Details and PIN, each in its own transaction, at once and in either order."""
    halves = [
        in_transaction(
            database,
            runs,
            "details",
            lambda tx: onboarding.record_onboarded_customer(deps, customer.onboarded, tx),
        ),
        in_transaction(
            database,
            runs,
            "pin",
            lambda tx: onboarding.record_registration_pin(deps, customer.pin_issued, tx),
        ),
    ]
    random.shuffle(halves)
    return list(await asyncio.gather(*halves))


async def test_every_customer_code_ends_in_the_account_however_the_race_goes(
    world: tuple[Database, Dependencies],
) -> None:
    database, deps = world
    retried_rounds = 0
    for _ in range(ROUNDS):
        first = random_customer()
        second = random_customer(fiscal_code=first.fiscal_code)
        await onboard_both_halves(database, deps, first, Runs())
        request = RegisterAccountRequest(
            fiscal_code=first.fiscal_code,
            registration_pin=first.registration_pin,
            username=f"user.{first.customer_code.lower()}",
            password=PASSWORD,
        )
        runs = Runs()

        async def register(
            tx: RecordingTransaction, request: RegisterAccountRequest = request
        ) -> None:
            await registration.register_account(deps, request, tx)

        registered, onboarded = await asyncio.gather(
            in_transaction(database, runs, "registration", register),
            onboard_both_halves(database, deps, second, runs),
        )

        account = await deps.store.account_of(first.fiscal_code)
        assert account is not None
        assert sorted(account.customer_codes) == sorted(
            [first.customer_code, second.customer_code]
        ), runs.count
        for code in (first.customer_code, second.customer_code):
            customer = await deps.store.customer(code)
            assert customer is not None
            assert customer.account_id == account.account_id
        # The second code came into the account one way or the other, and said so if it joined.
        joined = [e for tx in onboarded for e in tx.emitted if isinstance(e, ScopeChanged)]
        assert len(joined) == (0 if second.customer_code in _announced(registered) else 1)
        retried_rounds += any(n > 1 for n in runs.count.values())
    # The race did happen: in some rounds the database made one side retry.
    assert retried_rounds > 0


def _announced(registered: RecordingTransaction) -> tuple[str, ...]:
    (event,) = [e for e in registered.emitted if isinstance(e, AccountRegistered)]
    return event.customer_codes
