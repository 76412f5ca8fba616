"""The one way a route sends its request on: bodies derived from the contracts, 422s naming the
fields, the request id from the request's context, the key of a command, the client's address."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import model_validator

from sportello_contracts.base import Contract
from sportello_contracts.identity import (
    LOG_IN,
    REGISTER_ACCOUNT,
    USER_AGENT_MAX_LENGTH,
    LogInRequest,
    RefreshSessionRequest,
    RegisterAccountReply,
    RegisterAccountRequest,
    SessionReply,
)
from sportello_contracts.rpc import Operation, Request
from sportello_gateway.forward import GATEWAY_FIELDS, Forward, http_model
from sportello_gateway.routes.auth import LoginCreate, RefreshCreate, RegistrationCreate

SESSION = SessionReply(access_token="a", refresh_token="r", expires_in=900)
ACCOUNT = RegisterAccountReply(account_id="acc-1", username="anna.b", email="anna@example.it")
REGISTRATION = {
    "fiscal_code": "RSSMRA80A01H501U",
    "registration_pin": "12345678",
    "username": "anna.b",
    "password": "Sole-e-Luna-77",
}


def _fields(model: type[Any], without: tuple[str, ...] = ()) -> dict[str, Any]:
    properties: dict[str, Any] = model.model_json_schema()["properties"]
    return {
        name: {**schema, "title": None}
        for name, schema in properties.items()
        if name not in without
    }


@pytest.mark.parametrize(
    ("body", "contract"),
    [
        (LoginCreate, LogInRequest),
        (RefreshCreate, RefreshSessionRequest),
        (RegistrationCreate, RegisterAccountRequest),
    ],
)
def test_bodies_have_exactly_the_contracts_fields_and_limits(body: Any, contract: Any) -> None:
    assert _fields(body) == _fields(contract, without=tuple(GATEWAY_FIELDS))
    assert body.model_json_schema()["additionalProperties"] is False


@pytest.mark.parametrize(
    ("path", "field", "limit", "reply"),
    [
        ("/v1/auth/login", "username", 80, SESSION),
        ("/v1/auth/login", "password", 256, SESSION),
        ("/v1/auth/refresh", "refresh_token", 200, SESSION),
    ],
)
def test_a_string_at_its_limit_is_sent_and_one_past_it_is_a_422_naming_it(
    client: TestClient, bus: Any, path: str, field: str, limit: int, reply: Any
) -> None:
    bus.replies = {"identity.session.open": reply, "identity.session.refresh": reply}
    body = {"username": "anna.b", "password": "x"} if "login" in path else {}
    at_limit = client.post(path, json={**body, field: "a" * limit})
    assert at_limit.status_code == 200, at_limit.text
    assert len(bus.sent) == 1
    past = client.post(path, json={**body, field: "a" * (limit + 1)})
    assert past.status_code == 422
    assert past.headers["content-type"] == "application/problem+json"
    assert past.json()["code"] == "invalid_request"
    assert [e["field"] for e in past.json()["errors"]] == [f"body.{field}"]
    assert len(bus.sent) == 1  # nothing sent


@pytest.mark.parametrize("field", ["caller", "client_address", "role"])
def test_a_field_the_gateway_fills_in_or_does_not_know_is_refused(
    client: TestClient, bus: Any, field: str
) -> None:
    answer = client.post(
        "/v1/auth/login", json={"username": "anna.b", "password": "x", field: "operator"}
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [f"body.{field}"]
    assert bus.sent == []


def test_the_request_id_and_no_idempotency_key_go_with_a_query(
    client: TestClient, bus: Any
) -> None:
    bus.replies = {LOG_IN.name: SESSION}
    answer = client.post(
        "/v1/auth/login",
        json={"username": " Anna.B ", "password": "x"},
        headers={"X-Request-ID": "client-abc-12345"},
    )
    assert answer.headers["x-request-id"] == "client-abc-12345"
    (sent,) = bus.sent
    assert sent.correlation_id == "client-abc-12345"
    assert sent.idempotency_key is None  # log-in is not a command: it is never replayed
    # The client's User-Agent goes with it: the device the session is listed with.
    assert sent.request == LogInRequest(username="anna.b", password="x", user_agent="testclient")


def test_a_long_user_agent_is_cut_not_refused(client: TestClient, bus: Any) -> None:
    bus.replies = {LOG_IN.name: SESSION}
    answer = client.post(
        "/v1/auth/login",
        json={"username": "anna.b", "password": "x"},
        headers={"User-Agent": "Mozilla/5.0 " + "x" * 2000},
    )
    assert answer.status_code == 200
    (sent,) = bus.sent
    assert sent.request.user_agent == ("Mozilla/5.0 " + "x" * 2000)[:USER_AGENT_MAX_LENGTH]


def test_a_client_cannot_send_its_own_user_agent_field(client: TestClient, bus: Any) -> None:
    answer = client.post(
        "/v1/auth/login", json={"username": "anna.b", "password": "x", "user_agent": "forged"}
    )
    assert answer.status_code == 422
    assert bus.sent == []


def test_a_command_carries_the_clients_key_else_the_request_id(
    client: TestClient, bus: Any
) -> None:
    bus.replies = {REGISTER_ACCOUNT.name: ACCOUNT}
    client.post("/v1/auth/register", json=REGISTRATION, headers={"Idempotency-Key": "order:42"})
    client.post("/v1/auth/register", json=REGISTRATION, headers={"X-Request-ID": "rid-12345678"})
    assert [s.idempotency_key for s in bus.sent] == ["order:42", "rid-12345678"]


def test_without_a_clients_id_each_request_gets_a_new_one(client: TestClient, bus: Any) -> None:
    bus.replies = {LOG_IN.name: SESSION}
    answers = [
        client.post("/v1/auth/login", json={"username": "abcd", "password": "x"}) for _ in "ab"
    ]
    ids = [a.headers["x-request-id"] for a in answers]
    assert ids[0] != ids[1]
    assert [s.correlation_id for s in bus.sent] == ids


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "expected"),
    [
        ("", "203.0.113.9", "198.51.100.7", "203.0.113.9"),
        ("203.0.113.0/24", "203.0.113.9", "198.51.100.7", "198.51.100.7"),
        ("203.0.113.0/24", "203.0.113.9", None, "203.0.113.9"),
    ],
)
def test_the_request_carries_the_clients_address(
    make_app: Callable[..., FastAPI],
    bus: Any,
    trusted: str,
    peer: str,
    forwarded: str | None,
    expected: str,
) -> None:
    bus.replies = {LOG_IN.name: SESSION}
    client = TestClient(make_app(trusted_proxies=trusted), client=(peer, 50000))
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    client.post("/v1/auth/login", json={"username": "abcd", "password": "x"}, headers=headers)
    assert str(bus.sent[0].request.client_address) == expected


class Ordered(Request):
    low: int
    high: int

    @model_validator(mode="after")
    def _in_order(self) -> "Ordered":
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


ORDERED = Operation("test.range.check", Ordered, Contract, needs_caller=False)
OrderedCreate = http_model(Ordered, "OrderedCreate")


def test_a_contract_refusing_what_the_body_allowed_is_a_422_not_a_500(
    make_app: Callable[..., FastAPI], bus: Any
) -> None:
    app = make_app()

    @app.post("/ordered")
    async def ordered(body: OrderedCreate, send: Forward) -> None:  # type: ignore[valid-type]
        await send(ORDERED, body)

    client = TestClient(app, raise_server_exceptions=False)
    answer = client.post("/ordered", json={"low": 2, "high": 1})
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_request"
    assert answer.json()["errors"] == [
        {"field": "body", "problem": "Value error, low must not exceed high"}
    ]
    assert bus.sent == []
