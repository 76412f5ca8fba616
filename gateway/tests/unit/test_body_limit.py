"""A body over the gateway's limit is a 413 problem, declared or streamed, and nothing is sent."""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

LIMIT = 2048


def _client(make_app: Callable[..., FastAPI]) -> TestClient:
    return TestClient(make_app(max_body_bytes=LIMIT), raise_server_exceptions=False)


def _body(size: int) -> bytes:
    prefix, suffix = b'{"username": "anna.b", "password": "', b'"}'
    return prefix + b"x" * (size - len(prefix) - len(suffix)) + suffix


def _assert_too_large(answer: Any) -> None:
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "body_too_large"
    assert answer.headers["x-request-id"]


def test_a_body_declared_over_the_limit_is_refused_unread(
    make_app: Callable[..., FastAPI], bus: Any
) -> None:
    answer = _client(make_app).post(
        "/v1/auth/login", content=_body(LIMIT + 1), headers={"content-type": "application/json"}
    )
    _assert_too_large(answer)
    assert bus.sent == []


def test_a_body_streamed_over_the_limit_is_refused(
    make_app: Callable[..., FastAPI], bus: Any
) -> None:
    def chunks() -> Iterator[bytes]:
        body = _body(LIMIT + 500)
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    answer = _client(make_app).post(
        "/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in answer.request.headers
    _assert_too_large(answer)
    assert bus.sent == []


def test_a_body_at_the_limit_is_read(make_app: Callable[..., FastAPI], bus: Any) -> None:
    answer = _client(make_app).post(
        "/v1/auth/login", content=_body(LIMIT), headers={"content-type": "application/json"}
    )
    # The password is over its own limit (256): refused for that, so it was read.
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["body.password"]
