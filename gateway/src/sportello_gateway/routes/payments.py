"""Paying a bill online ("paga ora"), one online payment of the caller's, and the payment
providers' callbacks (anonymous: billing checks their signature)."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Request, Response

from sportello_contracts.payments import (
    GET_PAYMENT,
    RECEIVE_PAYMENT_CALLBACK,
    START_PAYMENT,
    GetPaymentRequest,
    OnlinePaymentPublic,
    PaymentCallbackRequest,
    PaymentId,
    ProviderName,
    StartPaymentRequest,
)
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.body_limit import BodyTooLarge
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import GATEWAY_FIELDS, Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses
from sportello_gateway.request_id import current_request_id
from sportello_gateway.routes.bills import ONE_BILL, BillNumberInPath
from sportello_gateway.routes.supplies import AUTHENTICATED

router = APIRouter(tags=["payments"])

if TYPE_CHECKING:
    PaymentStart = StartPaymentRequest
    PaymentStartRequest = StartPaymentRequest
    PaymentLookup = GetPaymentRequest
    CallbackReceived = PaymentCallbackRequest
else:
    # What the client sends: the method only (the bill is in the path, the key in its header).
    PaymentStart = http_model(
        StartPaymentRequest,
        "PaymentStart",
        exclude=GATEWAY_FIELDS | {"bill_number", "idempotency_key"},
        example={"method": "card"},
    )
    PaymentStartRequest = http_model(StartPaymentRequest, "PaymentStartRequest")
    PaymentLookup = http_model(GetPaymentRequest, "PaymentLookup")
    CallbackReceived = http_model(PaymentCallbackRequest, "CallbackReceived")

NOT_PAYABLE = (
    "bill_paid",
    "bill_direct_debit",
    "bill_cancelled",
    "bill_payment_pending",
    "payment_in_progress",
)
# A callback body's text is what its signature covers: read whole, never parsed here.
CALLBACK_MAX_BYTES = 65_536


@router.post(
    "/v1/bills/{bill_number}/payments",
    status_code=201,
    responses=responses(
        AUTHENTICATED,
        ONE_BILL,
        WITH_BODY,
        {409: NOT_PAYABLE, 503: ("payment_provider_unavailable",)},
    ),
    summary="Pay a bill now, by card or through pagoPA",
)
async def pay_bill(
    bill_number: BillNumberInPath,
    body: PaymentStart,
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
    response: Response,
) -> OnlinePaymentPublic:
    """Opens a checkout at the payment provider for what the bill still asks (the next
    instalment's, in a plan): send the user to `checkout_url`. Once paid, the bill shows
    "paid, being registered" (`paid_pending`) until the supplier registers the payment.

    Only unpaid bills of a pagoPA billing profile (direct-debit bills are collected by the
    bank), one payment at a time per bill: a second one while a checkout is open is a 409.
    Retried with the same `Idempotency-Key`, it answers with the same checkout; without one,
    each request is a new payment attempt."""
    start = PaymentStartRequest(
        bill_number=bill_number,
        method=body.method,
        idempotency_key=idempotency_key or current_request_id(),
    )
    reply = await send(START_PAYMENT, start, caller=caller)
    response.headers["Location"] = f"/v1/payments/{reply.payment.payment_id}"
    return reply.payment


@router.get(
    "/v1/payments/{payment_id}",
    responses=responses(AUTHENTICATED, {404: ("payment_not_found",), 422: ("invalid_request",)}),
    summary="One online payment of mine",
)
async def get_payment(
    payment_id: Annotated[PaymentId, Path(description="As `pay_bill` answered it.")],
    caller: CurrentCaller,
    send: Forward,
) -> OnlinePaymentPublic:
    """Where it stands: open (at the checkout), succeeded, failed, expired, or registered by
    the supplier."""
    reply = await send(GET_PAYMENT, PaymentLookup(payment_id=payment_id), caller=caller)
    return reply.payment


@router.post(
    "/v1/payments/callbacks/{provider}",
    status_code=204,
    responses=responses(
        {
            401: ("callback_refused",),
            404: ("payment_provider_unknown", "callback_payment_unknown"),
            413: ("body_too_large",),
            422: ("invalid_request", "callback_amount_mismatch"),
        }
    ),
    summary="A payment provider's callback (for the provider, not for apps)",
)
async def payment_callback(
    provider: Annotated[ProviderName, Path(description="`sandbox` in the local run.")],
    request: Request,
    send: Forward,
) -> Response:
    """Signed as Standard Webhooks sign (`webhook-id`, `webhook-timestamp`,
    `webhook-signature`); billing checks the signature and the time, and applies each event
    once (a replay is answered 204 and changes nothing). A forged, stale or tampered callback
    is refused and recorded."""
    raw = await request.body()
    if len(raw) > CALLBACK_MAX_BYTES:
        raise BodyTooLarge()
    received = CallbackReceived(
        provider=provider,
        # Bytes that are not UTF-8 are not the provider's: the signature check refuses them.
        body=raw.decode("utf-8", errors="replace"),
        webhook_id=request.headers.get("webhook-id"),
        webhook_timestamp=request.headers.get("webhook-timestamp"),
        webhook_signature=request.headers.get("webhook-signature"),
    )
    await send(RECEIVE_PAYMENT_CALLBACK, received)
    return Response(status_code=204)
