"""Bills as billing keeps them, and what a customer is owed an explanation of."""

from dataclasses import dataclass
from datetime import date, datetime

from sportello_billing.domain.payments import InstalmentPlan, Registration, paid_before
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
    registrations: tuple[Registration, ...] = ()
    # Paid online and not registered by the back-office yet ("paid, being registered").
    pending_online_cents: int = 0
    # The online payment in flight, or paid and not registered yet: one at a time per bill.
    online_payment_id: str | None = None
    instalment_plan: InstalmentPlan | None = None

    @property
    def owed_cents(self) -> int:
        """What the bill asks in all: its total, less previous credits and credit notes, plus
        the interest of its instalment plan, if any."""
        if self.cancelled_on is not None:
            return 0
        interest = self.instalment_plan.interest_cents if self.instalment_plan else 0
        return max(0, self.total_cents - self.credit_applied_cents - self.credited_cents) + interest

    @property
    def amount_due_cents(self) -> int:
        """What is left to pay (never below zero: a credit bill asks nothing)."""
        return max(0, self.owed_cents - self.paid_cents)

    @property
    def paid_towards_plan(self) -> int:
        """What the payments registered cover of its instalment plan (all of them, without)."""
        if self.instalment_plan is None:
            return self.paid_cents
        return self.paid_cents - paid_before(self.instalment_plan, self.registrations)

    @property
    def refund_due_cents(self) -> int:
        """Registered beyond what the bill asks (paid twice): to be refunded."""
        return max(0, self.paid_cents - self.owed_cents) if self.cancelled_on is None else 0

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
    """Cancelled and credited first; then paid, paid online and being registered, in an
    instalment plan, partly paid, overdue (after the due date), unpaid.

    A payment counts from when it is registered, whatever day it was made: one the collector
    reports late never made the bill overdue (the bill is paid once it is registered), and one
    made online shows as paid at once, while the back-office registers it.
    """
    if bill.cancelled_on is not None:
        return "cancelled"
    owed = bill.total_cents - bill.credit_applied_cents
    if bill.credited_cents > 0 and bill.credited_cents >= owed:
        return "credited"
    due = bill.amount_due_cents
    if due == 0:
        return "paid"
    if bill.pending_online_cents > 0 and bill.pending_online_cents >= due:
        return "paid_pending"
    if bill.instalment_plan is not None:
        return "in_instalments"
    if bill.paid_cents > 0:
        return "partially_paid"
    return "overdue" if today > bill.due_on else "unpaid"


def settled_state(bill: Bill) -> BillStatus:
    """The status without the calendar: "unpaid" stays "unpaid" after its due date (stored, so
    that "overdue" is "unpaid" with a due date gone by, asked of the database as that)."""
    return bill_status(bill, bill.due_on)
