"""The OpenAPI document tells the truth: problems under `application/problem+json`, every status
a route can answer with its codes, tokens kept out of caches; and /docs works offline."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sportello_contracts.identity import LOG_IN, REFRESH_SESSION, SessionReply
from sportello_gateway.problems import MEDIA_TYPE

SESSION = SessionReply(access_token="a", refresh_token="r", expires_in=900)
# Routes that take a body, that need a token, that limit guessing.
WITH_BODY = {
    ("post", "/v1/auth/register"),
    ("post", "/v1/auth/login"),
    ("post", "/v1/auth/refresh"),
    ("post", "/v1/auth/logout"),
    ("post", "/v1/operators/legacy-accounts"),
    ("post", "/v1/me/passkeys"),
    ("post", "/v1/auth/passkey"),
    ("post", "/v1/me/deletion"),
    ("post", "/v1/auth/login/second-factor"),
    ("post", "/v1/me/totp/confirm"),
    ("post", "/v1/me/totp/disable"),
    ("post", "/v1/me/totp/recovery-codes"),
    ("post", "/v1/operators"),
    ("post", "/v1/operators/administrator-codes"),
    ("post", "/v1/auth/register/administrator"),
    ("post", "/v1/me/condominiums"),
    ("post", "/v1/auth/recovery"),
    ("post", "/v1/auth/password-reset"),
    ("put", "/v1/me/password"),
    ("put", "/v1/me/email"),
    ("post", "/v1/auth/email-confirmation"),
    ("put", "/v1/me/phone"),
    ("post", "/v1/me/phone/confirmation"),
    ("put", "/v1/me/contact-preferences"),
    ("post", "/v1/me/personal-data-change-requests"),
    ("post", "/v1/billing-profiles/changes"),
    ("post", "/v1/bills/{bill_number}/payments"),
    ("post", "/v1/supplies/{supply_id}/readings"),
    ("post", "/v1/requests"),
    ("post", "/v1/requests/{request_id}/cancel"),
    # A payment provider's callback: anonymous (billing checks its signature).
    ("post", "/v1/payments/callbacks/{provider}"),
}
# Supplies, billing profiles, bills and the home page: all of them the signed-in caller's.
BILLING = {
    ("get", "/v1/home"),
    ("get", "/v1/supplies"),
    ("get", "/v1/supplies/{supply_id}"),
    ("get", "/v1/billing-profiles"),
    ("get", "/v1/billing-profiles/{number}"),
    ("post", "/v1/billing-profiles/changes"),
    ("get", "/v1/bills"),
    ("get", "/v1/bills/{bill_number}"),
    ("get", "/v1/bills/{bill_number}/summary.pdf"),
    ("get", "/v1/bills/{bill_number}/detail.pdf"),
    ("get", "/v1/bills/{bill_number}/plico"),
    ("get", "/v1/bills/{bill_number}/plico.pdf"),
    ("post", "/v1/bills/{bill_number}/payments"),
    ("get", "/v1/payments/{payment_id}"),
}
# Readings, consumption and smart-meter data: metering's, of the signed-in caller's supplies.
READINGS = {
    ("post", "/v1/supplies/{supply_id}/readings"),
    ("get", "/v1/supplies/{supply_id}/readings"),
    ("get", "/v1/readings/{reading_id}"),
    ("get", "/v1/reading-boxes"),
    ("get", "/v1/supplies/{supply_id}/reading-box"),
    ("get", "/v1/supplies/{supply_id}/consumption"),
    ("get", "/v1/supplies/{supply_id}/intervals"),
    ("get", "/v1/supplies/{supply_id}/intervals.csv"),
}
AUTHENTICATED = BILLING | {
    ("get", "/v1/me"),
    ("post", "/v1/operators/legacy-accounts"),
    ("post", "/v1/me/passkeys/options"),
    ("post", "/v1/me/passkeys"),
    ("get", "/v1/me/passkeys"),
    ("delete", "/v1/me/passkeys/{passkey_id}"),
    ("post", "/v1/me/deletion"),
    ("post", "/v1/me/deletion/{deletion_id}/confirm"),
    ("get", "/v1/sessions"),
    ("delete", "/v1/sessions"),
    ("delete", "/v1/sessions/{session_id}"),
    ("post", "/v1/me/totp"),
    ("post", "/v1/me/totp/confirm"),
    ("post", "/v1/me/totp/disable"),
    ("post", "/v1/me/totp/recovery-codes"),
    ("post", "/v1/operators"),
    ("post", "/v1/operators/administrator-codes"),
    ("post", "/v1/me/condominiums"),
    ("delete", "/v1/me/condominiums/{customer_code}"),
    ("get", "/v1/me/activity"),
    ("get", "/v1/operators/accounts/{account_id}/activity"),
    ("put", "/v1/me/password"),
    ("put", "/v1/me/email"),
    ("put", "/v1/me/phone"),
    ("post", "/v1/me/phone/confirmation"),
    ("put", "/v1/me/contact-preferences"),
    ("post", "/v1/me/personal-data-change-requests"),
}
# Requests: the signed-in caller's, and operators' list of answers due.
REQUESTS = {
    ("post", "/v1/requests"),
    ("get", "/v1/requests"),
    ("get", "/v1/supplies/{supply_id}/requests"),
    ("get", "/v1/requests/{request_id}"),
    ("post", "/v1/requests/{request_id}/cancel"),
    ("get", "/v1/operators/requests/due"),
}
AUTHENTICATED |= READINGS | REQUESTS
# Second-factor codes are guessed like passwords.
CODES_CHECKED = {
    ("post", "/v1/auth/login/second-factor"),
    ("post", "/v1/me/totp/confirm"),
    ("post", "/v1/me/totp/disable"),
    ("post", "/v1/me/totp/recovery-codes"),
}
# Refresh tokens and reset links are 256 random bits: nothing to limit, so no 429 to promise.
LIMITED = {
    ("post", "/v1/auth/register"),
    ("post", "/v1/auth/login"),
    ("post", "/v1/me/deletion"),  # the password again, under log-in's limits
    ("post", "/v1/auth/passkey/options"),  # a challenge stored for anyone: per address
    ("post", "/v1/me/condominiums"),  # registration PINs
    ("post", "/v1/auth/register/administrator"),  # administrator codes
    ("post", "/v1/auth/recovery"),
    ("put", "/v1/me/password"),
    ("put", "/v1/me/email"),  # the current password again
    ("put", "/v1/me/phone"),
    *CODES_CHECKED,
}


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    spec: dict[str, Any] = answer.json()
    return spec


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_route_is_documented(document: dict[str, Any]) -> None:
    assert {(m, p) for m, p, _ in _operations(document)} == WITH_BODY | AUTHENTICATED | {
        ("get", "/health/ready"),
        ("get", "/health/live"),
        ("post", "/v1/auth/passkey/options"),
        ("get", "/.well-known/jwks.json"),
    }
    # Operators' health is not on the public port.
    assert "/health" not in document["paths"]


def test_problems_are_documented_as_problem_json_only(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            assert set(response["content"]) == {MEDIA_TYPE}, (method, path, status)
            schema = response["content"][MEDIA_TYPE]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}
            assert re.search(r"Codes: `[a-z_]+`", response["description"]), (path, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_problem_schema_has_code_errors_and_details(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "code"} <= set(problem["required"])
    assert {"code", "errors", "details"} <= set(problem["properties"])


def _statuses(operation: dict[str, Any]) -> set[int]:
    return {int(status) for status in operation["responses"]}


def test_every_route_lists_every_status_it_can_answer(document: dict[str, Any]) -> None:
    ready = document["paths"]["/health/ready"]["get"]["responses"]
    assert ready["503"]["description"] == "Service Unavailable. Codes: `not_ready`."
    for method, path, operation in _operations(document):
        statuses = _statuses(operation)
        assert 500 in statuses, path
        if path != "/health/live":
            assert 503 in statuses, path
        if (method, path) in WITH_BODY:
            assert {413, 422} <= statuses, path
        if (method, path) in AUTHENTICATED:
            assert 401 in statuses, path
            assert operation["security"] == [{"HTTPBearer": []}]
        if (method, path) in LIMITED:
            assert "Retry-After" in operation["responses"]["429"]["headers"], path
        else:
            assert 429 not in statuses, path
        if 503 in statuses:
            assert "Retry-After" in operation["responses"]["503"]["headers"], path


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/auth/login", {"username": "anna.b", "password": "x"}),
        ("/v1/auth/refresh", {"refresh_token": "r"}),
    ],
)
def test_tokens_are_never_cached(
    client: TestClient, bus: Any, document: dict[str, Any], path: str, body: dict[str, str]
) -> None:
    bus.replies = {LOG_IN.name: SESSION, REFRESH_SESSION.name: SESSION}
    answer = client.post(path, json=body)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["pragma"] == "no-cache"
    assert "Cache-Control" in document["paths"][path]["post"]["responses"]["200"]["headers"]


def _references(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_nothing_from_elsewhere(client: TestClient, page: str) -> None:
    html = client.get(page)
    assert html.status_code == 200
    assert "http://" not in html.text
    assert "https://" not in html.text
    references = _references(html.text)
    assert references, "the page loads its assets"
    for reference in references:
        assert re.match(r"/[^/]", reference), reference  # this server, not `//elsewhere`
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        assert asset.content, reference
        if reference.endswith(".css"):
            for url in re.findall(r"url\(([^)]*)\)", asset.text):
                assert not re.match(r"""["']?(https?:)?//""", url), url
