"""The gateway's cache of what each account may act on: fresh, bounded, never stale after a
`ScopeChanged`."""

import asyncio
from typing import Any

from sportello_contracts.envelope import Event
from sportello_contracts.identity import ScopeChanged, ScopeReply
from sportello_gateway.auth import ScopeCache


class Identity:
    """Stands in for the bus client: answers scope requests with the codes it holds now, counts
    them, and can be held in the middle of an answer."""

    def __init__(self) -> None:
        self.calls = 0
        self.codes: tuple[str, ...] = ("C00000001",)
        self.held: asyncio.Event | None = None
        self.asked = asyncio.Event()

    async def call(self, operation: Any, request: Any, **_: Any) -> ScopeReply:
        self.calls += 1
        codes = self.codes  # read now: what identity had when the request reached it
        self.asked.set()
        if self.held is not None:
            await self.held.wait()
        return ScopeReply(account_id=request.account_id, role="customer", customer_codes=codes)


def _changed(account_id: str) -> bytes:
    payload = ScopeChanged(account_id=account_id, customer_codes=("C00000001", "C00000002"))
    return Event.new(payload, producer="identity", correlation_id="c").model_dump_json().encode()


async def _resolve(cache: ScopeCache, identity: Identity, account_id: str = "acc-1") -> ScopeReply:
    return await cache.resolve(identity, account_id)  # type: ignore[arg-type]


async def test_a_scope_is_asked_once_while_fresh() -> None:
    identity, cache = Identity(), ScopeCache(ttl=60)
    for _ in range(3):
        scope = await _resolve(cache, identity)
    assert scope.customer_codes == ("C00000001",)
    assert identity.calls == 1


async def test_a_scope_is_asked_again_once_expired() -> None:
    identity, cache = Identity(), ScopeCache(ttl=0.05)
    await _resolve(cache, identity)
    await asyncio.sleep(0.1)
    await _resolve(cache, identity)
    assert identity.calls == 2


async def test_with_no_time_to_live_nothing_is_kept() -> None:
    identity, cache = Identity(), ScopeCache(ttl=0)
    await _resolve(cache, identity)
    await _resolve(cache, identity)
    assert identity.calls == 2
    assert len(cache) == 0


async def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used() -> None:
    identity, cache = Identity(), ScopeCache(ttl=60, size=2)
    for account in ("acc-1", "acc-2", "acc-1", "acc-3"):
        await _resolve(cache, identity, account)
    assert len(cache) == 2
    assert identity.calls == 3
    await _resolve(cache, identity, "acc-1")  # used recently: still there
    assert identity.calls == 3
    await _resolve(cache, identity, "acc-2")  # the least recently used: gone
    assert identity.calls == 4


async def test_identitys_scope_changed_event_drops_only_that_account() -> None:
    identity, cache = Identity(), ScopeCache(ttl=60)
    for account in ("acc-1", "acc-2"):
        await _resolve(cache, identity, account)
    await cache.on_scope_changed(_changed("acc-1"))
    await _resolve(cache, identity, "acc-1")
    await _resolve(cache, identity, "acc-2")
    assert identity.calls == 3


async def test_a_scope_fetched_before_a_change_is_not_kept_after_it() -> None:
    identity, cache = Identity(), ScopeCache(ttl=60)
    identity.held = asyncio.Event()
    # The fetch reads the old codes, then the change commits and its event arrives while the
    # old answer is still on its way back.
    fetch = asyncio.create_task(_resolve(cache, identity))
    await identity.asked.wait()
    identity.codes = ("C00000001", "C00000002")
    await cache.on_scope_changed(_changed("acc-1"))
    identity.held.set()
    assert (await fetch).customer_codes == ("C00000001",)  # its own request gets it: it raced

    identity.held = None
    assert (await _resolve(cache, identity)).customer_codes == ("C00000001", "C00000002")
    assert identity.calls == 2


async def test_a_change_of_another_account_does_not_stop_a_fetch_from_being_kept() -> None:
    identity, cache = Identity(), ScopeCache(ttl=60)
    identity.held = asyncio.Event()
    fetch = asyncio.create_task(_resolve(cache, identity))
    await identity.asked.wait()
    await cache.on_scope_changed(_changed("acc-2"))
    identity.held.set()
    await fetch
    await _resolve(cache, identity)
    assert identity.calls == 1


async def test_after_the_bus_reconnects_no_scope_fetched_before_is_kept() -> None:
    # Events sent while the connection was down are lost: nothing cached can be trusted.
    identity, cache = Identity(), ScopeCache(ttl=60)
    await _resolve(cache, identity, "acc-1")
    identity.held, identity.asked = asyncio.Event(), asyncio.Event()
    in_flight = asyncio.create_task(_resolve(cache, identity, "acc-2"))
    await identity.asked.wait()
    cache.forget_all()
    identity.held.set()
    await in_flight
    identity.held = None
    await _resolve(cache, identity, "acc-1")
    await _resolve(cache, identity, "acc-2")
    assert identity.calls == 4


async def test_generations_are_kept_only_while_fetches_run() -> None:
    identity, cache = Identity(), ScopeCache(ttl=60)
    for n in range(50):
        await cache.on_scope_changed(_changed(f"acc-{n}"))
        await _resolve(cache, identity, f"acc-{n}")
    assert cache._fetching == {}


async def test_a_malformed_event_is_ignored() -> None:
    identity, cache = Identity(), ScopeCache(ttl=60)
    await _resolve(cache, identity)
    await cache.on_scope_changed(b"{not json")
    await _resolve(cache, identity)
    assert identity.calls == 1
