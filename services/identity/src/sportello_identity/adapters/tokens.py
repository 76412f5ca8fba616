"""Access tokens (short-lived JWTs signed with identity's keys); refresh tokens (opaque, hashed)."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sportello_contracts.identity import ACCESS_TOKEN_TYPE
from sportello_identity.adapters.signing_keys import ALGORITHM, public_jwk
from sportello_identity.domain.signing_keys import SigningKey


class Keys(Protocol):
    """The key ring as the issuer uses it (`signing_keys.KeyRing`)."""

    async def signing_key(self) -> SigningKey: ...

    async def published(self) -> list[SigningKey]: ...


class TokenIssuer:
    def __init__(self, keys: Keys, issuer: str, audience: str, access_ttl: timedelta) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.access_ttl = access_ttl

    async def access_token(
        self, account_id: str, role: str, session_id: str, now: datetime | None = None
    ) -> str:
        now = now or datetime.now(UTC)
        key = await self.keys.signing_key()
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": account_id,
            "role": role,
            "typ": ACCESS_TOKEN_TYPE,
            "iat": now,
            "exp": now + self.access_ttl,
            "jti": secrets.token_hex(8),
            "sid": session_id,
        }
        private = Ed25519PrivateKey.from_private_bytes(key.private_key)
        return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": key.kid})

    async def public_keys(self) -> list[dict[str, str]]:
        """The JWKS's keys: every one whose tokens may be alive, and the next to sign."""
        return [public_jwk(key) for key in await self.keys.published()]

    def new_refresh_token(self) -> str:
        return new_refresh_token()

    def refresh_token_key(self, token: str) -> str:
        return refresh_token_key(token)


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


def refresh_token_key(token: str) -> str:
    """What is stored of a refresh token: its SHA-256 (it is random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
