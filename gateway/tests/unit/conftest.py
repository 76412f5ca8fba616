"""The gateway's app in these unit tests: real routes and problems, a bus client that records."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import OKPAlgorithm

from sportello_contracts.identity import GET_PUBLIC_KEYS, PublicKey, PublicKeysReply
from sportello_gateway.main import create_app
from sportello_gateway.settings import GatewaySettings


@dataclass
class Sent:
    operation: Any
    request: Any
    correlation_id: str | None
    idempotency_key: str | None


@dataclass
class RecordingBus:
    """Stands in for the bus client: records each call and answers from `replies` (by
    operation name; an exception there is raised)."""

    replies: dict[str, Any] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    connected: bool = True

    async def call(
        self,
        operation: Any,
        request: Any,
        *,
        correlation_id: str | None = None,
        timeout: float | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        self.sent.append(Sent(operation, request, correlation_id, idempotency_key))
        reply = self.replies.get(operation.name)
        if isinstance(reply, Exception):
            raise reply
        if reply is None:
            raise AssertionError(f"no reply prepared for {operation.name}")
        return reply


SETTINGS = GatewaySettings()


@dataclass
class Signer:
    """Signs access tokens as identity does, with a key of its own (`kid`)."""

    kid: str = "k-test-1"
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def public(self) -> PublicKey:
        jwk = OKPAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return PublicKey(kty=jwk["kty"], crv=jwk["crv"], x=jwk["x"], kid=self.kid, alg="EdDSA")

    def token(self, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        """A live access token of `acc-1`, session `line-1`; a claim given as None is left out."""
        now = datetime.now(UTC)
        base = {
            "iss": SETTINGS.token_issuer,
            "aud": SETTINGS.token_audience,
            "sub": "acc-1",
            "role": "customer",
            "typ": "access",
            "iat": now,
            "exp": now + timedelta(minutes=5),
            "jti": "0123456789abcdef",
            "sid": "line-1",
        }
        merged = {k: v for k, v in {**base, **claims}.items() if v is not None}
        return jwt.encode(
            merged, self.key, algorithm="EdDSA", headers={"kid": self.kid, **(headers or {})}
        )


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture(autouse=True)
def signer(bus: RecordingBus) -> Signer:
    """Identity's key, published to the gateway's bus client."""
    signer = Signer()
    bus.replies[GET_PUBLIC_KEYS.name] = PublicKeysReply(keys=(signer.public,))
    return signer


@pytest.fixture
def make_app(bus: RecordingBus) -> Callable[..., FastAPI]:
    """The gateway's app, without its lifespan (no broker): `bus` in its place."""

    def make(**settings: Any) -> FastAPI:
        app = create_app(GatewaySettings.model_validate(settings))
        app.state.bus = bus
        return app

    return make


@pytest.fixture
def client(make_app: Callable[..., FastAPI]) -> TestClient:
    return TestClient(make_app(), raise_server_exceptions=False)
