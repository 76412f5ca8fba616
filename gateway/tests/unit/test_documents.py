"""A bill's PDFs and the plico's: the bytes billing replied, named, sized and tagged with their
SHA-256; a client holding that copy gets a 304; a refusal is a problem, never a broken PDF."""

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sportello_contracts.bills import GET_BILL_DOCUMENT, GET_PLICO_DOCUMENT
from sportello_contracts.identity import GET_SCOPE, ScopeReply
from sportello_contracts.rpc import Document, ErrorKind, ServiceError
from sportello_gateway.bus import ServiceRefused
from sportello_gateway.documents import safe_filename, unchanged

CONTENT = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
SHA = hashlib.sha256(CONTENT).hexdigest()
PDF = Document(
    media_type="application/pdf",
    filename="bolletta-F2026-000101-sintetica.pdf",
    sha256=SHA,
    content=CONTENT,
)
PLICO_PDF = PDF.model_copy(update={"filename": "plico-2026-11-10.pdf"})
ROUTES = [
    ("/v1/bills/F2026-000101/summary.pdf", GET_BILL_DOCUMENT, "summary"),
    ("/v1/bills/F2026-000101/detail.pdf", GET_BILL_DOCUMENT, "detail"),
    ("/v1/bills/F2026-000101/plico.pdf", GET_PLICO_DOCUMENT, None),
]


@pytest.fixture(autouse=True)
def billing(bus: Any) -> None:
    bus.replies[GET_SCOPE.name] = ScopeReply(
        account_id="acc-1", role="customer", customer_codes=("C00000001",)
    )
    bus.replies[GET_BILL_DOCUMENT.name] = PDF
    bus.replies[GET_PLICO_DOCUMENT.name] = PLICO_PDF


@pytest.fixture
def token(signer: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.token()}"}


def billing_calls(bus: Any) -> list[Any]:
    return [sent for sent in bus.sent if sent.operation.service == "billing"]


@pytest.mark.parametrize(("path", "operation", "kind"), ROUTES)
def test_a_pdf_is_sent_as_its_bytes_with_name_length_and_etag(
    client: TestClient, bus: Any, token: dict[str, str], path: str, operation: Any, kind: Any
) -> None:
    response = client.get(path, headers=token)
    assert response.status_code == 200, response.text
    assert response.content == CONTENT
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-length"] == str(len(CONTENT))
    assert response.headers["etag"] == f'"{SHA}"'
    assert response.headers["cache-control"] == "private, no-cache"
    filename = PLICO_PDF.filename if operation == GET_PLICO_DOCUMENT else PDF.filename
    assert response.headers["content-disposition"] == f'inline; filename="{filename}"'
    (sent,) = billing_calls(bus)
    assert sent.operation == operation
    assert sent.request.bill_number == "F2026-000101"
    assert getattr(sent.request, "kind", None) == kind
    assert sent.request.caller.user_id == "acc-1"


@pytest.mark.parametrize(("path", "operation", "kind"), ROUTES)
@pytest.mark.parametrize(
    "held", [f'"{SHA}"', f'W/"{SHA}"', f'"0000", "{SHA}"', "*"], ids=["same", "weak", "list", "any"]
)
def test_a_client_holding_the_current_copy_gets_a_304_without_the_bytes(
    client: TestClient, token: dict[str, str], path: str, operation: Any, kind: Any, held: str
) -> None:
    response = client.get(path, headers={**token, "If-None-Match": held})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == f'"{SHA}"'
    assert response.headers["cache-control"] == "private, no-cache"


def test_a_client_holding_another_copy_gets_the_new_one(
    client: TestClient, token: dict[str, str]
) -> None:
    stale = '"' + hashlib.sha256(b"the bill before its credit note").hexdigest() + '"'
    response = client.get(
        "/v1/bills/F2026-000101/summary.pdf", headers={**token, "If-None-Match": stale}
    )
    assert response.status_code == 200
    assert response.content == CONTENT


def test_a_file_name_cannot_break_out_of_its_header(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    bus.replies[GET_BILL_DOCUMENT.name] = PDF.model_copy(
        update={"filename": 'x".pdf\r\nSet-Cookie: a=b; fattura è.pdf'}
    )
    response = client.get("/v1/bills/F2026-000101/detail.pdf", headers=token)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert response.headers["content-disposition"] == (
        'inline; filename="x_.pdf__Set-Cookie__a_b__fattura__.pdf"'
    )


def test_a_document_without_a_sha256_has_no_etag_and_is_always_sent(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    bus.replies[GET_BILL_DOCUMENT.name] = PDF.model_copy(update={"sha256": 'bad"value'})
    response = client.get(
        "/v1/bills/F2026-000101/summary.pdf", headers={**token, "If-None-Match": '"bad"'}
    )
    assert response.status_code == 200
    assert "etag" not in response.headers
    assert response.content == CONTENT


def test_a_bill_billing_does_not_show_the_caller_is_a_problem_not_a_pdf(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    bus.replies[GET_BILL_DOCUMENT.name] = ServiceRefused(
        ServiceError(kind=ErrorKind.NOT_FOUND, code="bill_not_found", message="Non trovata.")
    )
    response = client.get("/v1/bills/F2026-000999/summary.pdf", headers=token)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "bill_not_found"


def test_the_pdf_routes_document_a_pdf_a_304_and_their_problems(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, _, _ in ROUTES:
        documented = paths[path.replace("F2026-000101", "{bill_number}")]["get"]["responses"]
        assert set(documented["200"]["content"]) == {"application/pdf"}
        assert {"ETag", "Content-Disposition", "Cache-Control"} <= set(documented["200"]["headers"])
        assert "304" in documented
        assert "bill_not_found" in documented["404"]["description"]


@pytest.mark.parametrize(
    ("held", "tag", "expected"),
    [
        (None, '"a"', False),
        ('"a"', '"a"', True),
        ('W/"a"', '"a"', True),
        ('"b" , "a"', '"a"', True),
        ('"b"', '"a"', False),
        ('"a"', None, False),
        ("*", None, True),
        ("a", '"a"', False),  # unquoted: not the same entity tag
    ],
)
def test_if_none_match_names_the_current_etag(
    held: str | None, tag: str | None, expected: bool
) -> None:
    assert unchanged(held, tag) is expected


def test_an_empty_file_name_gets_a_name() -> None:
    assert safe_filename("") == "documento.pdf"
