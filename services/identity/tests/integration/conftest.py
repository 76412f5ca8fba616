"""A database of its own for each test module of identity's adapters, on the real server."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest_asyncio

from sportello_identity.adapters.sealing import TOTP_SECRETS, KeySealer
from sportello_identity.adapters.store import IdentityStore
from sportello_kit.mongo import Database, connect


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
    store = IdentityStore(database.db, KeySealer("k" * 40, TOTP_SECRETS))
    await store.create_indexes()
    return store
