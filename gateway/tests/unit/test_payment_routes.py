"""Paying a bill and the providers' callbacks over HTTP: what reaches billing, and what is
refused before it does."""

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sportello_contracts.identity import GET_SCOPE, ScopeReply
from sportello_contracts.payments import (
    GET_PAYMENT,
    RECEIVE_PAYMENT_CALLBACK,
    START_PAYMENT,
    OnlinePaymentPublic,
    PaymentCallbackReply,
    PaymentReply,
)
from sportello_contracts.rpc import ErrorKind, ServiceError
from sportello_gateway.bus import ServiceRefused

AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
PAYMENT = OnlinePaymentPublic(
    payment_id="PAY-0123456789ABCDEF0123",
    bill_number="F2026-000451",
    amount_cents=18810,
    method="card",
    provider="sandbox",
    state="open",
    checkout_url="http://127.0.0.1:8030/checkout/chk_1",
    started_at=AT,
    expires_at=AT,
)


@pytest.fixture(autouse=True)
def billing(bus: Any) -> None:
    bus.replies[GET_SCOPE.name] = ScopeReply(
        account_id="acc-1", role="customer", customer_codes=("C00000001",)
    )
    bus.replies[START_PAYMENT.name] = PaymentReply(payment=PAYMENT)
    bus.replies[GET_PAYMENT.name] = PaymentReply(payment=PAYMENT)
    bus.replies[RECEIVE_PAYMENT_CALLBACK.name] = PaymentCallbackReply(outcome="applied")


@pytest.fixture
def token(signer: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.token()}"}


def sent_to_billing(bus: Any) -> list[Any]:
    return [sent for sent in bus.sent if sent.operation.service == "billing"]


def test_pay_now_sends_the_bill_the_method_and_the_client_s_key(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    answer = client.post(
        "/v1/bills/f2026-000451/payments",
        json={"method": "pagopa"},
        headers={**token, "Idempotency-Key": "pay-42"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["checkout_url"] == PAYMENT.checkout_url
    assert answer.headers["location"] == f"/v1/payments/{PAYMENT.payment_id}"
    (sent,) = sent_to_billing(bus)
    assert sent.operation is START_PAYMENT
    assert sent.request.bill_number == "F2026-000451"
    assert sent.request.method == "pagopa"
    assert sent.request.idempotency_key == "pay-42"
    assert sent.request.caller.customer_codes == ("C00000001",)


@pytest.mark.parametrize(
    "body",
    [
        {"method": "bitcoin"},
        {"method": "card", "amount_cents": 1},  # the amount is billing's to say
        {"method": "card", "idempotency_key": "mine"},  # the header's, not the body's
        {},
    ],
)
def test_pay_now_refuses_what_a_client_may_not_send(
    client: TestClient, bus: Any, token: dict[str, str], body: dict[str, Any]
) -> None:
    answer = client.post("/v1/bills/F2026-000451/payments", json=body, headers=token)
    assert answer.status_code == 422, answer.text
    assert not sent_to_billing(bus)


def test_pay_now_and_a_payment_need_a_login(client: TestClient, bus: Any) -> None:
    assert client.post("/v1/bills/F1/payments", json={"method": "card"}).status_code == 401
    assert client.get(f"/v1/payments/{PAYMENT.payment_id}").status_code == 401
    assert not sent_to_billing(bus)


def test_a_payment_id_of_another_shape_never_reaches_billing(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    assert client.get("/v1/payments/PAY-1'%20OR%201", headers=token).status_code == 422
    assert not sent_to_billing(bus)


def test_a_callback_reaches_billing_as_sent_with_its_signature_headers(
    client: TestClient, bus: Any
) -> None:
    body = '{"type": "checkout.succeeded",  "data": {}}'  # its exact text: the signature's
    answer = client.post(
        "/v1/payments/callbacks/sandbox",
        content=body,
        headers={
            "content-type": "application/json",
            "webhook-id": "msg_1",
            "webhook-timestamp": "1795370760",
            "webhook-signature": "v1,abc=",
        },
    )
    assert answer.status_code == 204, answer.text
    (sent,) = sent_to_billing(bus)
    assert sent.operation is RECEIVE_PAYMENT_CALLBACK
    assert sent.request.caller is None  # anonymous: billing checks the signature
    assert sent.request.body == body
    assert (sent.request.webhook_id, sent.request.webhook_signature) == ("msg_1", "v1,abc=")


def test_a_refused_callback_is_a_problem(client: TestClient, bus: Any) -> None:
    bus.replies[RECEIVE_PAYMENT_CALLBACK.name] = ServiceRefused(
        ServiceError(
            kind=ErrorKind.UNAUTHENTICATED,
            code="callback_refused",
            message="Notifica rifiutata.",
            details={"reason": "signature"},
        )
    )
    answer = client.post("/v1/payments/callbacks/sandbox", content="{}")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "callback_refused"


def test_an_oversized_callback_or_a_bad_provider_name_never_reaches_billing(
    client: TestClient, bus: Any
) -> None:
    answer = client.post("/v1/payments/callbacks/sandbox", content="x" * 70_000)
    assert answer.status_code == 413
    assert client.post("/v1/payments/callbacks/NOT OK", content="{}").status_code == 422
    assert not sent_to_billing(bus)
