"""Identity's public keys (its JWKS), fetched over the bus and kept for a while.

A token naming a key not held makes the gateway ask again, but at most once per
`refetch_interval` (a stream of forged key ids costs identity one call per interval, not one
per token). Identity publishes each key longer before it signs than `ttl`, so a gateway meets
a new key's tokens only after it fetched the key anyway.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import jwt

from sportello_contracts.identity import GET_PUBLIC_KEYS, PublicKeysReply, PublicKeysRequest
from sportello_gateway.bus import BusClient
from sportello_kit.logs import correlation_id

log = logging.getLogger(__name__)

# The one algorithm identity signs with: nothing else is ever accepted (`none`, HS256...).
ALGORITHM = "EdDSA"


class PublicKeys:
    def __init__(
        self,
        ttl: float,
        refetch_interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.refetch_interval = refetch_interval
        self.clock = clock
        self._reply: PublicKeysReply | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, bus: BusClient, kid: str) -> jwt.PyJWK | None:
        """The key `kid` names, or None if identity does not publish it."""
        if not self._fresh():
            await self._fetch(bus, unless_fetched_since=self._fetched_at)
        key = self._keys.get(kid)
        if key is None and self._may_refetch():
            await self._fetch(bus, unless_fetched_since=self._fetched_at)
            key = self._keys.get(kid)
        return key

    async def jwks(self, bus: BusClient) -> dict[str, Any]:
        """The key set as `/.well-known/jwks.json` serves it."""
        if not self._fresh():
            await self._fetch(bus, unless_fetched_since=self._fetched_at)
        assert self._reply is not None
        return self._reply.model_dump()

    def _fresh(self) -> bool:
        return self._fetched_at is not None and self.clock() - self._fetched_at < self.ttl

    def _may_refetch(self) -> bool:
        return self._fetched_at is None or self.clock() - self._fetched_at >= self.refetch_interval

    async def _fetch(self, bus: BusClient, *, unless_fetched_since: float | None) -> None:
        async with self._lock:
            # Requests that waited for the lock use what the one before them fetched.
            if self._fetched_at != unless_fetched_since:
                return
            reply = await bus.call(
                GET_PUBLIC_KEYS, PublicKeysRequest(), correlation_id=correlation_id.get()
            )
            keys = {}
            for published in reply.keys:
                if published.alg != ALGORITHM:
                    continue
                try:
                    keys[published.kid] = jwt.PyJWK(published.model_dump(), ALGORITHM)
                except jwt.PyJWKError:
                    log.warning("ignored public key %s: not a usable JWK", published.kid)
            self._reply, self._keys, self._fetched_at = reply, keys, self.clock()
