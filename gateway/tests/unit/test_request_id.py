"""The request id: a client's own kept when it looks like one, else a new one; on every answer."""

import logging
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sportello_gateway.request_id import current_request_id
from sportello_kit.logs import correlation_id


@pytest.fixture
def app(make_app: Callable[..., FastAPI]) -> FastAPI:
    app = make_app()

    @app.get("/whoami")
    async def whoami() -> dict[str, str]:
        return {"request_id": current_request_id()}

    @app.get("/bug")
    async def bug() -> None:
        raise RuntimeError("a bug")

    return app


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("client-abc-12345", True),
        ("a" * 64, True),
        ("short", False),
        ("a" * 65, False),
        ("with space 123", False),
        ("semi;colon;1234", False),
    ],
)
def test_a_clients_id_is_kept_when_it_looks_like_one(app: FastAPI, given: str, kept: bool) -> None:
    answer = TestClient(app).get("/whoami", headers={"X-Request-ID": given})
    request_id = answer.headers["x-request-id"]
    assert answer.json() == {"request_id": request_id}
    assert (request_id == given) is kept
    if not kept:
        assert len(request_id) == 32


def test_an_unexpected_error_still_carries_the_id_and_logs_it(app: FastAPI) -> None:
    seen: list[str | None] = []

    class Remember(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(correlation_id.get())

    handler = Remember(level=logging.ERROR)
    logging.getLogger("sportello_gateway.problems").addHandler(handler)
    try:
        answer = TestClient(app, raise_server_exceptions=False).get(
            "/bug", headers={"X-Request-ID": "client-abc-12345"}
        )
    finally:
        logging.getLogger("sportello_gateway.problems").removeHandler(handler)
    assert answer.status_code == 500
    assert answer.headers["x-request-id"] == "client-abc-12345"
    assert "a bug" not in answer.text
    assert seen == ["client-abc-12345"]
