"""Billing-profile numbers against the real database server: unique when replicas race."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest_asyncio
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from sportello_billing.adapters.store import BillingStore
from sportello_billing.domain.profiles import BillingProfile, EmailBills, PagoPa
from sportello_kit.mongo import Database, connect

AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@pytest_asyncio.fixture(loop_scope="session")
async def replicas(servers: Any) -> AsyncIterator[list[Database]]:
    """Two billing replicas: a client each, on one database."""
    name = f"billing_test_{uuid4().hex[:8]}"
    clients: list[AsyncMongoClient[dict[str, Any]]] = [connect(servers.mongo_url) for _ in range(2)]
    try:
        yield [Database(client, name) for client in clients]
    finally:
        await clients[0].drop_database(name)
        for client in clients:
            await client.close()


async def test_profiles_opened_at_once_by_two_replicas_never_share_a_number(
    replicas: list[Database],
) -> None:
    async def open_one(database: Database, customer: str) -> str:
        async def work(session: AsyncClientSession) -> str:
            profiles = BillingStore(database.db).profiles(session)
            number = await profiles.next_number()
            await profiles.insert(
                BillingProfile(
                    number, customer, EmailBills(f"{customer}@x.it"), PagoPa(), "active", AT
                )
            )
            return number

        return await database.transaction(work)

    numbers = await asyncio.gather(*(open_one(replicas[i % 2], f"C{i:05d}") for i in range(30)))
    assert len(set(numbers)) == 30
    # Numbered from one counter: no gaps, nothing skipped by a transaction that was retried.
    assert sorted(numbers) == [f"BP-{i:06d}" for i in range(1, 31)]
    stored = await replicas[0].db.billing_profiles.count_documents({})
    assert stored == 30
