"""The gateway's health, honest: readiness follows the real broker connection, the detail is for
operators only."""

import secrets
import socket
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio

from e2e.flows import Gateway, assert_problem, health, own_gateway
from sportello_deploy.servers import drop_connection, rabbitmqctl
from sportello_deploy.testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_the_public_port_says_up_or_down_and_operators_get_the_detail(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    assert (await gateway.get("/health")).status_code == 404
    ready = await gateway.get("/health/ready")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert (await gateway.get("/health/live")).json() == {"status": "alive"}

    report = await health(system)
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["status"], body["bus"], body["database"]) == ("ok", True, "up")
    assert {s["status"] for s in body["services"].values()} == {"ok"}


class BrokerUser:
    """A broker user of the test's own, whose permissions the test takes away and gives back:
    a broker that drops a connection and refuses it for a while, as in a failover."""

    def __init__(self, rabbitmq_url: str, name: str) -> None:
        parts = urlsplit(rabbitmq_url)
        self.name, self.password = name, secrets.token_hex(12)
        self.vhost = unquote(parts.path[1:]) or "/"
        netloc = f"{name}:{self.password}@{parts.hostname}:{parts.port or 5672}"
        self.url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))

    async def allow(self) -> None:
        await rabbitmqctl("set_permissions", "-p", self.vhost, self.name, ".*", ".*", ".*")

    async def refuse(self) -> None:
        await rabbitmqctl("clear_permissions", "-p", self.vhost, self.name)


@pytest_asyncio.fixture(loop_scope="session")
async def broker_user(system: Any) -> AsyncIterator[BrokerUser]:
    user = BrokerUser(
        system.servers.rabbitmq_url, f"{system.servers.prefix}-gw-{secrets.token_hex(2)}"
    )
    await rabbitmqctl("add_user", user.name, user.password)
    try:
        await user.allow()
        yield user
    finally:
        await rabbitmqctl("delete_user", user.name)


async def _ready(gateway: Gateway) -> int:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=5) as client:
        return (await client.get("/health/ready")).status_code


async def test_readiness_is_down_while_the_broker_connection_is_and_back_after(
    system: Any, broker_user: BrokerUser
) -> None:
    async with own_gateway(system, "gateway-dropped", RABBITMQ_URL=broker_user.url) as gateway:
        assert await _ready(gateway) == 200
        # The broker drops the connection and, for now, refuses it back.
        await broker_user.refuse()
        assert gateway.process.process is not None
        pid = gateway.process.process.pid
        await drop_connection(f"{system.servers.prefix}-gateway {socket.gethostname()}:{pid}")

        async def not_ready() -> bool:
            return await _ready(gateway) == 503

        await eventually(not_ready, seconds=10, what="readiness down")
        # It stays down across several reconnection attempts (one a second), and says so:
        # on the public port without detail, on the operators' port with it.
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            assert await _ready(gateway) == 503
        async with httpx.AsyncClient(timeout=5) as client:
            down = await client.get(f"{gateway.url}/health/ready")
            assert_problem(down, 503, "not_ready")
            assert down.headers["retry-after"]
            login = await client.post(
                f"{gateway.url}/v1/auth/login", json={"username": "anna.b", "password": "x"}
            )
            assert_problem(login, 503, "service_unavailable")
            report = await client.get(f"{gateway.operators_url}/health")
            assert report.status_code == 503
            assert report.json()["bus"] is False

        await broker_user.allow()

        async def ready() -> bool:
            return await _ready(gateway) == 200

        await eventually(ready, seconds=15, what="readiness back after the reconnection")
        async with httpx.AsyncClient(timeout=5) as client:
            back = await client.get(f"{gateway.operators_url}/health")
            assert back.status_code == 200, back.text
        log = (system.logs / "gateway-dropped.log").read_text()
        assert "bus connection lost" in log
        assert "bus connection restored" in log
