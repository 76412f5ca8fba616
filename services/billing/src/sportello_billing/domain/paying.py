"""Whether a bill can be paid online now, and how much paying it now pays."""

from sportello_billing.domain.bills import Bill
from sportello_billing.domain.payments import next_instalment_due


class NotPayable(Exception):
    """Why the bill cannot be paid online: `code` is the API's, `message` the customer's."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def payable_amount(bill: Bill) -> int:
    """What paying the bill now pays: what it still asks, or, in an instalment plan, what the
    next instalment still asks. Raises `NotPayable` when it cannot be paid online: cancelled,
    collected by the bank (direct debit), paid, or paid online and being registered."""
    if bill.cancelled_on is not None:
        raise NotPayable("bill_cancelled", "La bolletta è annullata: non c'è da pagare.")
    if bill.payment_method == "direct_debit":
        raise NotPayable(
            "bill_direct_debit",
            "La bolletta è addebitata sul conto corrente: la paga la banca alla scadenza.",
        )
    due = bill.amount_due_cents
    if due > 0 and bill.pending_online_cents >= due:
        raise NotPayable(
            "bill_payment_pending", "La bolletta risulta già pagata ed è in registrazione."
        )
    if bill.instalment_plan is not None:
        due = min(due, next_instalment_due(bill.instalment_plan, bill.paid_towards_plan))
    if due <= 0:
        raise NotPayable("bill_paid", "La bolletta è già pagata.")
    return due
