"""Access tokens (short-lived JWTs the gateway verifies); refresh tokens (opaque, kept hashed)."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import jwt

from sportello_contracts.identity import ACCESS_TOKEN_TYPE


class TokenIssuer:
    def __init__(self, secret: str, issuer: str, access_ttl: timedelta) -> None:
        self.secret = secret
        self.issuer = issuer
        self.access_ttl = access_ttl

    def access_token(self, account_id: str, role: str, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        claims = {
            "sub": account_id,
            "role": role,
            "typ": ACCESS_TOKEN_TYPE,
            "iss": self.issuer,
            "iat": now,
            "exp": now + self.access_ttl,
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def new_refresh_token(self) -> str:
        return new_refresh_token()

    def refresh_token_key(self, token: str) -> str:
        return refresh_token_key(token)


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


def refresh_token_key(token: str) -> str:
    """What is stored of a refresh token: its SHA-256 (it is random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
