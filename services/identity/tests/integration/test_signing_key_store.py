"""Signing keys in the real database: sealed at rest, one per generation however many race."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest_asyncio

from sportello_identity.adapters.sealing import KeySealer
from sportello_identity.adapters.signing_keys import (
    KeyRing,
    SigningKeyStore,
    new_key,
)
from sportello_identity.domain.signing_keys import KeyTimes
from sportello_kit.mongo import Database

MONDAY = datetime(2026, 11, 23, 9, 0, 0, 123000, tzinfo=UTC)
TIMES = KeyTimes(
    rotate_every=timedelta(days=30),
    lead=timedelta(minutes=15),
    token_lifetime=timedelta(minutes=15),
    reload=timedelta(seconds=30),
)


@pytest_asyncio.fixture(loop_scope="session")
async def store(database: Database) -> SigningKeyStore:
    store = SigningKeyStore(database.db, KeySealer("k" * 40))
    await store.create_indexes()
    return store


async def test_a_key_is_read_back_whole_but_kept_sealed(
    database: Database, store: SigningKeyStore
) -> None:
    made = new_key(1, MONDAY, MONDAY)
    assert await store.insert(made)

    assert await store.all() == [made]
    doc = await database.db.signing_keys.find_one({"_id": made.kid})
    assert doc is not None
    assert made.private_key not in bytes(doc["sealed"])
    assert set(doc) == {"_id", "generation", "created_at", "signs_from", "public_jwk", "sealed"}


async def test_a_second_key_of_one_generation_is_refused(store: SigningKeyStore) -> None:
    assert await store.insert(new_key(1, MONDAY, MONDAY))
    assert not await store.insert(new_key(1, MONDAY + timedelta(seconds=1), MONDAY))
    assert len(await store.all()) == 1


async def test_replicas_racing_to_start_and_to_rotate_make_one_key_each_time(
    store: SigningKeyStore,
) -> None:
    now = [MONDAY]
    rings = [KeyRing(store, TIMES, lambda: now[0]) for _ in range(4)]
    await asyncio.gather(*(ring.ready() for ring in rings))
    assert [k.generation for k in await store.all()] == [1]

    now[0] = MONDAY + TIMES.rotate_every
    fresh = [KeyRing(store, TIMES, lambda: now[0]) for _ in range(4)]
    await asyncio.gather(*(ring.ready() for ring in fresh))
    assert sorted(k.generation for k in await store.all()) == [1, 2]
