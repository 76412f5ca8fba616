"""Payments' messages, each with an example: `catalog` adds them to the list the tests read."""

from datetime import UTC, date, datetime

from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.payments import (
    GET_PAYMENT,
    RECEIVE_PAYMENT_CALLBACK,
    START_PAYMENT,
    BillOverpaid,
    BillPaymentRegistered,
    GetPaymentRequest,
    Instalment,
    InstalmentPlanApproved,
    MandateActivated,
    MandateChanged,
    MandateRefused,
    OnlinePaymentPublic,
    OnlinePaymentSucceeded,
    PaymentCallbackReply,
    PaymentCallbackRequest,
    PaymentRegistered,
    PaymentReply,
    StartPaymentRequest,
)
from sportello_contracts.rpc import Caller, Operation

_CALLER = Caller(user_id="acc-7f3a", role="customer", customer_codes=("C00012345",))
_WHEN = datetime(2026, 11, 20, 18, 4, tzinfo=UTC)
_PAYMENT_ID = "PAY-3F9A0C2B7D1E4F5A6B7C"
_PAYMENT = OnlinePaymentPublic(
    payment_id=_PAYMENT_ID,
    bill_number="2026-000451",
    amount_cents=18810,
    method="card",
    provider="sandbox",
    state="open",
    checkout_url="https://pay.example/checkout/chk_7d1e4f",
    started_at=_WHEN,
    expires_at=datetime(2026, 11, 20, 18, 34, tzinfo=UTC),
)

EVENT_EXAMPLES: tuple[EventPayload, ...] = (
    PaymentRegistered(
        registration_id="INC-2026-0098812",
        bill_number="2026-000451",
        customer_code="C00012345",
        amount_cents=18810,
        paid_on=date(2026, 11, 20),
        registered_on=date(2026, 11, 24),
        channel="card",
        payment_id=_PAYMENT_ID,
    ),
    InstalmentPlanApproved(
        plan_id="RAT-2026-0042",
        bill_number="2026-000451",
        customer_code="C00012345",
        approved_on=date(2026, 12, 2),
        interest_cents=90,
        instalments=(
            Instalment(number=1, due_on=date(2026, 12, 31), amount_cents=6300),
            Instalment(number=2, due_on=date(2027, 1, 31), amount_cents=6300),
            Instalment(number=3, due_on=date(2027, 2, 28), amount_cents=6300),
        ),
    ),
    MandateActivated(
        mandate_reference="MND-4F2A9C01B7D3",
        customer_code="C00012345",
        activated_on=date(2026, 11, 9),
    ),
    MandateRefused(
        mandate_reference="MND-4F2A9C01B7D3",
        customer_code="C00012345",
        refused_on=date(2026, 11, 9),
        reason="Conto estinto",
    ),
    OnlinePaymentSucceeded(
        payment_id=_PAYMENT_ID,
        bill_number="2026-000451",
        customer_code="C00012345",
        account_id="acc-7f3a",
        amount_cents=18810,
        method="pagopa",
        provider="sandbox",
        provider_reference="chk_7d1e4f",
        notice_number="301000000004510266",
        paid_at=_WHEN,
    ),
    BillPaymentRegistered(
        bill_number="2026-000451",
        customer_code="C00012345",
        registration_id="INC-2026-0098812",
        amount_cents=18810,
        paid_on=date(2026, 11, 20),
        channel="card",
        amount_due_cents=0,
        account_id="acc-7f3a",
    ),
    BillOverpaid(
        bill_number="2026-000451",
        customer_code="C00012345",
        registration_id="INC-2026-0099120",
        paid_cents=37620,
        owed_cents=18810,
        refund_cents=18810,
    ),
    MandateChanged(
        mandate_reference="MND-4F2A9C01B7D3",
        state="refused",
        account_id="acc-7f3a",
        customer_codes=("C00012345",),
        billing_profiles=("BP-000124",),
        holder_name="Mario Rossi",
        iban_masked="IT** **** **** **** **** ***3 456",
        reason="Conto estinto",
        on=date(2026, 11, 9),
    ),
)

OPERATIONS: tuple[Operation, ...] = (  # type: ignore[type-arg]
    START_PAYMENT,
    GET_PAYMENT,
    RECEIVE_PAYMENT_CALLBACK,
)

RPC_EXAMPLES: tuple[Contract, ...] = (
    StartPaymentRequest(
        caller=_CALLER, bill_number="2026-000451", method="card", idempotency_key="pay-451-1"
    ),
    PaymentReply(payment=_PAYMENT),
    GetPaymentRequest(caller=_CALLER, payment_id=_PAYMENT_ID),
    PaymentCallbackRequest(
        provider="sandbox",
        body='{"type":"checkout.succeeded","timestamp":"2026-11-20T18:06:00Z","data":{}}',
        webhook_id="msg_2f1c9a",
        webhook_timestamp="1795370760",
        webhook_signature="v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    ),
    PaymentCallbackReply(outcome="applied"),
)
