"""The gateway's app in these unit tests: real routes and problems, a bus client that records."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

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


TOKEN_SECRET = "s" * 40


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def make_app(bus: RecordingBus) -> Callable[..., FastAPI]:
    """The gateway's app, without its lifespan (no broker): `bus` in its place."""

    def make(**settings: Any) -> FastAPI:
        app = create_app(GatewaySettings.model_validate({"TOKEN_SECRET": TOKEN_SECRET, **settings}))
        app.state.bus = bus
        return app

    return make


@pytest.fixture
def client(make_app: Callable[..., FastAPI]) -> TestClient:
    return TestClient(make_app(), raise_server_exceptions=False)
