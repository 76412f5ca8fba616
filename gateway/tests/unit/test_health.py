"""Health: up or down on the public port, every service's detail on the operators' port, every
failure logged with its cause, a database outage reported as such."""

import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sportello_contracts.health import SERVICES, HealthReply
from sportello_contracts.rpc import ErrorKind, ServiceError
from sportello_gateway.bus import ServiceRefused, ServiceUnavailable
from sportello_gateway.main import create_internal_app


def _reply(service: str, *, database: bool = True) -> HealthReply:
    return HealthReply(
        service=service,
        status="ok" if database else "degraded",
        database=database,
        consumers_attached=True,
        version="0.1.0",
    )


@pytest.fixture
def operators(make_app: Callable[..., FastAPI], bus: Any) -> TestClient:
    bus.replies = {f"{s}.health.check": _reply(s) for s in SERVICES}
    return TestClient(create_internal_app(make_app()), raise_server_exceptions=False)


def test_all_well_is_a_200_with_every_service(operators: TestClient) -> None:
    answer = operators.get("/health")
    assert answer.status_code == 200
    report = answer.json()
    assert (report["status"], report["bus"], report["database"]) == ("ok", True, "up")
    assert {name: s["status"] for name, s in report["services"].items()} == dict.fromkeys(
        SERVICES, "ok"
    )
    assert report["services"]["billing"]["detail"]["version"] == "0.1.0"


def test_a_database_outage_is_reported_as_such_not_as_services_down(
    operators: TestClient, bus: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bus.replies = {f"{s}.health.check": _reply(s, database=False) for s in SERVICES}
    with caplog.at_level(logging.WARNING):
        answer = operators.get("/health")
    assert answer.status_code == 503
    report = answer.json()
    assert report["database"] == "down"
    assert {s["status"] for s in report["services"].values()} == {"degraded"}
    assert "health: identity is degraded (database False" in caplog.text


def test_one_services_database_down_is_the_database_down(operators: TestClient, bus: Any) -> None:
    bus.replies["identity.health.check"] = _reply("identity", database=False)
    report = operators.get("/health").json()
    assert report["database"] == "down"
    assert report["services"]["identity"]["status"] == "degraded"
    assert report["services"]["billing"]["status"] == "ok"


def test_a_service_that_does_not_answer_is_down_and_why_is_logged(
    operators: TestClient, bus: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bus.replies["metering.health.check"] = ServiceUnavailable("metering", "no reply in time")
    bus.replies["requests.health.check"] = ServiceRefused(
        ServiceError(kind=ErrorKind.INTERNAL, code="internal_error", message="Errore interno.")
    )
    with caplog.at_level(logging.WARNING):
        answer = operators.get("/health")
    assert answer.status_code == 503
    services = answer.json()["services"]
    assert services["metering"] == {"status": "down", "reason": "no reply in time", "detail": None}
    assert services["requests"]["status"] == "down"
    assert services["requests"]["reason"] == "internal_error"
    assert answer.json()["database"] == "up"  # those that answered reach theirs
    assert "health: metering did not answer: no reply in time" in caplog.text
    assert "health: requests refused the check: internal_error" in caplog.text


def test_no_service_answering_says_nothing_of_the_database(operators: TestClient, bus: Any) -> None:
    for service in SERVICES:
        bus.replies[f"{service}.health.check"] = ServiceUnavailable(service, "no service running")
    assert operators.get("/health").json()["database"] == "unknown"


def test_without_the_bus_everything_is_down(
    operators: TestClient, bus: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bus.connected = False
    with caplog.at_level(logging.WARNING):
        answer = operators.get("/health")
    assert answer.status_code == 503
    assert answer.json()["bus"] is False
    assert {s["status"] for s in answer.json()["services"].values()} == {"down"}
    assert "not connected to the bus" in caplog.text


def test_public_readiness_says_up_or_down_and_nothing_else(client: TestClient, bus: Any) -> None:
    up = client.get("/health/ready")
    assert (up.status_code, up.json()) == (200, {"status": "ready"})
    bus.connected = False
    down = client.get("/health/ready")
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert down.headers["retry-after"]
    assert down.json()["code"] == "not_ready"
    assert "bus" not in down.text
    assert bus.sent == []  # no service is asked


def test_public_liveness_answers_while_the_process_does(client: TestClient, bus: Any) -> None:
    bus.connected = False
    assert client.get("/health/live").json() == {"status": "alive"}


def test_the_detailed_health_is_not_on_the_public_port(client: TestClient) -> None:
    assert client.get("/health").status_code == 404
