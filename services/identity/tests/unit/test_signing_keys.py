"""Signing keys: published before they sign, retired once their tokens expired, rotated once."""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.exceptions import InvalidTag

from sportello_identity.adapters.sealing import KeySealer
from sportello_identity.adapters.signing_keys import KeyRing, new_key
from sportello_identity.domain import signing_keys as rules
from sportello_identity.domain.signing_keys import KeyTimes, SigningKey

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TIMES = KeyTimes(
    rotate_every=timedelta(days=30),
    lead=timedelta(minutes=15),
    token_lifetime=timedelta(minutes=15),
    reload=timedelta(seconds=30),
)


def key(generation: int, made: datetime, signs_from: datetime | None = None) -> SigningKey:
    return new_key(generation, made, signs_from or made)


def test_the_newest_key_whose_time_came_signs() -> None:
    first = key(1, NOW)
    second = key(2, NOW + timedelta(days=30), NOW + timedelta(days=30, minutes=15))
    assert rules.signing_key([first, second], NOW + timedelta(days=30, minutes=14)) == first
    assert rules.signing_key([first, second], NOW + timedelta(days=30, minutes=15)) == second


def test_a_new_key_is_published_before_it_signs_and_the_old_stays_until_its_tokens_expired() -> (
    None
):
    first = key(1, NOW)
    made = NOW + timedelta(days=30)
    signs_from = rules.next_signs_from([first], made, TIMES)
    assert signs_from == made + TIMES.lead
    second = key(2, made, signs_from)
    keys = [first, second]
    assert rules.published(keys, made, TIMES) == [first, second]
    # The old key's last token: signed just before the new key signed, by a replica that had
    # not read it yet (reload), alive for its lifetime.
    last_token_expires = signs_from + TIMES.reload + TIMES.token_lifetime
    assert rules.published(keys, last_token_expires - timedelta(seconds=1), TIMES) == keys
    assert rules.published(keys, last_token_expires, TIMES) == [second]
    assert rules.retired(keys, last_token_expires, TIMES) == [first]


def test_the_first_key_signs_at_once() -> None:
    assert rules.next_signs_from([], NOW, TIMES) == NOW


def test_rotation_is_due_when_there_is_no_key_or_the_newest_is_old_enough() -> None:
    assert rules.rotation_due([], NOW, TIMES)
    first = key(1, NOW)
    assert not rules.rotation_due([first], NOW + timedelta(days=29), TIMES)
    assert rules.rotation_due([first], NOW + timedelta(days=30), TIMES)


def test_a_sealed_private_key_opens_only_with_its_key_and_under_its_own_id() -> None:
    sealer = KeySealer("k" * 40)
    sealed = sealer.seal("k1", b"private-key-bytes-32-long-000000")
    assert b"private" not in sealed
    assert sealer.open("k1", sealed) == b"private-key-bytes-32-long-000000"
    with pytest.raises(InvalidTag):
        sealer.open("k2", sealed)
    with pytest.raises(InvalidTag):
        KeySealer("x" * 40).open("k1", sealed)


def test_a_signing_key_never_shows_its_private_half() -> None:
    made = key(1, NOW)
    assert made.private_key.hex() not in repr(made)


@dataclass
class SharedStore:
    """One database for several replicas: unique by generation, as the real one."""

    keys: dict[int, SigningKey] = field(default_factory=dict)

    async def all(self) -> list[SigningKey]:
        await asyncio.sleep(0)  # let racing replicas interleave
        return list(self.keys.values())

    async def insert(self, made: SigningKey) -> bool:
        await asyncio.sleep(0)
        if made.generation in self.keys:
            return False
        self.keys[made.generation] = made
        return True

    async def delete(self, kids: list[str]) -> None:
        self.keys = {g: k for g, k in self.keys.items() if k.kid not in kids}


@dataclass
class Clock:
    at: datetime = NOW
    ticks: float = 0.0

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.ticks

    def advance(self, by: timedelta) -> None:
        self.at += by
        self.ticks += by.total_seconds()


def replicas(store: SharedStore, clock: Clock, n: int) -> list[KeyRing]:
    return [KeyRing(store, TIMES, clock.now, clock.monotonic) for _ in range(n)]


async def test_replicas_starting_together_make_one_first_key() -> None:
    store, clock = SharedStore(), Clock()
    rings = replicas(store, clock, 3)
    signing = await asyncio.gather(*(ring.signing_key() for ring in rings))
    assert len(store.keys) == 1
    assert {k.kid for k in signing} == {store.keys[1].kid}


async def test_replicas_rotate_on_schedule_into_one_new_key_published_ahead() -> None:
    store, clock = SharedStore(), Clock()
    rings = replicas(store, clock, 3)
    await asyncio.gather(*(ring.ready() for ring in rings))
    first = store.keys[1]

    clock.advance(TIMES.rotate_every)
    signing = await asyncio.gather(*(ring.signing_key() for ring in rings))

    assert sorted(store.keys) == [1, 2]  # one new key, not one per replica
    assert {k.kid for k in signing} == {first.kid}  # not signing yet: only published
    assert [k.kid for k in await rings[0].published()] == [first.kid, store.keys[2].kid]

    clock.advance(TIMES.lead)
    assert (await rings[1].signing_key()).kid == store.keys[2].kid

    clock.advance(TIMES.reload + TIMES.token_lifetime)
    assert [k.kid for k in await rings[2].published()] == [store.keys[2].kid]
    assert sorted(store.keys) == [2]  # the retired key is gone from the database too


async def test_a_rotation_by_command_makes_the_next_key_at_once_whatever_the_schedule() -> None:
    store, clock = SharedStore(), Clock()
    ring = replicas(store, clock, 1)[0]
    await ring.ready()
    made = await ring.rotate()
    assert made.generation == 2
    assert made.signs_from == NOW + TIMES.lead
    assert sorted(store.keys) == [1, 2]


async def test_a_replica_reads_the_keys_again_only_after_its_reload_time() -> None:
    store, clock = SharedStore(), Clock()
    ring = replicas(store, clock, 1)[0]
    await ring.ready()
    store.keys.clear()  # as if changed behind its back
    clock.advance(TIMES.reload - timedelta(seconds=1))
    assert len(await ring.published()) == 1
    clock.advance(timedelta(seconds=1))
    (fresh,) = await ring.published()
    # Nothing there any more: a first key again, made when it read.
    assert [fresh.kid] == [k.kid for k in store.keys.values()]


def test_keys_made_afresh_on_another_database_never_share_an_id() -> None:
    # A gateway knows a key by its id: the same id for another key would fail every token.
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    first, again = new_key(1, now, now), new_key(1, now, now)
    assert first.kid != again.kid
    assert first.kid.startswith("k20261203-1-")
