"""Whether a request form can be filed, given what the service knows of the caller's supplies
and bills: what the form alone cannot say (the supply is the caller's and electricity, the
bills are unpaid). Refusals carry a code for the client and a sentence for the customer.

Another customer's supply or bill is refused exactly like one that does not exist.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import assert_never

from sportello_contracts.request_forms import (
    BillCorrection,
    Complaint,
    Deactivation,
    HolderChange,
    InformationRequest,
    InstalmentPlan,
    PowerChange,
    RequestForm,
    SupplierSwitch,
    Takeover,
)


@dataclass(frozen=True)
class KnownSupply:
    supply_id: str
    customer_code: str
    commodity: str
    point_id: str
    ceased_on: date | None = None


@dataclass(frozen=True)
class KnownBill:
    bill_number: str
    customer_code: str
    supply_id: str
    total_cents: int
    amount_due_cents: int  # what is left to pay
    in_plan: bool = False  # in an instalment plan already


@dataclass(frozen=True)
class AdmissionRules:
    # A deactivation, a voltura or a subentro is asked for a day from today to this far ahead.
    days_ahead: int = 90
    # An instalment plan covers at least this much (TIF: not under 50 EUR).
    plan_minimum_cents: int = 5000


@dataclass(frozen=True)
class Facts:
    """The caller's supplies and bills, as far as the form names them (keyed by id); the fiscal
    code of the holder filing it."""

    supplies: Mapping[str, KnownSupply]
    bills: Mapping[str, KnownBill]
    holder_fiscal_code: str | None = None


class Refused(Exception):
    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status  # 404 not found, 409 conflict with the data, 422 a bad value


def _supply(facts: Facts, supply_id: str, *, active: bool = True) -> KnownSupply:
    supply = facts.supplies.get(supply_id)
    if supply is None:
        raise Refused("supply_not_found", "Fornitura non trovata.", 404)
    if active and supply.ceased_on is not None:
        raise Refused("supply_ceased", "La fornitura è cessata.")
    return supply


def _bill(facts: Facts, bill_number: str) -> KnownBill:
    bill = facts.bills.get(bill_number)
    if bill is None:
        raise Refused("bill_not_found", "Bolletta non trovata.", 404)
    return bill


def _day_ahead(on: date, today: date, rules: AdmissionRules) -> None:
    if on < today:
        raise Refused("date_in_the_past", "La data è già passata.", 422)
    if on > today + timedelta(days=rules.days_ahead):
        raise Refused(
            "date_too_far",
            f"La data può essere al massimo tra {rules.days_ahead} giorni.",
            422,
        )


def admit(form: RequestForm, facts: Facts, today: date, rules: AdmissionRules) -> None:
    """Raise `Refused` if the request cannot be filed; return if it can."""
    match form:
        case PowerChange():
            if _supply(facts, form.supply_id).commodity != "electricity":
                raise Refused(
                    "not_electricity", "La potenza si cambia solo sulle forniture di luce."
                )
        case Deactivation():
            _supply(facts, form.supply_id)
            _day_ahead(form.on, today, rules)
        case HolderChange():
            _supply(facts, form.supply_id)
            _day_ahead(form.on, today, rules)
            if form.new_holder.fiscal_code == facts.holder_fiscal_code:
                raise Refused(
                    "same_holder", "Il nuovo intestatario è già l'intestatario attuale.", 422
                )
        case Takeover():
            if _supply(facts, form.supply_id, active=False).ceased_on is None:
                raise Refused("supply_active", "La fornitura è attiva: non serve un subentro.")
            _day_ahead(form.on, today, rules)
        case SupplierSwitch():
            if any(
                s.point_id == form.point_id and s.ceased_on is None for s in facts.supplies.values()
            ):
                raise Refused("already_supplied", "Questo punto è già fornito da noi.")
        case InstalmentPlan():
            bills = [_bill(facts, number) for number in form.bill_numbers]
            if any(b.amount_due_cents <= 0 for b in bills):
                raise Refused("bill_paid", "Una delle bollette è già pagata.")
            if any(b.in_plan for b in bills):
                raise Refused("bill_in_plan", "Una delle bollette è già rateizzata.")
            if sum(b.amount_due_cents for b in bills) < rules.plan_minimum_cents:
                euro = rules.plan_minimum_cents / 100
                raise Refused(
                    "plan_too_small", f"Si rateizzano importi di almeno {euro:.2f} euro.", 422
                )
        case BillCorrection():
            _bill(facts, form.bill_number)
        case Complaint():
            if form.supply_id is not None:
                _supply(facts, form.supply_id, active=False)
            if form.bill_number is not None:
                bill = _bill(facts, form.bill_number)
                if form.disputed_cents is not None and form.disputed_cents > bill.total_cents:
                    raise Refused(
                        "disputed_above_total",
                        "L'importo contestato supera il totale della bolletta.",
                        422,
                    )
        case InformationRequest():
            if form.supply_id is not None:
                _supply(facts, form.supply_id, active=False)
        case _:
            assert_never(form)  # a new type must say what it needs
