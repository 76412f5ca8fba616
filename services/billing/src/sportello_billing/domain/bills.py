"""Bills as billing keeps them, and what a customer is owed an explanation of."""

from dataclasses import dataclass
from datetime import date, datetime

from sportello_contracts.bills import (
    BillLine,
    BillStatus,
    ConsumptionBilled,
    PaymentMethod,
    ReadingUsed,
)


@dataclass(frozen=True)
class Bill:
    bill_number: str
    customer_code: str
    supply_id: str
    billing_profile: str  # the profile the supply was in when the bill was issued
    period_start: date
    period_end: date
    issued_on: date
    due_on: date
    total_cents: int
    credit_applied_cents: int
    lines: tuple[BillLine, ...]
    consumption: ConsumptionBilled
    readings: tuple[ReadingUsed, ...]
    payment_method: PaymentMethod
    notice_position: str | None
    after_billing_gap: bool
    after_meter_fault: bool
    paid_cents: int = 0
    credited_cents: int = 0
    credit_notes: tuple[str, ...] = ()
    cancelled_on: date | None = None
    cancelled_reason: str | None = None
    updated_at: datetime | None = None

    @property
    def amount_due_cents(self) -> int:
        """What is left to pay (never below zero: a credit bill asks nothing)."""
        owed = self.total_cents - self.credit_applied_cents - self.credited_cents
        return 0 if self.cancelled_on is not None else max(0, owed - self.paid_cents)

    @property
    def estimated(self) -> bool:
        """Billed on an estimate: no actual or self-reading among those used."""
        return not any(r.kind in ("actual", "self") for r in self.readings)

    @property
    def days_billed(self) -> int:
        return (self.period_end - self.period_start).days + 1

    def status(self, today: date) -> BillStatus:
        return bill_status(self, today)


def bill_status(bill: Bill, today: date) -> BillStatus:
    """Cancelled and credited first; then paid, partly paid, overdue (after the due date),
    unpaid. Judged on the due date alone: a payment the collector reports late never makes a
    bill overdue once it is registered with its own date (issue 18)."""
    if bill.cancelled_on is not None:
        return "cancelled"
    owed = bill.total_cents - bill.credit_applied_cents
    if bill.credited_cents > 0 and bill.credited_cents >= owed:
        return "credited"
    if bill.amount_due_cents == 0:
        return "paid"
    if bill.paid_cents > 0:
        return "partially_paid"
    return "overdue" if today > bill.due_on else "unpaid"


def settled_state(bill: Bill) -> BillStatus:
    """The status without the calendar: "unpaid" stays "unpaid" after its due date (stored, so
    that "overdue" is "unpaid" with a due date gone by, asked of the database as that)."""
    return bill_status(bill, bill.due_on)
