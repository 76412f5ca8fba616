"""Identity's own signing key, read from its database as only a test may (the demo key-encryption
key opens it): to make tokens a forger could not, and see each claim refused alone."""

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo import AsyncMongoClient

from sportello_identity.adapters.sealing import KeySealer
from sportello_kit.settings import DEMO_KEY_ENCRYPTION_KEY


async def identity_key(system: Any) -> tuple[str, Ed25519PrivateKey]:
    """The id and private half of the key identity signs with now (the newest signing)."""
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url, tz_aware=True) as client:
        keys = client.sportello_identity.signing_keys
        doc = await keys.find_one(
            {"signs_from": {"$lte": datetime.now(UTC)}}, sort=[("generation", -1)]
        )
    assert doc is not None, "identity made its first key at start"
    raw = KeySealer(DEMO_KEY_ENCRYPTION_KEY).open(doc["_id"], bytes(doc["sealed"]))
    return doc["_id"], Ed25519PrivateKey.from_private_bytes(raw)


def claims(**overrides: Any) -> dict[str, Any]:
    """An access token's claims as identity makes them; a claim given as None is left out."""
    now = datetime.now(UTC)
    base = {
        "iss": "sportello-identity",
        "aud": "sportello-gateway",
        "sub": "someone",
        "role": "customer",
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "0123456789abcdef",
        "sid": "no-such-session",
    }
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def signed(
    kid: str, key: Ed25519PrivateKey, headers: dict[str, Any] | None = None, **overrides: Any
) -> str:
    return jwt.encode(
        claims(**overrides), key, algorithm="EdDSA", headers={"kid": kid, **(headers or {})}
    )
