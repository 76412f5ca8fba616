"""Identity's signing keys: kept in its database (private halves encrypted), rotated, published.

The private halves are sealed (`sealing.KeySealer`), the key id bound in: a database dump alone
signs nothing, and a sealed key moved to another id does not open.
"""

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sportello_identity.adapters.sealing import KeySealer
from sportello_identity.domain import signing_keys as rules
from sportello_identity.domain.signing_keys import KeyTimes, SigningKey

log = logging.getLogger(__name__)

ALGORITHM = "EdDSA"


def new_key(generation: int, now: datetime, signs_from: datetime) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return SigningKey(
        kid=rules.key_id(generation, now, secrets.token_hex(4)),
        generation=generation,
        created_at=now,
        signs_from=signs_from,
        public_jwk={"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"]},
        private_key=private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        ),
    )


class SigningKeyStore:
    """The `signing_keys` collection: one document per key, unique by generation."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], sealer: KeySealer) -> None:
        self.keys = db.signing_keys
        self.sealer = sealer

    async def create_indexes(self) -> None:
        await self.keys.create_index("generation", unique=True)

    async def all(self) -> list[SigningKey]:
        return [self._key(doc) async for doc in self.keys.find({})]

    async def insert(self, key: SigningKey) -> bool:
        """Keep a new key; False when another replica made this generation first."""
        try:
            await self.keys.insert_one(
                {
                    "_id": key.kid,
                    "generation": key.generation,
                    "created_at": key.created_at,
                    "signs_from": key.signs_from,
                    "public_jwk": key.public_jwk,
                    "sealed": self.sealer.seal(key.kid, key.private_key),
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def delete(self, kids: list[str]) -> None:
        if kids:
            await self.keys.delete_many({"_id": {"$in": kids}})

    def _key(self, doc: dict[str, Any]) -> SigningKey:
        return SigningKey(
            kid=doc["_id"],
            generation=int(doc["generation"]),
            created_at=doc["created_at"],
            signs_from=doc["signs_from"],
            public_jwk=dict(doc["public_jwk"]),
            private_key=self.sealer.open(doc["_id"], bytes(doc["sealed"])),
        )


class KeyStore(Protocol):
    async def all(self) -> list[SigningKey]: ...

    async def insert(self, key: SigningKey) -> bool: ...

    async def delete(self, kids: list[str]) -> None: ...


class KeyRing:
    """The keys as this replica knows them: read again every `times.reload`, and rotated then.

    Every reload makes the next key when one is due, and drops the retired ones: rotation
    needs no scheduler of its own, and happens on every replica's schedule alike (the unique
    generation lets only one of them make each key).
    """

    def __init__(
        self,
        store: KeyStore,
        times: KeyTimes,
        now: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.times = times
        self.now = now
        self.monotonic = monotonic
        self._keys: list[SigningKey] = []
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    async def ready(self) -> None:
        """At start: the first key is made (by one replica) before any log-in needs it."""
        await self.keys()

    async def keys(self) -> list[SigningKey]:
        if self._fresh():
            return self._keys
        async with self._lock:
            if not self._fresh():
                await self._reload(rotate=False)
        return self._keys

    async def rotate(self) -> SigningKey:
        """Make the next key now (by command), whatever the schedule; the key made."""
        async with self._lock:
            return await self._reload(rotate=True)

    async def signing_key(self) -> SigningKey:
        keys = await self.keys()
        key = rules.signing_key(keys, self.now())
        assert key is not None, "the first key signs from when it is made"
        return key

    async def published(self) -> list[SigningKey]:
        return rules.published(await self.keys(), self.now(), self.times)

    def _fresh(self) -> bool:
        return (
            self._loaded_at is not None
            and self.monotonic() - self._loaded_at < self.times.reload.total_seconds()
        )

    async def _reload(self, *, rotate: bool) -> SigningKey:
        keys = await self.store.all()
        now = self.now()
        made = None
        while rotate or rules.rotation_due(keys, now, self.times):
            candidate = new_key(
                rules.next_generation(keys), now, rules.next_signs_from(keys, now, self.times)
            )
            if await self.store.insert(candidate):
                made = candidate
                log.info("made signing key %s, signing from %s", made.kid, made.signs_from)
            # Another replica's key of that generation is as new: it answers a command too.
            rotate = False
            keys = await self.store.all()
        gone = rules.retired(keys, now, self.times)
        await self.store.delete([k.kid for k in gone])
        self._keys = [k for k in keys if k not in gone]
        self._loaded_at = self.monotonic()
        return made or max(self._keys, key=lambda k: k.generation)


def public_jwk(key: SigningKey) -> dict[str, str]:
    return {**key.public_jwk, "kid": key.kid, "alg": ALGORITHM, "use": "sig"}
