"""The gateway's cache of what each account may act on."""

from typing import Any

from sportello_contracts.envelope import Event
from sportello_contracts.identity import ScopeChanged, ScopeReply
from sportello_gateway.auth import ScopeCache


class CountingIdentity:
    """Stands in for the bus client in these unit tests: answers scope requests and counts them."""

    def __init__(self) -> None:
        self.calls = 0

    async def call(self, operation: Any, request: Any, **_: Any) -> ScopeReply:
        self.calls += 1
        return ScopeReply(
            account_id=request.account_id, role="customer", customer_codes=("C00000001",)
        )


def _changed(account_id: str) -> bytes:
    payload = ScopeChanged(account_id=account_id, customer_codes=("C00000001", "C00000002"))
    return Event.new(payload, producer="identity", correlation_id="c").model_dump_json().encode()


async def test_a_scope_is_asked_once_while_fresh() -> None:
    identity, cache = CountingIdentity(), ScopeCache(ttl=60)
    for _ in range(3):
        scope = await cache.resolve(identity, "acc-1", "req")  # type: ignore[arg-type]
    assert scope.customer_codes == ("C00000001",)
    assert identity.calls == 1


async def test_a_stale_scope_is_asked_again() -> None:
    identity, cache = CountingIdentity(), ScopeCache(ttl=0)
    await cache.resolve(identity, "acc-1", "req")  # type: ignore[arg-type]
    await cache.resolve(identity, "acc-1", "req")  # type: ignore[arg-type]
    assert identity.calls == 2


async def test_identitys_scope_changed_event_drops_only_that_account() -> None:
    identity, cache = CountingIdentity(), ScopeCache(ttl=60)
    for account in ("acc-1", "acc-2"):
        await cache.resolve(identity, account, "req")  # type: ignore[arg-type]
    await cache.on_scope_changed(_changed("acc-1"))
    await cache.resolve(identity, "acc-1", "req")  # type: ignore[arg-type]
    await cache.resolve(identity, "acc-2", "req")  # type: ignore[arg-type]
    assert identity.calls == 3


async def test_a_malformed_event_is_ignored() -> None:
    identity, cache = CountingIdentity(), ScopeCache(ttl=60)
    await cache.resolve(identity, "acc-1", "req")  # type: ignore[arg-type]
    await cache.on_scope_changed(b"{not json")
    await cache.resolve(identity, "acc-1", "req")  # type: ignore[arg-type]
    assert identity.calls == 1
