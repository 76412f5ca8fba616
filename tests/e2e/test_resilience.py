"""A service killed with `kill -9`: only its routes fail, quickly; nothing is lost after restart.

These tests stop and start processes of the shared system, so they run last.
"""

import time
from typing import Any

import httpx
import pytest

from e2e.flows import (
    assert_problem,
    bearer,
    health,
    onboard,
    register,
    service_ok,
    signed_in_customer,
    the_one_mail_to,
)
from sportello_deploy.testing import eventually, random_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_a_killed_service_fails_only_its_own_routes_fast_and_recovers(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)

    system.kill("identity")
    login = {"username": "whoever", "password": "whatever-1234"}
    # A call racing the broker's notice of the death may wait out its deadline: still a 503.
    assert_problem(await gateway.post("/v1/auth/login", json=login), 503, "service_unavailable")
    started = time.monotonic()
    answer = await gateway.post("/v1/auth/login", json=login)
    elapsed = time.monotonic() - started
    problem = assert_problem(answer, 503, "service_unavailable")
    assert problem["details"]["service"] == "identity"
    assert answer.headers["retry-after"]
    # Once the broker knows, calls are refused at once (the queue left with its consumer),
    # well before the 3 s deadline.
    assert elapsed < 1, elapsed

    report = await health(system)
    assert report.status_code == 503
    services = report.json()["services"]
    assert services["identity"]["status"] == "down"
    assert all(
        services[s]["status"] == "ok" for s in ("billing", "metering", "requests", "notifications")
    )

    system.start("identity")
    await eventually(lambda: service_ok(system, "identity"), seconds=30, what="identity back")
    assert (await gateway.get("/v1/me", headers=bearer(session))).status_code == 200


async def test_events_wait_in_their_queue_while_the_consumer_is_down(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    system.kill("notifications")
    customer = random_customer()
    await onboard(system, customer)
    assert (await register(gateway, customer)).status_code == 201
    assert system.mail.messages_to(customer.email) == []

    system.start("notifications")

    await the_one_mail_to(system, customer.email)
    await eventually(
        lambda: service_ok(system, "notifications"), seconds=30, what="notifications back"
    )


async def test_a_gateway_stays_ready_while_a_service_is_down(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    system.kill("metering")
    try:
        assert (await gateway.get("/health/ready")).json() == {"status": "ready"}
        assert (await health(system)).status_code == 503
    finally:
        system.start("metering")
    await eventually(lambda: service_ok(system, "metering"), seconds=30, what="metering back")
