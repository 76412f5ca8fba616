"""Billing's store against the real database server: the guarded customer update."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest_asyncio
from pymongo import AsyncMongoClient

from sportello_billing.adapters.store import BillingStore
from sportello_billing.domain.customers import Customer, pseudonymised
from sportello_kit.mongo import connect

MONDAY = datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC)
GIULIA = Customer("C00010002", "BNCGLI85M52F205H", "Giulia Bianchi")


@pytest_asyncio.fixture(loop_scope="session")
async def store(servers: Any) -> AsyncIterator[BillingStore]:
    client: AsyncMongoClient[dict[str, Any]] = connect(servers.mongo_url)
    name = f"billing_test_{uuid4().hex[:8]}"
    try:
        yield BillingStore(client[name])
    finally:
        await client.drop_database(name)
        await client.close()


async def test_an_older_onboarding_never_overwrites_a_newer_one(store: BillingStore) -> None:
    customers = store.customers()
    renamed = Customer("C00010002", "BNCGLI85M52F205H", "Giulia Bianchi Rossi")
    assert await customers.keep_if_newer(renamed, MONDAY + timedelta(hours=1))
    assert not await customers.keep_if_newer(GIULIA, MONDAY)
    assert await customers.get("C00010002") == renamed


async def test_the_same_onboarding_again_is_not_applied_twice(store: BillingStore) -> None:
    customers = store.customers()
    assert await customers.keep_if_newer(GIULIA, MONDAY)
    # Stored to the millisecond, the same event must still look as old as itself.
    assert not await customers.keep_if_newer(GIULIA, MONDAY)
    assert await customers.keep_if_newer(GIULIA, MONDAY + timedelta(milliseconds=1))
    assert await customers.get("C00010002") == GIULIA


async def test_a_pseudonymised_customer_keeps_its_code_and_loses_name_and_fiscal_code(
    store: BillingStore,
) -> None:
    customers = store.customers()
    assert await customers.keep_if_newer(GIULIA, MONDAY)
    for _ in range(2):
        await customers.pseudonymise([pseudonymised("C00010002")], MONDAY)
    assert await customers.get("C00010002") == Customer("C00010002", None, None)
    # The back-office onboarding the customer again fills the record in again.
    assert await customers.keep_if_newer(GIULIA, MONDAY + timedelta(hours=1))
    assert await customers.get("C00010002") == GIULIA
