"""What the portal reads: supplies, billing profiles, bills and what is due, always scoped to
the caller (a query never reaches past the customer codes the caller may act on)."""

from collections.abc import Sequence
from datetime import date
from itertools import groupby
from typing import Any

from sportello_billing.adapters.bill_records import listing_query
from sportello_billing.domain.bill_pages import (
    InvalidCursor,
    cursor_after,
    months_before,
    position_of,
)
from sportello_billing.domain.bills import Bill
from sportello_billing.domain.comparison import compare, previous_and_last_year
from sportello_billing.domain.instalments import instalment_offer
from sportello_billing.domain.mandates import Mandate
from sportello_billing.domain.notices import notice_number, qr_payload
from sportello_billing.domain.paying import NotPayable, payable_amount
from sportello_billing.domain.payments import instalment_states, unregistered_days
from sportello_billing.domain.plico import Plico, bundle
from sportello_billing.domain.profiles import BillingProfile
from sportello_billing.domain.supplies import Supply
from sportello_billing.domain.time_barred import time_barred
from sportello_billing.usecases import refusals
from sportello_billing.usecases.payment_methods import delivery_public, payment_public
from sportello_billing.usecases.ports import Needs
from sportello_contracts.billing_profiles import (
    BillingProfilePublic,
    BillingProfileReply,
    BillingProfilesReply,
    GetBillingProfileRequest,
    ListBillingProfilesRequest,
)
from sportello_contracts.bills import (
    STATUS_LABELS,
    BalanceReply,
    BillDetailPublic,
    BillGroup,
    BillReply,
    BillsPage,
    BillSummaryPublic,
    GetBalanceRequest,
    GetBillRequest,
    GetPlicoRequest,
    InstalmentPlanPublic,
    InstalmentPublic,
    ListBillsRequest,
    PaymentNoticePublic,
    PayNowOffer,
    PlicoReply,
    RegisteredPaymentPublic,
    UnregisteredPayment,
)
from sportello_contracts.rpc import Caller
from sportello_contracts.supplies import (
    GetSupplyRequest,
    ListSuppliesRequest,
    SuppliesReply,
    SupplyPublic,
    SupplyReply,
)
from sportello_kit.scoping import owned_by

# How far back a bill's comparisons and instalment average look.
HISTORY_MONTHS = 26


# What an operator needs to read a customer's billing data (identity grants it with TOTP on).
READ_PERMISSION = "accounts.read"


def scope_of(caller: Caller) -> dict[str, Any]:
    """The filter every query of the caller's goes through; an operator needs `accounts.read`."""
    if caller.role == "operator" and READ_PERMISSION not in caller.permissions:
        raise refusals.operator_permission_missing()
    return owned_by(caller)


def codes_of(caller: Caller, customer_code: str | None) -> list[str]:
    """The customer codes a query covers: the one asked for if the caller may see it, else all
    of the caller's. An operator names the customer: they see everyone, one at a time."""
    scope_of(caller)
    if customer_code is not None:
        if not caller.may_act_on(customer_code):
            raise refusals.customer_not_found()
        return [customer_code]
    if caller.role == "operator":
        raise refusals.customer_code_required()
    return list(caller.customer_codes)


def supply_public(supply: Supply) -> SupplyPublic:
    return SupplyPublic(
        supply_id=supply.supply_id,
        customer_code=supply.customer_code,
        commodity=supply.commodity,
        point_id=supply.point_id,
        address=supply.address,
        use=supply.use,
        contracted_power_kw=supply.contracted_power_kw,
        offer_code=supply.offer_code,
        offer_name=supply.offer_name,
        meter=supply.meter,
        distributor=supply.distributor,
        status=supply.status,
        activated_on=supply.activated_on,
        ceased_on=supply.ceased_on,
        billing_profile=supply.billing_profile,
        updated_at=supply.updated_at,
    )


async def list_supplies(needs: Needs, request: ListSuppliesRequest) -> SuppliesReply:
    assert request.caller is not None
    codes = codes_of(request.caller, request.customer_code)
    supplies = await needs.store.supplies().of_customers(codes, request.status)
    return SuppliesReply(supplies=tuple(supply_public(s) for s in supplies))


async def get_supply(needs: Needs, request: GetSupplyRequest) -> SupplyReply:
    assert request.caller is not None
    supply = await needs.store.supplies().get(request.supply_id, scope_of(request.caller))
    if supply is None:
        raise refusals.supply_not_found(request.supply_id)
    return SupplyReply(supply=supply_public(supply))


def _profile_public(
    profile: BillingProfile,
    supplies: Sequence[Supply],
    former: dict[str, list[str]],
    mandates: dict[str, Mandate],
) -> BillingProfilePublic:
    mine = [s for s in supplies if s.billing_profile == profile.number]
    payment = payment_public(profile.payment)
    if payment.mandate_reference is not None:
        mandate = mandates.get(payment.mandate_reference)
        # A mandate billing never asked for came with the supply's contract: active.
        payment = payment.model_copy(
            update={
                "mandate_status": mandate.state if mandate else "active",
                "mandate_refusal_reason": mandate.reason if mandate else None,
            }
        )
    return BillingProfilePublic(
        number=profile.number,
        customer_code=profile.customer_code,
        status=profile.status,
        delivery=delivery_public(profile.delivery),
        payment=payment,
        opened_at=profile.opened_at,
        closed_at=profile.closed_at,
        active_supplies=tuple(supply_public(s) for s in mine if s.active),
        ceased_supplies=tuple(supply_public(s) for s in mine if not s.active),
        former_supplies=tuple(former.get(profile.number, ())),
    )


async def list_profiles(needs: Needs, request: ListBillingProfilesRequest) -> BillingProfilesReply:
    assert request.caller is not None
    codes = codes_of(request.caller, request.customer_code)
    profiles = await needs.store.profiles().of_customers(codes, request.status)
    supplies = await needs.store.supplies().of_customers(codes)
    former = await needs.store.supplies().former_members(codes)
    mandates = await _mandates_of(needs, profiles)
    return BillingProfilesReply(
        profiles=tuple(_profile_public(p, supplies, former, mandates) for p in profiles)
    )


async def _mandates_of(needs: Needs, profiles: Sequence[BillingProfile]) -> dict[str, Mandate]:
    references = sorted(
        {ref for p in profiles if (ref := payment_public(p.payment).mandate_reference) is not None}
    )
    return await needs.store.mandates().of_references(references)


async def get_profile(needs: Needs, request: GetBillingProfileRequest) -> BillingProfileReply:
    assert request.caller is not None
    profile = await needs.store.profiles().get(request.number, scope_of(request.caller))
    if profile is None:
        raise refusals.profile_not_found()
    codes = [profile.customer_code]
    supplies = await needs.store.supplies().of_customers(codes)
    former = await needs.store.supplies().former_members(codes)
    mandates = await _mandates_of(needs, [profile])
    return BillingProfileReply(profile=_profile_public(profile, supplies, former, mandates))


def bill_summary(bill: Bill, supply: Supply, today: date) -> BillSummaryPublic:
    return BillSummaryPublic(
        bill_number=bill.bill_number,
        customer_code=bill.customer_code,
        supply_id=bill.supply_id,
        commodity=supply.commodity,
        point_id=supply.point_id,
        billing_profile=bill.billing_profile,
        period_start=bill.period_start,
        period_end=bill.period_end,
        issued_on=bill.issued_on,
        due_on=bill.due_on,
        total_cents=bill.total_cents,
        amount_due_cents=bill.amount_due_cents,
        payment_method=bill.payment_method,
        status=(status := bill.status(today)),
        status_label=STATUS_LABELS[status],
        estimated=bill.estimated,
    )


async def _supplies_of(needs: Needs, bills: Sequence[Bill]) -> dict[str, Supply]:
    ids = sorted({b.supply_id for b in bills})
    if not ids:
        return {}
    return {s.supply_id: s for s in await needs.store.supplies().find({"_id": {"$in": ids}})}


def window_start(needs: Needs, today: date) -> date:
    return months_before(today, needs.rules.bills_window_months)


async def list_bills(needs: Needs, request: ListBillsRequest) -> BillsPage:
    assert request.caller is not None
    today = needs.clock.today()
    query = listing_query(
        codes_of(request.caller, request.customer_code),
        since=window_start(needs, today),
        supply_id=request.supply_id,
        year=request.year,
        status=request.status,
        today=today,
    )
    try:
        after = position_of(request.cursor) if request.cursor is not None else None
    except InvalidCursor:
        raise refusals.invalid_cursor() from None
    newest = request.order == "newest"
    found = await needs.store.bills().page(query, after, request.limit + 1, newest=newest)
    page, more = found[: request.limit], len(found) > request.limit
    supplies = await _supplies_of(needs, page)
    groups = [
        BillGroup(
            billing_profile=profile,
            bills=tuple(bill_summary(b, supplies[b.supply_id], today) for b in bills),
        )
        # Consecutive bills of one profile make a group (the order keeps each profile's together).
        for profile, bills in groupby(page, key=lambda b: b.billing_profile)
    ]
    return BillsPage(
        groups=tuple(groups), next_cursor=cursor_after(page[-1]) if more and page else None
    )


async def owned_bill(needs: Needs, caller: Caller, bill_number: str) -> tuple[Bill, Supply]:
    """The bill if the caller may see it (else not found, whoever's it is) and its supply.

    Bills older than the window are not shown either: the portal shows two years.
    """
    bill = await needs.store.bills().get(bill_number, scope_of(caller))
    if bill is None or bill.issued_on < window_start(needs, needs.clock.today()):
        raise refusals.bill_not_found()
    supply = await needs.store.supplies().get(bill.supply_id)
    assert supply is not None  # a bill is kept only once its supply is
    return bill, supply


def notice_of(needs: Needs, bill: Bill) -> PaymentNoticePublic | None:
    if bill.payment_method != "pagopa" or bill.notice_position is None:
        return None
    number = notice_number(needs.rules.segregation_code, bill.notice_position)
    amount = bill.amount_due_cents
    return PaymentNoticePublic(
        notice_number=number,
        creditor_fiscal_code=needs.rules.creditor_fiscal_code,
        amount_cents=amount,
        qr_payload=qr_payload(number, needs.rules.creditor_fiscal_code, amount),
    )


async def bill_detail(needs: Needs, bill: Bill, supply: Supply) -> BillDetailPublic:
    today = needs.clock.today()
    history = await needs.store.bills().of_supply(
        bill.supply_id, months_before(bill.issued_on, HISTORY_MONTHS)
    )
    previous, last_year = previous_and_last_year(bill, history)
    summary = bill_summary(bill, supply, today)
    return BillDetailPublic(
        **summary.model_dump(),
        lines=bill.lines,
        consumption=bill.consumption,
        readings=bill.readings,
        vat_cents=sum(line.amount_cents for line in bill.lines if line.section == "vat"),
        excise_cents=sum(line.amount_cents for line in bill.lines if line.section == "taxes"),
        credit_applied_cents=bill.credit_applied_cents,
        credited_cents=bill.credited_cents,
        offer_code=supply.offer_code,
        offer_name=supply.offer_name,
        notice=notice_of(needs, bill),
        previous=compare(bill, previous, "previous") if previous is not None else None,
        last_year=compare(bill, last_year, "last_year") if last_year is not None else None,
        instalments=instalment_offer(bill, history, supply.use, needs.rules.instalments, today),
        time_barred=time_barred(bill, needs.rules.time_bar_years),
        cancelled_reason=bill.cancelled_reason,
        payments=tuple(
            RegisteredPaymentPublic(
                registration_id=r.registration_id,
                amount_cents=r.amount_cents,
                paid_on=r.paid_on,
                registered_on=r.registered_on,
                channel=r.channel,
            )
            for r in bill.registrations
        ),
        pay_now=_pay_now(bill),
        online_payment_id=bill.online_payment_id,
        instalment_plan=_plan_public(bill, today),
        unregistered_payment=await _unregistered(needs, bill),
        refund_due_cents=bill.refund_due_cents,
        updated_at=bill.updated_at or supply.updated_at,
    )


def _pay_now(bill: Bill) -> PayNowOffer | None:
    try:
        amount = payable_amount(bill)
    except NotPayable:
        return None
    return PayNowOffer(amount_cents=amount, methods=("card", "pagopa"))


def _plan_public(bill: Bill, today: date) -> InstalmentPlanPublic | None:
    plan = bill.instalment_plan
    if plan is None:
        return None
    return InstalmentPlanPublic(
        plan_id=plan.plan_id,
        approved_on=plan.approved_on,
        interest_cents=plan.interest_cents,
        total_cents=plan.total_cents,
        instalments=tuple(
            InstalmentPublic(
                number=state.instalment.number,
                due_on=state.instalment.due_on,
                amount_cents=state.instalment.amount_cents,
                paid_cents=state.paid_cents,
                status=state.status,
            )
            for state in instalment_states(plan, bill.paid_towards_plan, today)
        ),
    )


async def _unregistered(needs: Needs, bill: Bill) -> UnregisteredPayment | None:
    """The bill's online payment, paid and still not registered after the expected days."""
    if bill.online_payment_id is None:
        return None
    payment = await needs.store.payments().get(bill.online_payment_id)
    if payment is None or payment.succeeded_at is None:
        return None
    days = unregistered_days(payment, needs.clock.now(), needs.rules.unregistered_after_days)
    if days is None:
        return None
    paid_on = payment.succeeded_at.date().strftime("%d/%m/%Y")
    return UnregisteredPayment(
        payment_id=payment.payment_id,
        amount_cents=payment.amount_cents,
        paid_at=payment.succeeded_at,
        days_waiting=days,
        explanation=(
            f"Hai pagato questa bolletta online il {paid_on}, ma dopo {days} giorni il "
            "pagamento non risulta ancora registrato. Di solito basta attendere qualche giorno; "
            "se non si risolve, puoi presentare un reclamo: il pagamento è documentato con il "
            f"codice {payment.payment_id}."
        ),
        complaint_subject=(
            f"Pagamento online {payment.payment_id} della bolletta {bill.bill_number} "
            "non registrato"
        ),
    )


async def get_bill(needs: Needs, request: GetBillRequest) -> BillReply:
    assert request.caller is not None
    bill, supply = await owned_bill(needs, request.caller, request.bill_number)
    return BillReply(bill=await bill_detail(needs, bill, supply))


async def plico_of(
    needs: Needs, caller: Caller, bill_number: str
) -> tuple[Plico, dict[str, Supply]]:
    bill, _ = await owned_bill(needs, caller, bill_number)
    bills = await needs.store.bills().bundle(
        bill.customer_code, bill.issued_on, bill.payment_method
    )
    plico = bundle(bills)
    return plico, await _supplies_of(needs, plico.bills)


async def get_plico(needs: Needs, request: GetPlicoRequest) -> PlicoReply:
    assert request.caller is not None
    plico, supplies = await plico_of(needs, request.caller, request.bill_number)
    today = needs.clock.today()
    return PlicoReply(
        customer_code=plico.customer_code,
        issued_on=plico.issued_on,
        payment_method=plico.payment_method,
        bills=tuple(bill_summary(b, supplies[b.supply_id], today) for b in plico.bills),
        total_cents=plico.total_cents,
        credits_cents=plico.credits_cents,
        total_due_cents=plico.total_due_cents,
    )


async def get_balance(needs: Needs, request: GetBalanceRequest) -> BalanceReply:
    assert request.caller is not None
    codes = codes_of(request.caller, request.customer_code)
    today = needs.clock.today()
    bills = await needs.store.bills().open_of(codes, window_start(needs, today))
    # A bill paid online and being registered asks nothing more.
    due = [b for b in bills if b.amount_due_cents > 0 and b.status(today) != "paid_pending"]
    overdue = [b for b in due if b.status(today) == "overdue"]
    upcoming = [b.due_on for b in due if b.due_on >= today]
    return BalanceReply(
        amount_due_cents=sum(b.amount_due_cents for b in due),
        overdue_cents=sum(b.amount_due_cents for b in overdue),
        unpaid_bills=len(due),
        next_due_on=min(upcoming) if upcoming else None,
    )
