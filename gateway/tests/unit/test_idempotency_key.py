"""The `Idempotency-Key` a command carries: the client's own, else the request id."""

from collections.abc import Awaitable, Callable

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from sportello_gateway import problems
from sportello_gateway.dependencies import IdempotencyKey


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.request_id = "rid-1234567"
        return await call_next(request)

    @app.post("/command")
    async def command(key: IdempotencyKey) -> dict[str, str]:
        return {"key": key}

    return TestClient(app)


def test_the_clients_key_is_used_when_given(client: TestClient) -> None:
    key = "order:42_a-b.c"
    answer = client.post("/command", headers={"Idempotency-Key": key})
    assert answer.json() == {"key": key}


def test_without_a_key_the_request_id_is_the_key(client: TestClient) -> None:
    assert client.post("/command").json() == {"key": "rid-1234567"}


@pytest.mark.parametrize("key", ["", "with space", "a/b", "k" * 201])
def test_a_malformed_key_is_an_invalid_request(client: TestClient, key: str) -> None:
    answer = client.post("/command", headers={"Idempotency-Key": key})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "invalid_request"


def test_the_longest_key_allowed_is_accepted(client: TestClient) -> None:
    key = "k" * 200
    assert client.post("/command", headers={"Idempotency-Key": key}).json() == {"key": key}
