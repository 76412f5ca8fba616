"""A customer changes how bills reach them or how they pay: supplies move between profiles.

The change targets some supplies, a whole profile, or (administrators) every condominium, and
succeeds or fails as a whole, in one transaction. It writes each customer's document first, so
two changes of one customer's profiles never both open a profile for the same pair.
"""

from collections.abc import Sequence
from uuid import uuid4

from sportello_billing.domain.addresses import InvalidAddress
from sportello_billing.domain.fiscal import InvalidFiscalCode, check_fiscal_code
from sportello_billing.domain.ibans import InvalidIban
from sportello_billing.domain.mandates import Mandate
from sportello_billing.domain.profiles import (
    BillDelivery,
    BillingProfile,
    NotOnDirectDebit,
    PaymentMethod,
    Plan,
    ProfileChange,
    ProfileRuleBroken,
    SupplyIsCeased,
    apply_plan,
    new_pair,
    plan_change,
)
from sportello_billing.domain.supplies import Supply
from sportello_billing.usecases import refusals
from sportello_billing.usecases.payment_methods import (
    change_of,
    delivery_public,
    payment_public,
)
from sportello_billing.usecases.ports import Needs, Transaction
from sportello_contracts.billing_profiles import (
    BillingChangedReply,
    BillingProfilesChanged,
    ChangeBillingRequest,
    DirectDebitChange,
    DirectDebitRequested,
    IbanChange,
    SupplyMove,
)
from sportello_contracts.rpc import Caller, Refused
from sportello_kit.scoping import owned_by


async def change_billing(
    needs: Needs, tx: Transaction, request: ChangeBillingRequest
) -> BillingChangedReply:
    caller = request.caller
    assert caller is not None  # the kit refuses requests without one
    if caller.role == "operator":
        # Its trail entry and e-mail would name the operator, not the customer: not yet.
        raise refusals.operators_cannot_change()
    change_id = uuid4().hex
    mandate = f"MND-{change_id[:12].upper()}"
    change = _domain_change(request, needs.rules.iban_key, mandate)
    chosen = await _chosen_supplies(needs, tx, caller, request)
    codes = sorted({s.customer_code for s in chosen})
    store = needs.store
    await store.customers(tx.session).serialise(codes)
    profiles = await store.profiles(tx.session).of_customers(codes)
    supplies = await store.supplies(tx.session).of_customers(codes)
    plan = _planned(profiles, supplies, [s.supply_id for s in chosen], change, request)
    now = needs.clock.now()
    profile_records = store.profiles(tx.session)
    numbers = {o.placeholder: await profile_records.next_number() for o in plan.openings}
    after_profiles, _ = apply_plan(profiles, supplies, plan, numbers, now)
    for profile in after_profiles:
        if profile.number in numbers.values():
            await profile_records.insert(profile)
    supply_records = store.supplies(tx.session)
    moves = tuple(
        SupplyMove(
            supply_id=m.supply_id,
            customer_code=m.customer_code,
            from_profile=m.from_profile,
            to_profile=numbers.get(m.to_profile, m.to_profile),
            new_profile=m.to_profile in numbers,
        )
        for m in plan.moves
    )
    for move in moves:
        await supply_records.move(move.supply_id, move.from_profile, move.to_profile, now)
    for number in plan.closings:
        await profile_records.close(number, now)
    kind = request.change.kind
    delivery, payment = _new_halves(change, profiles, chosen)
    opened = tuple(sorted(numbers.values()))
    await tx.emit(
        BillingProfilesChanged(
            change_id=change_id,
            account_id=caller.user_id,
            actor_role=caller.role,
            client_address=str(request.client_address) if request.client_address else None,
            kind=kind,
            customer_codes=tuple(codes),
            moves=moves,
            opened_profiles=opened,
            closed_profiles=plan.closings,
            delivery=delivery_public(delivery),
            payment=payment_public(payment),
            at=now,
        )
    )
    asked_mandate = None
    if isinstance(request.change, DirectDebitChange | IbanChange) and moves:
        asked_mandate = mandate
        await tx.emit(
            DirectDebitRequested(
                change_id=change_id,
                mandate_reference=mandate,
                customer_codes=tuple(codes),
                supply_ids=tuple(m.supply_id for m in moves),
                billing_profiles=tuple(sorted({m.to_profile for m in moves})),
                holder_name=request.change.holder_name,
                holder_fiscal_code=request.change.holder_fiscal_code,
                iban="".join(request.change.iban.split()).upper(),
                requested_on=now.date(),
            )
        )
        # Pending until the back-office tells the bank's answer (`mandates.decide_mandate`).
        await store.mandates(tx.session).insert_new(
            Mandate(
                reference=mandate,
                account_id=caller.user_id,
                customer_codes=tuple(codes),
                billing_profiles=tuple(sorted({m.to_profile for m in moves})),
                holder_name=request.change.holder_name,
                iban_masked=payment_public(payment).iban_masked or "",
                state="pending",
                requested_at=now,
            )
        )
    return BillingChangedReply(
        change_id=change_id,
        kind=kind,
        moves=moves,
        opened_profiles=opened,
        closed_profiles=plan.closings,
        mandate_reference=asked_mandate,
    )


def _domain_change(request: ChangeBillingRequest, secret: str, mandate: str) -> ProfileChange:
    change = request.change
    try:
        if isinstance(change, DirectDebitChange | IbanChange):
            check_fiscal_code(change.holder_fiscal_code)
        return change_of(change, secret, mandate)
    except InvalidIban as error:
        raise refusals.invalid_iban(str(error)) from None
    except InvalidAddress as error:
        raise refusals.invalid_address(error.field, error.message) from None
    except InvalidFiscalCode as error:
        raise refusals.invalid_fiscal_code(str(error)) from None


async def _chosen_supplies(
    needs: Needs, tx: Transaction, caller: Caller, request: ChangeBillingRequest
) -> list[Supply]:
    """The supplies the change is for, each one the caller's (or refused as not found)."""
    target = request.target
    supplies = needs.store.supplies(tx.session)
    if target.all_condominiums:
        if caller.role != "administrator":
            raise refusals.administrators_only()
        chosen = await supplies.of_customers(list(caller.customer_codes), status="active")
    elif target.billing_profile is not None:
        profile = await needs.store.profiles(tx.session).get(
            target.billing_profile, owned_by(caller)
        )
        if profile is None:
            raise refusals.profile_not_found()
        if profile.status == "closed":
            raise refusals.profile_closed(profile.number)
        chosen = await supplies.find({"billing_profile": profile.number, "ceased_on": None})
    else:
        assert target.supply_ids is not None
        ids = list(dict.fromkeys(target.supply_ids))
        found = {
            s.supply_id: s for s in await supplies.find({"_id": {"$in": ids}, **owned_by(caller)})
        }
        missing = [i for i in ids if i not in found]
        if missing:
            raise refusals.supply_not_found(missing[0])
        chosen = [found[i] for i in ids]
    if not chosen:
        raise refusals.no_active_supply()
    return chosen


def _planned(
    profiles: Sequence[BillingProfile],
    supplies: Sequence[Supply],
    chosen: list[str],
    change: ProfileChange,
    request: ChangeBillingRequest,
) -> Plan:
    try:
        return plan_change(profiles, supplies, chosen, change)
    except ProfileRuleBroken as broken:
        refusal = _refusal(broken)
        if request.target.all_condominiums:
            customer = next(s.customer_code for s in supplies if s.supply_id == broken.supply_id)
            raise refusals.condominium_change_failed(customer, refusal) from None
        raise refusal from None


def _refusal(broken: ProfileRuleBroken) -> Refused:
    if isinstance(broken, SupplyIsCeased):
        return refusals.supply_ceased(broken.supply_id)
    if isinstance(broken, NotOnDirectDebit):
        return refusals.not_on_direct_debit(broken.supply_id)
    return refusals.supply_not_found(broken.supply_id)


def _new_halves(
    change: ProfileChange, profiles: Sequence[BillingProfile], chosen: Sequence[Supply]
) -> tuple[BillDelivery, PaymentMethod]:
    """What the change set, with the other half of the first chosen supply's pair: what the
    trail and the confirming e-mail name."""
    by_number = {p.number: p for p in profiles}
    return new_pair(by_number[chosen[0].billing_profile], change)
