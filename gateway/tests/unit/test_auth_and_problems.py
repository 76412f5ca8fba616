"""The mapping of failures to problem+json (access tokens: test_token_verification.py)."""

from http import HTTPStatus

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sportello_contracts.rpc import RETRY_AFTER, ErrorKind, ServiceError
from sportello_gateway import problems
from sportello_gateway.bus import ServiceRefused, ServiceUnavailable
from sportello_gateway.problems import (
    DEFAULT_RETRY_AFTER,
    STATUS_OF,
    retry_after,
)


def test_every_error_kind_has_a_status() -> None:
    assert set(STATUS_OF) == set(ErrorKind)


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    problems.install(app)

    @app.get("/refused")
    async def refused() -> None:
        raise ServiceRefused(
            ServiceError(
                kind=ErrorKind.CONFLICT,
                code="username_taken",
                message="Già in uso.",
                details={"username": "anna"},
            )
        )

    @app.get("/refused-with-standard-names")
    async def refused_with_standard_names() -> None:
        raise ServiceRefused(
            ServiceError(
                kind=ErrorKind.INVALID,
                code="weak_password",
                message="Debole.",
                details={"status": 200, "type": "x", "title": "t", "problems": ["corta"]},
            )
        )

    @app.get("/locked")
    async def locked() -> None:
        raise ServiceRefused(
            ServiceError(
                kind=ErrorKind.TOO_MANY,
                code="account_locked",
                message="Bloccato.",
                details={RETRY_AFTER: 90},
            )
        )

    @app.get("/throttled")
    async def throttled() -> None:
        raise ServiceRefused(
            ServiceError(kind=ErrorKind.TOO_MANY, code="too_many_attempts", message="Troppi.")
        )

    @app.get("/busy")
    async def busy() -> None:
        raise ServiceRefused(
            ServiceError(
                kind=ErrorKind.UNAVAILABLE,
                code="busy",
                message="Occupato.",
                details={RETRY_AFTER: 2},
            )
        )

    @app.get("/internal")
    async def internal() -> None:
        raise ServiceRefused(
            ServiceError(kind=ErrorKind.INTERNAL, code="internal_error", message="Errore.")
        )

    @app.get("/down")
    async def down() -> None:
        raise ServiceUnavailable("billing", "no reply in time")

    @app.get("/bug")
    async def bug() -> None:
        raise RuntimeError("internal detail")

    return TestClient(app, raise_server_exceptions=False)


def test_a_typed_refusal_becomes_a_problem_with_its_status_and_details(client: TestClient) -> None:
    answer = client.get("/refused")
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json() == {
        "type": "/problems/username-taken",
        "title": "Conflict",
        "status": 409,
        "detail": "Già in uso.",
        "instance": "/refused",
        "code": "username_taken",
        "details": {"username": "anna"},
    }


def test_details_named_like_standard_members_never_replace_them(client: TestClient) -> None:
    answer = client.get("/refused-with-standard-names")
    assert answer.status_code == 422
    assert answer.json() == {
        "type": "/problems/weak-password",
        "title": HTTPStatus(422).phrase,
        "status": 422,
        "detail": "Debole.",
        "instance": "/refused-with-standard-names",
        "code": "weak_password",
        "details": {"status": 200, "type": "x", "title": "t", "problems": ["corta"]},
    }


def test_a_429_says_when_to_retry_as_the_service_said(client: TestClient) -> None:
    answer = client.get("/locked")
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "90"


def test_a_429_without_the_services_figure_still_says_when_to_retry(client: TestClient) -> None:
    answer = client.get("/throttled")
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == str(DEFAULT_RETRY_AFTER[429])


@pytest.mark.parametrize(
    ("given", "seconds"),
    [
        (90, 90),
        (1.2, 2),
        (0, 0),
        (None, 30),
        ("soon", 30),
        (10**9, 30),
        (-3, 30),
        (True, 30),
        (float("nan"), 30),
        (float("inf"), 30),
        ([5], 30),
    ],
)
def test_only_a_sane_retry_after_is_passed_on(given: object, seconds: int) -> None:
    assert DEFAULT_RETRY_AFTER[429] == 30
    assert retry_after(429, {RETRY_AFTER: given}) == seconds


def test_a_503_refusal_says_when_to_retry_as_the_service_said(client: TestClient) -> None:
    answer = client.get("/busy")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "2"
    assert answer.json()["details"] == {RETRY_AFTER: 2}


def test_a_service_bug_is_a_500(client: TestClient) -> None:
    answer = client.get("/internal")
    assert answer.status_code == 500
    assert answer.json()["code"] == "internal_error"


def test_a_service_that_is_down_is_a_503_naming_it(client: TestClient) -> None:
    answer = client.get("/down")
    assert answer.status_code == 503
    assert answer.json()["details"] == {"service": "billing"}
    assert answer.headers["retry-after"] == "5"


def test_an_unexpected_error_reveals_nothing(client: TestClient) -> None:
    answer = client.get("/bug")
    assert answer.status_code == 500
    assert "internal detail" not in answer.text
    assert answer.json()["code"] == "internal_error"


def test_unknown_routes_are_problems_too(client: TestClient) -> None:
    answer = client.get("/nowhere")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "not_found"


def test_a_method_not_allowed_keeps_its_allow_header(client: TestClient) -> None:
    answer = client.delete("/refused")
    assert answer.status_code == 405
    assert answer.json()["code"] == "method_not_allowed"
    assert answer.headers["allow"] == "GET"
