"""The plico: a customer's bills of one issue date and payment method, with what it asks to pay.

Previous credits and credit notes are deducted across the whole bundle (DOMAIN.md, "plico"):
a credit on one bill lowers what the others ask. Cancelled bills are left out of it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sportello_billing.domain.bills import Bill
from sportello_contracts.bills import PaymentMethod

PlicoKey = tuple[str, date, PaymentMethod]


@dataclass(frozen=True)
class Plico:
    customer_code: str
    issued_on: date
    payment_method: PaymentMethod
    bills: tuple[Bill, ...]  # by supply, then number
    total_cents: int  # the bills' totals
    credits_cents: int  # previous credits applied and credit notes
    paid_cents: int  # payments registered on the bills
    total_due_cents: int  # what the plico asks to pay, never below zero


def plico_key(bill: Bill) -> PlicoKey:
    """What the bills of one plico share: customer, issue date and payment method."""
    return (bill.customer_code, bill.issued_on, bill.payment_method)


def bundle(bills: Sequence[Bill]) -> Plico:
    """The plico of `bills`, which all share one key; cancelled ones are left out."""
    if not bills:
        raise ValueError("a plico has at least one bill")
    keys = {plico_key(bill) for bill in bills}
    if len(keys) > 1:
        raise ValueError("the bills of a plico share customer, issue date and payment method")
    customer_code, issued_on, payment_method = keys.pop()
    kept = tuple(
        sorted(
            (bill for bill in bills if bill.cancelled_on is None),
            key=lambda bill: (bill.supply_id, bill.bill_number),
        )
    )
    total = sum(bill.total_cents for bill in kept)
    credits = sum(bill.credit_applied_cents + bill.credited_cents for bill in kept)
    paid = sum(bill.paid_cents for bill in kept)
    return Plico(
        customer_code=customer_code,
        issued_on=issued_on,
        payment_method=payment_method,
        bills=kept,
        total_cents=total,
        credits_cents=credits,
        paid_cents=paid,
        total_due_cents=max(0, total - credits - paid),
    )
