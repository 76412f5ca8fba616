"""Tokens identity issues, the hashes it keeps, and the bounded pool the hashes run in."""

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from sportello_identity.adapters.hashing import Argon2Hasher, Argon2Parameters, HashingPool
from sportello_identity.adapters.signing_keys import new_key
from sportello_identity.adapters.tokens import TokenIssuer, new_refresh_token, refresh_token_key
from sportello_identity.domain.errors import HashingBusy
from sportello_identity.domain.signing_keys import SigningKey

# Cheap parameters: the tests check behaviour, not cost.
CHEAP = Argon2Parameters(time_cost=1, memory_kib=1024, parallelism=1)


class OneKey:
    """A key ring of one key, made now."""

    def __init__(self) -> None:
        now = datetime.now(UTC)
        self.key = new_key(1, now, now)

    async def signing_key(self) -> SigningKey:
        return self.key

    async def published(self) -> list[SigningKey]:
        return [self.key]


async def test_access_tokens_are_signed_with_identitys_key_and_say_who_when_and_which_session() -> (
    None
):
    ring = OneKey()
    issuer = TokenIssuer(ring, "sportello-identity", "sportello-gateway", timedelta(minutes=15))
    token = await issuer.access_token("acc-1", "customer", "line-1")

    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"]) == ("EdDSA", ring.key.kid)
    (published,) = await issuer.public_keys()
    claims = jwt.decode(
        token,
        jwt.PyJWK(published).key,
        algorithms=["EdDSA"],
        issuer="sportello-identity",
        audience="sportello-gateway",
    )
    assert (claims["sub"], claims["role"], claims["typ"], claims["sid"]) == (
        "acc-1",
        "customer",
        "access",
        "line-1",
    )
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert len(claims["jti"]) == 16
    # The public key only: no private member of an OKP key (`d`) is ever published.
    assert set(published) == {"kty", "crv", "x", "kid", "alg", "use"}


def test_refresh_tokens_are_random_and_stored_only_as_a_digest() -> None:
    first, second = new_refresh_token(), new_refresh_token()
    assert first != second
    assert len(first) > 40
    assert refresh_token_key(first) == refresh_token_key(first)
    assert first not in refresh_token_key(first)


async def test_secrets_are_hashed_with_argon2id_at_the_given_cost_and_verified() -> None:
    hasher = Argon2Hasher(CHEAP, HashingPool(slots=2), wait_seconds=5)
    hashed = await hasher.hash("48213907")
    assert hashed.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert await hasher.verify(hashed, "48213907")
    assert not await hasher.verify(hashed, "48213908")
    assert not await hasher.verify(None, "48213907")  # an unknown user never verifies
    assert not await hasher.verify("not a hash", "48213907")


async def test_a_hash_made_at_another_cost_needs_rehashing() -> None:
    cheap = Argon2Hasher(CHEAP, HashingPool(slots=1), wait_seconds=5)
    stronger = Argon2Hasher(
        Argon2Parameters(time_cost=2, memory_kib=1024, parallelism=1), HashingPool(1), 5
    )
    hashed = await cheap.hash("48213907")
    assert not cheap.needs_rehash(hashed)
    assert stronger.needs_rehash(hashed)
    assert await stronger.verify(hashed, "48213907")  # still verifies meanwhile


def test_the_slots_are_what_the_memory_budget_holds() -> None:
    rfc_9106_low_memory = Argon2Parameters()
    assert (rfc_9106_low_memory.memory_kib, rfc_9106_low_memory.time_cost) == (65536, 3)
    assert rfc_9106_low_memory.slots_within(256) == 4
    assert rfc_9106_low_memory.slots_within(100) == 1
    assert rfc_9106_low_memory.slots_within(10) == 1  # never none


class Gauge:
    """Counts the works running at once on the pool's threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0

    def work(self, seconds: float) -> str:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(seconds)
        with self.lock:
            self.running -= 1
        return threading.current_thread().name


async def test_more_hashes_than_slots_never_run_more_than_the_slots_at_once() -> None:
    pool, gauge = HashingPool(slots=3), Gauge()

    threads = await asyncio.gather(*(pool.run(lambda: gauge.work(0.02), 10) for _ in range(20)))

    assert gauge.most == 3
    assert all(name.startswith("argon2") for name in threads)


async def test_a_caller_waiting_past_the_timeout_is_told_busy_with_when_to_retry() -> None:
    pool, gauge = HashingPool(slots=1), Gauge()
    release = threading.Event()
    holding = asyncio.ensure_future(pool.run(release.wait, 10))
    await asyncio.sleep(0.01)

    started = time.monotonic()
    with pytest.raises(HashingBusy) as busy:
        await pool.run(lambda: gauge.work(0), 0.1)
    assert 0.09 < time.monotonic() - started < 1
    assert busy.value.retry_after == 1
    assert gauge.most == 0  # never ran

    release.set()
    await holding
    assert await pool.run(lambda: "free again", 0.1) == "free again"


async def test_a_hasher_for_events_waits_longer_on_the_same_pool() -> None:
    pool = HashingPool(slots=1)
    for_requests = Argon2Hasher(CHEAP, pool, wait_seconds=0.05)
    for_events = for_requests.waiting(5)
    release = threading.Event()
    holding = asyncio.ensure_future(pool.run(release.wait, 10))
    await asyncio.sleep(0.01)

    with pytest.raises(HashingBusy):
        await for_requests.hash("48213907")
    patient = asyncio.ensure_future(for_events.hash("48213907"))
    await asyncio.sleep(0.1)
    release.set()
    await holding
    assert await for_requests.verify(await patient, "48213907")
    assert (for_requests.wait_seconds, for_events.wait_seconds) == (0.05, 5)


async def test_a_cancelled_caller_keeps_its_slot_until_its_hash_is_done() -> None:
    pool, gauge = HashingPool(slots=1), Gauge()
    release = threading.Event()
    cancelled = asyncio.ensure_future(pool.run(release.wait, 10))
    await asyncio.sleep(0.01)
    cancelled.cancel()
    waiting = asyncio.ensure_future(pool.run(lambda: gauge.work(0), 10))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # the cancelled caller's hash still holds the one slot

    release.set()
    await waiting
    assert gauge.most == 1
