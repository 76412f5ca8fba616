"""Supplies, billing profiles and bills over HTTP: each route sends billing its operation with the
caller, answers what billing replied, and refuses a bad identifier or query before billing hears
of it. (PDFs: test_documents.py; the home page: test_home.py.)"""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sportello_contracts.billing_profiles import (
    CHANGE_BILLING,
    GET_BILLING_PROFILE,
    LIST_BILLING_PROFILES,
    BillingChangedReply,
    BillingProfilePublic,
    BillingProfileReply,
    BillingProfilesReply,
    DeliveryPublic,
    PaymentPublic,
    SupplyMove,
)
from sportello_contracts.bills import (
    GET_BILL,
    GET_PLICO,
    LIST_BILLS,
    BillDetailPublic,
    BillGroup,
    BillLine,
    BillReply,
    BillsPage,
    BillSummaryPublic,
    ConsumptionBilled,
    PlicoReply,
)
from sportello_contracts.identity import GET_SCOPE, ScopeReply
from sportello_contracts.rpc import ErrorKind, ServiceError
from sportello_contracts.supplies import (
    GET_SUPPLY,
    LIST_SUPPLIES,
    Distributor,
    Meter,
    PostalAddress,
    SuppliesReply,
    SupplyPublic,
    SupplyReply,
)
from sportello_gateway.bus import ServiceRefused
from sportello_gateway.routes.billing_profiles import CHANGE_EXAMPLES, change_detail

AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
HOME = PostalAddress(street="Via Roma", number="12", post_code="00184", city="Roma", province="RM")
SUPPLY = SupplyPublic(
    supply_id="FOR-000101",
    customer_code="C00000001",
    commodity="gas",
    point_id="00880000123456",
    address=HOME,
    use="domestic",
    offer_code="GAS-CASA",
    offer_name="Gas Casa",
    meter=Meter(serial="M1"),
    distributor=Distributor(name="Italgas Reti", emergency_number="800 900 999"),
    status="active",
    activated_on=date(2024, 1, 1),
    billing_profile="BP-000123",
    updated_at=AT,
)
PROFILE = BillingProfilePublic(
    number="BP-000123",
    customer_code="C00000001",
    status="active",
    delivery=DeliveryPublic(channel="post", address=HOME),
    payment=PaymentPublic(method="pagopa"),
    opened_at=AT,
    active_supplies=(SUPPLY,),
    ceased_supplies=(),
)
SUMMARY = BillSummaryPublic(
    bill_number="F2026-000101",
    customer_code="C00000001",
    supply_id="FOR-000101",
    commodity="gas",
    point_id="00880000123456",
    billing_profile="BP-000123",
    period_start=date(2026, 9, 1),
    period_end=date(2026, 10, 31),
    issued_on=date(2026, 11, 10),
    due_on=date(2026, 12, 1),
    total_cents=8_450,
    amount_due_cents=8_450,
    payment_method="pagopa",
    status="unpaid",
    status_label="Da pagare",
    estimated=False,
)
DETAIL = BillDetailPublic(
    **SUMMARY.model_dump(),
    lines=(BillLine(section="consumption", description="Materia gas", amount_cents=8_450),),
    consumption=ConsumptionBilled(quantity=90, unit="Smc"),
    readings=(),
    vat_cents=0,
    excise_cents=0,
    credit_applied_cents=0,
    credited_cents=0,
    offer_code="GAS-CASA",
    offer_name="Gas Casa",
    updated_at=AT,
)
PLICO = PlicoReply(
    customer_code="C00000001",
    issued_on=date(2026, 11, 10),
    payment_method="pagopa",
    bills=(SUMMARY,),
    total_cents=8_450,
    credits_cents=0,
    total_due_cents=8_450,
)
CHANGED = BillingChangedReply(
    change_id="chg-1",
    kind="e_bill",
    moves=(
        SupplyMove(
            supply_id="FOR-000101",
            customer_code="C00000001",
            from_profile="BP-000123",
            to_profile="BP-000124",
            new_profile=True,
        ),
    ),
    opened_profiles=("BP-000124",),
    closed_profiles=("BP-000123",),
)
REPLIES: dict[str, Any] = {
    LIST_SUPPLIES.name: SuppliesReply(supplies=(SUPPLY,)),
    GET_SUPPLY.name: SupplyReply(supply=SUPPLY),
    LIST_BILLING_PROFILES.name: BillingProfilesReply(profiles=(PROFILE,)),
    GET_BILLING_PROFILE.name: BillingProfileReply(profile=PROFILE),
    LIST_BILLS.name: BillsPage(
        groups=(BillGroup(billing_profile="BP-000123", bills=(SUMMARY,)),), next_cursor="c2"
    ),
    GET_BILL.name: BillReply(bill=DETAIL),
    GET_PLICO.name: PLICO,
    CHANGE_BILLING.name: CHANGED,
}


@pytest.fixture(autouse=True)
def billing(bus: Any) -> None:
    bus.replies[GET_SCOPE.name] = ScopeReply(
        account_id="acc-1", role="customer", customer_codes=("C00000001",)
    )
    bus.replies.update(REPLIES)


@pytest.fixture
def token(signer: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.token()}"}


def billing_calls(bus: Any) -> list[Any]:
    """What reached billing (the gateway's own asks of identity left out)."""
    return [sent for sent in bus.sent if sent.operation.service == "billing"]


@pytest.mark.parametrize(
    ("path", "operation", "fields", "answer"),
    [
        (
            "/v1/supplies?customer_code=c00000001&status=active",
            LIST_SUPPLIES,
            {"customer_code": "C00000001", "status": "active"},
            {"supplies": [SUPPLY.model_dump(mode="json")]},
        ),
        (
            "/v1/supplies/FOR-000101",
            GET_SUPPLY,
            {"supply_id": "FOR-000101"},
            SUPPLY.model_dump(mode="json"),
        ),
        (
            "/v1/billing-profiles?status=closed",
            LIST_BILLING_PROFILES,
            {"customer_code": None, "status": "closed"},
            {"profiles": [PROFILE.model_dump(mode="json")]},
        ),
        (
            "/v1/billing-profiles/BP-000123",
            GET_BILLING_PROFILE,
            {"number": "BP-000123"},
            PROFILE.model_dump(mode="json"),
        ),
        (
            "/v1/bills?supply_id=FOR-000101&status=unpaid&year=2026&cursor=c1&limit=5",
            LIST_BILLS,
            {"supply_id": "FOR-000101", "status": "unpaid", "year": 2026, "cursor": "c1"},
            {
                "groups": [
                    {"billing_profile": "BP-000123", "bills": [SUMMARY.model_dump(mode="json")]}
                ],
                "next_cursor": "c2",
            },
        ),
        (
            "/v1/bills/F2026-000101",
            GET_BILL,
            {"bill_number": "F2026-000101"},
            DETAIL.model_dump(mode="json"),
        ),
        (
            "/v1/bills/F2026-000101/plico",
            GET_PLICO,
            {"bill_number": "F2026-000101"},
            PLICO.model_dump(mode="json"),
        ),
    ],
)
def test_each_route_sends_its_operation_with_the_caller_and_answers_the_reply(
    client: TestClient,
    bus: Any,
    token: dict[str, str],
    path: str,
    operation: Any,
    fields: dict[str, Any],
    answer: dict[str, Any],
) -> None:
    response = client.get(path, headers=token)
    assert response.status_code == 200, response.text
    assert response.json() == answer
    (sent,) = billing_calls(bus)
    assert sent.operation == operation
    assert sent.request.caller.user_id == "acc-1"
    assert sent.request.caller.customer_codes == ("C00000001",)
    assert {name: getattr(sent.request, name) for name in fields} == fields
    assert sent.idempotency_key is None  # reads are never replayed


def test_a_bills_page_is_twenty_bills_unless_asked(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    assert client.get("/v1/bills", headers=token).status_code == 200
    (sent,) = billing_calls(bus)
    assert sent.request.limit == 20
    assert sent.request.cursor is None


@pytest.mark.parametrize(
    "path",
    [
        "/v1/supplies/abc",  # shorter than a supply id
        "/v1/supplies/FOR_000101",
        "/v1/supplies/" + "A" * 31,
        "/v1/billing-profiles/BP-12345",
        "/v1/billing-profiles/XP-000123",
        "/v1/billing-profiles/changes",  # a GET of the command's path is no profile number
        "/v1/bills/-F2026",
        "/v1/bills/F2026.000101",
        "/v1/bills/F%0A2026/summary.pdf",
        "/v1/bills/" + "9" * 31 + "/detail.pdf",
        "/v1/bills/ab/plico",
        "/v1/bills/a'b/plico.pdf",
    ],
)
def test_a_malformed_identifier_in_the_path_is_a_422_billing_never_hears_of(
    client: TestClient, bus: Any, token: dict[str, str], path: str
) -> None:
    response = client.get(path, headers=token)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_request"
    assert billing_calls(bus) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "query.limit"),
        ("limit=101", "query.limit"),
        ("year=1999", "query.year"),
        ("status=lost", "query.status"),
        ("customer_code=C0-1", "query.customer_code"),
        ("supply_id=x", "query.supply_id"),
        ("cursor=" + "c" * 301, "query.cursor"),
        ("colour=blue", "query.colour"),  # unknown: a typo is an error, not ignored
    ],
)
def test_a_bad_bills_query_is_a_422_naming_the_parameter(
    client: TestClient, bus: Any, token: dict[str, str], query: str, field: str
) -> None:
    response = client.get(f"/v1/bills?{query}", headers=token)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert billing_calls(bus) == []


@pytest.mark.parametrize(
    "path",
    [
        "/v1/supplies",
        "/v1/supplies/FOR-000101",
        "/v1/billing-profiles",
        "/v1/billing-profiles/BP-000123",
        "/v1/bills",
        "/v1/bills/F2026-000101",
        "/v1/bills/F2026-000101/summary.pdf",
        "/v1/bills/F2026-000101/plico",
        "/v1/home",
    ],
)
def test_without_a_token_nothing_reaches_billing(client: TestClient, bus: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert billing_calls(bus) == []


@pytest.mark.parametrize(
    ("path", "kind", "code", "status"),
    [
        ("/v1/supplies?customer_code=C00000999", ErrorKind.NOT_FOUND, "customer_not_found", 404),
        ("/v1/supplies/FOR-999999", ErrorKind.NOT_FOUND, "supply_not_found", 404),
        ("/v1/billing-profiles/BP-999999", ErrorKind.NOT_FOUND, "billing_profile_not_found", 404),
        ("/v1/bills?cursor=forged", ErrorKind.INVALID, "invalid_cursor", 422),
        ("/v1/bills/F2026-999999", ErrorKind.NOT_FOUND, "bill_not_found", 404),
    ],
)
def test_billings_refusal_is_the_clients_problem_as_billing_said_it(
    client: TestClient,
    bus: Any,
    token: dict[str, str],
    path: str,
    kind: ErrorKind,
    code: str,
    status: int,
) -> None:
    refusal = ServiceRefused(ServiceError(kind=kind, code=code, message="Non trovata."))
    for name in REPLIES:
        bus.replies[name] = refusal
    response = client.get(path, headers=token)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.json()["detail"] == "Non trovata."


# Changing delivery or payment.


@pytest.mark.parametrize("kind", list(CHANGE_EXAMPLES))
def test_every_documented_change_is_sent_to_billing_with_its_key(
    client: TestClient, bus: Any, token: dict[str, str], kind: str
) -> None:
    body = CHANGE_EXAMPLES[kind]["value"]
    response = client.post(
        "/v1/billing-profiles/changes",
        json=body,
        headers={**token, "Idempotency-Key": f"change:{kind}"},
    )
    assert response.status_code == 200, response.text
    (sent,) = billing_calls(bus)
    assert sent.operation == CHANGE_BILLING
    assert sent.idempotency_key == f"change:{kind}"
    assert sent.request.caller.user_id == "acc-1"
    assert sent.request.change.kind == kind
    assert sent.request.target.model_dump(exclude_none=True, mode="json") == body["target"]


def test_a_change_answers_what_billing_did_and_says_it_in_italian(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    response = client.post(
        "/v1/billing-profiles/changes",
        json=CHANGE_EXAMPLES["e_bill"]["value"],
        headers=token,
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["moves"] == [move.model_dump() for move in CHANGED.moves]
    assert answer["opened_profiles"] == ["BP-000124"]
    assert answer["closed_profiles"] == ["BP-000123"]
    assert answer["detail"].startswith("Fatto: 1 fornitura passa al profilo BP-000124 (nuovo).")


def test_the_iban_of_a_change_is_never_in_its_answer(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    bus.replies[CHANGE_BILLING.name] = CHANGED.model_copy(
        update={"kind": "direct_debit", "mandate_reference": "SDD-0001"}
    )
    body = CHANGE_EXAMPLES["direct_debit"]["value"]
    response = client.post("/v1/billing-profiles/changes", json=body, headers=token)
    assert response.status_code == 200, response.text
    iban = body["change"]["iban"].replace(" ", "")
    assert iban not in response.text.replace(" ", "")
    assert "mandato SDD-0001" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "target": {"supply_ids": ["FOR-000101"], "billing_profile": "BP-000123"},
                "change": {"kind": "pagopa"},
            },
            "body.target",
        ),
        ({"target": {}, "change": {"kind": "pagopa"}}, "body.target"),
        ({"target": {"supply_ids": []}, "change": {"kind": "pagopa"}}, "body.target.supply_ids"),
        (
            {"target": {"all_condominiums": False}, "change": {"kind": "pagopa"}},
            "body.target.all_condominiums",
        ),
        ({"target": {"billing_profile": "BP-000123"}, "change": {"kind": "fax"}}, "body.change"),
        (
            {"target": {"billing_profile": "BP-000123"}, "change": {"kind": "e_bill"}},
            "body.change.e_bill.email",
        ),
        (
            {
                "target": {"billing_profile": "BP-000123"},
                "change": {
                    "kind": "iban",
                    "holder_name": "Giulia Bianchi",
                    "holder_fiscal_code": "BNCGLI85M41F205B",
                    "iban": "IT60-X054",
                },
            },
            "body.change.iban.iban",
        ),
        (
            {"target": {"billing_profile": "BP-000123"}, "change": {"kind": "pagopa"}, "x": 1},
            "body.x",
        ),
        (
            {
                "target": {"billing_profile": "BP-000123"},
                "change": {"kind": "pagopa"},
                "caller": {"user_id": "acc-2", "role": "operator"},
            },
            "body.caller",
        ),
    ],
)
def test_a_change_the_contract_refuses_is_a_422_naming_the_field_and_nothing_is_sent(
    client: TestClient, bus: Any, token: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/billing-profiles/changes", json=body, headers=token)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert billing_calls(bus) == []


def test_a_bulk_change_refused_for_one_condominium_is_a_409_naming_it(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    bus.replies[CHANGE_BILLING.name] = ServiceRefused(
        ServiceError(
            kind=ErrorKind.CONFLICT,
            code="condominium_change_failed",
            message="Il condominio C00010005 ha una fornitura cessata: nessuna modifica fatta.",
            details={"customer_code": "C00010005", "cause": "supply_ceased"},
        )
    )
    response = client.post(
        "/v1/billing-profiles/changes",
        json=CHANGE_EXAMPLES["postal_delivery"]["value"],
        headers=token,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "condominium_change_failed"
    assert response.json()["details"]["customer_code"] == "C00010005"


def _move(supply_id: str, to_profile: str, new: bool = False) -> SupplyMove:
    return SupplyMove(
        supply_id=supply_id,
        customer_code="C00000001",
        from_profile="BP-000001",
        to_profile=to_profile,
        new_profile=new,
    )


def test_the_detail_counts_the_supplies_going_to_each_profile_and_names_the_new_ones() -> None:
    reply = BillingChangedReply(
        change_id="chg-2",
        kind="direct_debit",
        moves=(
            _move("S1", "BP-000123", new=True),
            _move("S2", "BP-000123", new=True),
            _move("S3", "BP-000007"),
        ),
        opened_profiles=("BP-000123",),
        closed_profiles=("BP-000001", "BP-000002"),
        mandate_reference="SDD-42",
    )
    assert change_detail(reply) == (
        "Fatto: 2 forniture passano al profilo BP-000123 (nuovo); 1 fornitura passa al profilo "
        "BP-000007. I profili BP-000001, BP-000002 sono rimasti senza forniture e sono chiusi: "
        "le loro bollette restano consultabili. Abbiamo chiesto l'attivazione della "
        "domiciliazione bancaria (mandato SDD-42)."
    )


def test_the_detail_of_a_change_that_moved_nothing_says_so() -> None:
    reply = BillingChangedReply(
        change_id="chg-3", kind="pagopa", moves=(), opened_profiles=(), closed_profiles=()
    )
    assert "nessuna fornitura" in change_detail(reply)


def test_the_change_body_is_documented_with_one_example_per_kind(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/v1/billing-profiles/changes"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    kinds = {example["value"]["change"]["kind"] for example in examples.values()}
    assert kinds == {"postal_delivery", "e_bill", "direct_debit", "iban", "pagopa"}
    statuses = {int(status) for status in operation["responses"]}
    assert {200, 403, 404, 409, 413, 422} <= statuses
    assert "condominium_change_failed" in operation["responses"]["409"]["description"]
