"""Payments: what the back-office registers, paying a bill online ("paga ora"), the payment
provider's callback, instalment plans and direct-debit mandates."""

import itertools
from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from sportello_contracts.base import Contract
from sportello_contracts.bills import BillNumber, OnlineMethod, PaymentChannel
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode
from sportello_contracts.rpc import Operation, Request
from sportello_contracts.supplies import ShortText

# Sportello's id of one online payment: what the provider and the back-office echo back.
PaymentId = Annotated[str, StringConstraints(pattern=r"^PAY-[0-9A-F]{20}$")]
# The back-office's id of one payment it registered (a registration sent twice is one payment).
RegistrationId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{3,63}$"),
]
PlanId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{3,39}$"),
]
MandateReference = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^MND-[0-9A-Z-]{4,40}$")
]
PositiveCents = Annotated[int, Field(gt=0, le=100_000_000)]
# A payment provider Sportello knows (`sandbox` is the one the local run and the tests use).
ProviderName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,29}$")]
HeaderText = Annotated[str, StringConstraints(max_length=1_000)]
# What a client chooses as the key of a retried pay-now (the `Idempotency-Key` header).
IdempotencyKeyText = Annotated[str, StringConstraints(min_length=1, max_length=200)]

# The back-office's events.


class PaymentRegistered(EventPayload):
    """The supplier received a payment for a bill (days after the customer paid, often).

    `paid_on` is when the customer paid: a payment made by the due date and registered after it
    never made the bill overdue. `payment_id` names the online payment it settles, when the
    back-office matched one (Sportello told it of each on `OnlinePaymentSucceeded`). A payment
    for a bill not known yet waits for the bill.
    """

    ROUTING_KEY = "backoffice.payment.registered"
    VERSION = 1

    registration_id: RegistrationId
    bill_number: BillNumber
    customer_code: CustomerCode
    amount_cents: PositiveCents
    paid_on: date
    registered_on: date
    channel: PaymentChannel
    payment_id: PaymentId | None = None

    @model_validator(mode="after")
    def _registered_after_paid(self) -> "PaymentRegistered":
        if self.registered_on < self.paid_on:
            raise ValueError("registered_on is before paid_on")
        return self


class Instalment(Contract):
    number: Annotated[int, Field(ge=1, le=72)]
    due_on: date
    amount_cents: PositiveCents


class InstalmentPlanApproved(EventPayload):
    """The back-office granted an instalment plan (*rateizzazione*) for a bill: its schedule.

    The instalments add up to what the bill still asks plus `interest_cents` (at the ECB
    reference rate, computed by the back-office). A plan for a bill not known yet waits for it.
    """

    ROUTING_KEY = "backoffice.instalment_plan.approved"
    VERSION = 1

    plan_id: PlanId
    bill_number: BillNumber
    customer_code: CustomerCode
    approved_on: date
    interest_cents: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    instalments: Annotated[tuple[Instalment, ...], Field(min_length=2, max_length=72)]

    @model_validator(mode="after")
    def _a_schedule(self) -> "InstalmentPlanApproved":
        numbers = [i.number for i in self.instalments]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError("instalments are numbered 1, 2, 3... in order")
        dates = [i.due_on for i in self.instalments]
        if any(later <= earlier for earlier, later in itertools.pairwise(dates)):
            raise ValueError("each instalment falls due after the one before")
        return self


class MandateActivated(EventPayload):
    """The bank accepted the direct-debit mandate: bills are collected from the account."""

    ROUTING_KEY = "backoffice.mandate.activated"
    VERSION = 1

    mandate_reference: MandateReference
    customer_code: CustomerCode
    activated_on: date


class MandateRefused(EventPayload):
    """The bank refused the mandate (a closed account, a holder who does not match...)."""

    ROUTING_KEY = "backoffice.mandate.refused"
    VERSION = 1

    mandate_reference: MandateReference
    customer_code: CustomerCode
    refused_on: date
    reason: ShortText


# Billing's events.


class OnlinePaymentSucceeded(EventPayload):
    """A customer paid a bill online: for the back-office to register (with `payment_id`), and
    for the payer's receipt. The bill shows "paid, being registered" meanwhile."""

    ROUTING_KEY = "billing.online_payment.succeeded"
    VERSION = 1

    payment_id: str
    bill_number: str
    customer_code: str
    account_id: str  # who paid
    amount_cents: int
    method: OnlineMethod
    provider: str
    provider_reference: str  # the provider's id of the checkout
    notice_number: str | None = None  # pagoPA bills: the notice it paid
    paid_at: AwareDatetime


class BillPaymentRegistered(EventPayload):
    """The back-office registered a payment of a bill; `account_id` is the payer's when it
    settles an online payment (who gets the receipt), else none."""

    ROUTING_KEY = "billing.bill_payment.registered"
    VERSION = 1

    bill_number: str
    customer_code: str
    registration_id: str
    amount_cents: int
    paid_on: date
    channel: PaymentChannel
    amount_due_cents: int  # what is left to pay after it
    account_id: str | None = None


class BillOverpaid(EventPayload):
    """More was registered for a bill than it asked (paid twice): a refund is due. Once per
    registration that overpays it."""

    ROUTING_KEY = "billing.refund.required"
    VERSION = 1

    bill_number: str
    customer_code: str
    registration_id: str  # the registration that overpaid it
    paid_cents: int
    owed_cents: int
    refund_cents: int


MandateState = Literal["pending", "active", "refused"]


class MandateChanged(EventPayload):
    """A direct-debit mandate is active, or was refused: the requester is told. No whole IBAN."""

    ROUTING_KEY = "billing.mandate.changed"
    VERSION = 1

    mandate_reference: str
    state: MandateState
    account_id: str  # who asked for it
    customer_codes: tuple[str, ...]
    billing_profiles: tuple[str, ...]
    holder_name: str
    iban_masked: str
    reason: str | None = None  # why it was refused
    on: date


# What the portal reads and does.

PaymentState = Literal["opening", "open", "succeeded", "failed", "expired", "registered"]


class OnlinePaymentPublic(Contract):
    """One online payment of a bill and where it stands."""

    payment_id: str
    bill_number: str
    amount_cents: int
    method: OnlineMethod
    provider: str
    state: PaymentState
    checkout_url: str | None = None  # where to send the user while `open`
    started_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    succeeded_at: AwareDatetime | None = None
    failure_reason: str | None = None


class StartPaymentRequest(Request):
    """Pay an unpaid bill of a pagoPA profile now, by card or through pagoPA: a hosted
    checkout at the payment provider. The same `idempotency_key` gives the same checkout."""

    bill_number: BillNumber
    method: OnlineMethod
    idempotency_key: IdempotencyKeyText


class PaymentReply(Contract):
    payment: OnlinePaymentPublic


class GetPaymentRequest(Request):
    payment_id: PaymentId


class PaymentCallbackRequest(Request):
    """What the provider posted to its callback URL, as the gateway received it: the body's
    exact text (the signature is over it) and the Standard Webhooks headers (`webhook-id`,
    `webhook-timestamp`, `webhook-signature`)."""

    provider: ProviderName
    body: Annotated[str, StringConstraints(max_length=65_536)]
    webhook_id: HeaderText | None = None
    webhook_timestamp: HeaderText | None = None
    webhook_signature: HeaderText | None = None


class PaymentCallbackReply(Contract):
    outcome: Literal["applied", "already_applied"]


START_PAYMENT = Operation("billing.payment.start", StartPaymentRequest, PaymentReply)
GET_PAYMENT = Operation("billing.payment.get", GetPaymentRequest, PaymentReply)
# Anonymous: the provider calls it, and billing checks the signature.
RECEIVE_PAYMENT_CALLBACK = Operation(
    "billing.payment_callback.receive",
    PaymentCallbackRequest,
    PaymentCallbackReply,
    needs_caller=False,
)
