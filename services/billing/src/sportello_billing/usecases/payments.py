"""Paying a bill online ("paga ora"): the checkout at the provider, the provider's signed
callbacks, and what the back-office registers (payments, instalment plans).

One online payment holds a bill at a time: the bill's `online_payment_id` is taken with a
guarded write, so two pay-nows racing cannot both open a checkout. A pay-now is three steps,
because asking the provider for a checkout cannot sit inside a transaction: reserve the
payment (and the bill) in one, ask the provider (idempotent on the payment id), keep the
checkout in another. A retry with the same idempotency key is the same payment id, so it
finds the reservation and carries on, or finds the checkout and answers with it.
"""

import logging
from datetime import datetime, timedelta
from typing import Literal

from sportello_billing.domain import paying
from sportello_billing.domain.bills import Bill
from sportello_billing.domain.notices import notice_number
from sportello_billing.domain.payments import (
    IN_FLIGHT,
    InstalmentPlan,
    OnlinePayment,
    Registration,
    callback_transition,
    paid_before,
    payment_id_for,
    plan_matches,
)
from sportello_billing.domain.payments import Instalment as PlannedInstalment
from sportello_billing.usecases import refusals
from sportello_billing.usecases.bills import bill_of_event
from sportello_billing.usecases.ports import Needs, Transaction
from sportello_billing.usecases.providers import (
    CallbackEvent,
    CallbackRejected,
    CheckoutOrder,
    PaymentProvider,
    ProviderUnavailable,
)
from sportello_billing.usecases.views import owned_bill, scope_of
from sportello_contracts.payments import (
    BillOverpaid,
    BillPaymentRegistered,
    GetPaymentRequest,
    InstalmentPlanApproved,
    OnlinePaymentPublic,
    OnlinePaymentSucceeded,
    PaymentCallbackReply,
    PaymentCallbackRequest,
    PaymentRegistered,
    PaymentReply,
    StartPaymentRequest,
)
from sportello_contracts.rpc import Refused
from sportello_kit import faults
from sportello_kit.errors import PoisonMessage

log = logging.getLogger(__name__)

# Seconds a client is told to wait before retrying when the provider does not answer.
PROVIDER_RETRY_AFTER = 5


def payable_amount(bill: Bill) -> int:
    try:
        return paying.payable_amount(bill)
    except paying.NotPayable as why:
        raise refusals.not_payable(why.code, why.message) from None


def payment_public(payment: OnlinePayment, needs: Needs) -> OnlinePaymentPublic:
    state = payment.seen_as(needs.clock.now())
    return OnlinePaymentPublic(
        payment_id=payment.payment_id,
        bill_number=payment.bill_number,
        amount_cents=payment.amount_cents,
        method=payment.method,
        provider=payment.provider,
        state=state,
        # Only while the user can still pay there.
        checkout_url=payment.checkout_url if state == "open" else None,
        started_at=payment.started_at,
        expires_at=payment.expires_at,
        succeeded_at=payment.succeeded_at,
        failure_reason=payment.failure_reason,
    )


async def start_payment(needs: Needs, request: StartPaymentRequest) -> PaymentReply:
    """Start paying a bill now, or answer with the payment the same key started; a refusal
    (someone else's bill, one paid, debited or being paid) is logged with who asked."""
    try:
        return await _start_payment(needs, request)
    except Refused as refused:
        caller = request.caller
        log.warning(
            "pay-now of bill %s by %s (%s, from %s) refused: %s",
            request.bill_number,
            caller.user_id if caller else None,
            caller.role if caller else None,
            request.client_address,
            refused.error.code,
        )
        raise


async def _start_payment(needs: Needs, request: StartPaymentRequest) -> PaymentReply:
    caller = request.caller
    assert caller is not None
    assert needs.transaction is not None
    if caller.role == "operator":
        raise refusals.operators_cannot_pay()
    bill, _ = await owned_bill(needs, caller, request.bill_number)
    payment_id = payment_id_for(
        bill.customer_code, bill.bill_number, caller.user_id, request.idempotency_key
    )
    provider = needs.providers[needs.provider]
    # To the millisecond, as the database keeps it: a retry must send the provider the very
    # order the first attempt sent (its expiry included), or the provider refuses the key.
    now = needs.clock.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)

    async def reserve(tx: Transaction) -> OnlinePayment:
        payments = needs.store.payments(tx.session)
        existing = await payments.get(payment_id)
        if existing is not None:
            return existing  # the same pay-now again: the same answer
        bills = needs.store.bills(tx.session)
        current = await bills.get(bill.bill_number)
        assert current is not None
        amount = payable_amount(current)
        held_by = current.online_payment_id
        if held_by is not None:
            other = await payments.get(held_by)
            if other is not None and other.holds_bill(now):
                raise refusals.not_payable(
                    "payment_in_progress",
                    "Un pagamento di questa bolletta è già in corso: completalo o attendi che "
                    "scada.",
                    {"payment_id": other.payment_id, "expires_at": other.expires_at.isoformat()},
                )
            if other is not None:  # left at the checkout past its expiry: it frees the bill
                await payments.move(other.payment_id, IN_FLIGHT, "expired")
        if not await bills.take_for_payment(current.bill_number, held_by, payment_id):
            raise refusals.not_payable(
                "payment_in_progress", "Un pagamento di questa bolletta è già in corso."
            )
        payment = OnlinePayment(
            payment_id=payment_id,
            bill_number=current.bill_number,
            customer_code=current.customer_code,
            account_id=caller.user_id,
            amount_cents=amount,
            method=request.method,
            provider=provider.name,
            state="opening",
            started_at=now,
            expires_at=now + timedelta(seconds=needs.rules.checkout_seconds),
            notice_number=_notice_of(needs, current),
        )
        # Two of the same pay-now at once: the second's write to the bill conflicts with the
        # first's, and its transaction, run again, finds the first's payment above.
        await payments.insert_new(payment)
        return payment

    payment = await needs.transaction(reserve)
    if payment.state == "opening" and payment.expires_at > now:
        payment = await _open_checkout(needs, provider, payment)
    return PaymentReply(payment=payment_public(payment, needs))


async def _open_checkout(
    needs: Needs, provider: PaymentProvider, payment: OnlinePayment
) -> OnlinePayment:
    assert needs.transaction is not None
    page = f"{needs.rules.portal_url}/bollette/{payment.bill_number}?pagamento={payment.payment_id}"
    order = CheckoutOrder(
        payment_id=payment.payment_id,
        amount_cents=payment.amount_cents,
        description=f"Bolletta {payment.bill_number}",
        method=payment.method,
        notice_number=payment.notice_number,
        success_url=page,
        cancel_url=f"{page}&esito=annullato",
        expires_at=payment.expires_at,
    )
    faults.crash_point("after-reserve:billing.payment.start")
    try:
        checkout = await provider.create_checkout(order)
    except ProviderUnavailable as error:
        # The reservation stays: a retry with the same key asks again, and if nobody retries
        # it expires and frees the bill.
        log.warning(
            "payment %s: the provider did not open a checkout: %s", payment.payment_id, error
        )
        raise refusals.payment_provider_unavailable(PROVIDER_RETRY_AFTER) from None
    faults.crash_point("after-checkout:billing.payment.start")

    async def keep(tx: Transaction) -> OnlinePayment:
        payments = needs.store.payments(tx.session)
        await payments.opened(payment.payment_id, checkout)
        kept = await payments.get(payment.payment_id)
        assert kept is not None
        return kept

    return await needs.transaction(keep)


def _notice_of(needs: Needs, bill: Bill) -> str | None:
    if bill.notice_position is None:
        return None
    return notice_number(needs.rules.segregation_code, bill.notice_position)


async def get_payment(needs: Needs, request: GetPaymentRequest) -> PaymentReply:
    assert request.caller is not None
    payment = await needs.store.payments().get(request.payment_id, scope_of(request.caller))
    if payment is None:
        raise refusals.payment_not_found()
    return PaymentReply(payment=payment_public(payment, needs))


Verdict = Literal["applied", "already_applied", "unknown_payment", "amount_mismatch"]


async def receive_callback(needs: Needs, request: PaymentCallbackRequest) -> PaymentCallbackReply:
    """Apply a provider's callback once, if it is the provider's: its signature and time are
    checked first, and a callback refused changes nothing and is recorded with why."""
    assert needs.transaction is not None
    provider = needs.providers.get(request.provider)
    if provider is None:
        raise refusals.payment_provider_unknown(request.provider)
    now = needs.clock.now()
    try:
        event = provider.verify_callback(
            request.body,
            request.webhook_id,
            request.webhook_timestamp,
            request.webhook_signature,
            now,
        )
    except CallbackRejected as rejected:
        await _record_refusal(needs, provider.name, rejected.reason, rejected.detail, request)
        raise refusals.callback_refused(rejected.reason) from None

    async def apply(tx: Transaction) -> Verdict:
        return await _apply_callback(needs, tx, provider.name, event)

    verdict = await needs.transaction(apply)
    if verdict == "unknown_payment":
        detail = f"payment {event.payment_id} (checkout {event.provider_reference}) unknown"
        await _record_refusal(needs, provider.name, verdict, detail, request)
        raise refusals.callback_payment_unknown()
    if verdict == "amount_mismatch":
        detail = f"payment {event.payment_id}: {event.amount_cents} {event.currency} reported"
        await _record_refusal(needs, provider.name, verdict, detail, request)
        raise refusals.callback_amount_mismatch()
    return PaymentCallbackReply(outcome=verdict)


async def _apply_callback(
    needs: Needs, tx: Transaction, provider: str, event: CallbackEvent
) -> Verdict:
    payments = needs.store.payments(tx.session)
    payment = await payments.get(event.payment_id)
    if (
        payment is None
        or payment.provider != provider
        or payment.provider_reference not in (None, event.provider_reference)
    ):
        return "unknown_payment"
    if event.amount_cents != payment.amount_cents or event.currency != "EUR":
        return "amount_mismatch"
    now = needs.clock.now()
    if not await needs.store.callbacks(tx.session).first_time(
        provider, event.event_id, payment.payment_id, now
    ):
        return "already_applied"  # the same callback again: a replay changes nothing
    target = callback_transition(payment.state, event.kind)
    if target is None:
        return "already_applied"
    bills = needs.store.bills(tx.session)
    if target == "succeeded":
        await payments.move(
            payment.payment_id,
            (payment.state,),
            "succeeded",
            succeeded_at=event.at,
            provider_reference=event.provider_reference,
        )
        await bills.paid_online(payment.bill_number, payment.payment_id, payment.amount_cents)
        await tx.emit(
            OnlinePaymentSucceeded(
                payment_id=payment.payment_id,
                bill_number=payment.bill_number,
                customer_code=payment.customer_code,
                account_id=payment.account_id,
                amount_cents=payment.amount_cents,
                method=payment.method,
                provider=provider,
                provider_reference=event.provider_reference,
                notice_number=payment.notice_number,
                paid_at=event.at,
            )
        )
    else:
        await payments.move(
            payment.payment_id, IN_FLIGHT, target, failure_reason=event.failure_reason
        )
        await bills.release_payment(payment.bill_number, payment.payment_id)
    await bills.settle(payment.bill_number)
    return "applied"


async def _record_refusal(
    needs: Needs, provider: str, reason: str, detail: str, request: PaymentCallbackRequest
) -> None:
    log.warning(
        "payment callback refused (%s, %s): %s; from %s",
        provider,
        reason,
        detail,
        request.client_address,
    )
    await needs.store.callbacks().refuse(
        provider, reason, detail, request.webhook_id, needs.clock.now()
    )


# The back-office's events.


async def record_registration(needs: Needs, tx: Transaction, registered: PaymentRegistered) -> None:
    """Add a payment the back-office registered, once; it settles the online payment it names."""
    bills = needs.store.bills(tx.session)
    bill = await bill_of_event(needs, tx, registered.bill_number, registered.customer_code)
    if bill is None:
        return
    registration = Registration(
        registration_id=registered.registration_id,
        amount_cents=registered.amount_cents,
        paid_on=registered.paid_on,
        registered_on=registered.registered_on,
        channel=registered.channel,
        payment_id=registered.payment_id,
    )
    now = needs.clock.now()
    if not await bills.register(bill.bill_number, registration, now):
        return  # registered already
    payer = await _settle_online_payment(needs, tx, bill, registered.payment_id, now)
    after = await bills.settle(bill.bill_number)
    await tx.emit(
        BillPaymentRegistered(
            bill_number=after.bill_number,
            customer_code=after.customer_code,
            registration_id=registration.registration_id,
            amount_cents=registration.amount_cents,
            paid_on=registration.paid_on,
            channel=registration.channel,
            amount_due_cents=after.amount_due_cents,
            account_id=payer,
        )
    )
    if after.refund_due_cents > 0:
        log.warning(
            "bill %s is paid twice: %d cents to refund", after.bill_number, after.refund_due_cents
        )
        await tx.emit(
            BillOverpaid(
                bill_number=after.bill_number,
                customer_code=after.customer_code,
                registration_id=registration.registration_id,
                paid_cents=after.paid_cents,
                owed_cents=after.owed_cents,
                refund_cents=after.refund_due_cents,
            )
        )


async def _settle_online_payment(
    needs: Needs, tx: Transaction, bill: Bill, payment_id: str | None, now: datetime
) -> str | None:
    """The online payment a registration settles is registered (no longer pending); who paid
    it, for the receipt. A payment id that is not this bill's is ignored, and logged."""
    if payment_id is None:
        return None
    payments = needs.store.payments(tx.session)
    payment = await payments.get(payment_id)
    if payment is None or payment.bill_number != bill.bill_number:
        log.warning(
            "payment registered for bill %s names online payment %s, not one of the bill's",
            bill.bill_number,
            payment_id,
        )
        return None
    states = (*IN_FLIGHT, "succeeded", "failed", "expired")
    if await payments.move(payment_id, states, "registered", registered_at=now):
        bills = needs.store.bills(tx.session)
        if payment.state == "succeeded":
            await bills.online_registered(bill.bill_number, payment_id, payment.amount_cents)
        else:  # registered before its callback arrived: nothing pending to take off
            await bills.release_payment(bill.bill_number, payment_id)
    return payment.account_id


async def approve_plan(needs: Needs, tx: Transaction, approved: InstalmentPlanApproved) -> None:
    """Put the bill in the instalment plan the back-office approved (a new plan replaces one
    approved before)."""
    bills = needs.store.bills(tx.session)
    bill = await bill_of_event(needs, tx, approved.bill_number, approved.customer_code)
    if bill is None:
        return
    if bill.instalment_plan is not None and bill.instalment_plan.plan_id == approved.plan_id:
        return  # the same plan again
    plan = InstalmentPlan(
        plan_id=approved.plan_id,
        approved_on=approved.approved_on,
        interest_cents=approved.interest_cents,
        instalments=tuple(
            PlannedInstalment(i.number, i.due_on, i.amount_cents) for i in approved.instalments
        ),
    )
    # What the bill asked when the plan was approved, without a plan's interest (a plan
    # replacing another adds its own): payments made before then are not the plan's to cover.
    former_interest = bill.instalment_plan.interest_cents if bill.instalment_plan else 0
    asks = bill.owed_cents - former_interest - paid_before(plan, bill.registrations)
    if asks <= 0:
        raise PoisonMessage(f"plan {approved.plan_id}: bill {bill.bill_number} asks nothing")
    if not plan_matches(plan, asks):
        raise PoisonMessage(
            f"plan {approved.plan_id}: the instalments add up to {plan.total_cents} cents, the "
            f"bill asks {asks} plus {plan.interest_cents} of interest"
        )
    await bills.set_plan(bill.bill_number, plan, needs.clock.now())
    await bills.settle(bill.bill_number)
