"""The back-office's bill events: a bill issued, cancelled, or credited.

A bill for a supply not known yet waits for it (parked), and a cancellation or a credit note
for a bill not known yet waits for the bill: nothing is lost to the order events arrive in.
"""

import logging

from sportello_billing.domain.bills import Bill
from sportello_billing.usecases.ports import Needs, Transaction
from sportello_billing.usecases.supplies import waiting_for_supply
from sportello_contracts.bills import BillCancelled, BillCredited, BillIssued
from sportello_kit.errors import PoisonMessage

log = logging.getLogger(__name__)


def waiting_for_bill(bill_number: str) -> str:
    return f"bill:{bill_number}"


async def record_bill(needs: Needs, tx: Transaction, issued: BillIssued) -> None:
    store = needs.store
    supply = await store.supplies(tx.session).get(issued.supply_id)
    if supply is None:
        tx.park(waiting_for_supply(issued.supply_id))
        return
    if supply.customer_code != issued.customer_code:
        raise PoisonMessage(
            f"bill {issued.bill_number} is for supply {issued.supply_id}, "
            f"which is not of customer {issued.customer_code}"
        )
    unit = "Smc" if supply.commodity == "gas" else "kWh"
    if issued.consumption.unit != unit:
        raise PoisonMessage(
            f"bill {issued.bill_number} bills {issued.consumption.unit}, not {unit}"
        )
    bill = Bill(
        bill_number=issued.bill_number,
        customer_code=issued.customer_code,
        supply_id=issued.supply_id,
        # The profile the supply is in at issue: a later move does not move its old bills.
        billing_profile=supply.billing_profile,
        period_start=issued.period_start,
        period_end=issued.period_end,
        issued_on=issued.issued_on,
        due_on=issued.due_on,
        total_cents=issued.total_cents,
        credit_applied_cents=issued.credit_applied_cents,
        lines=issued.lines,
        consumption=issued.consumption,
        readings=issued.readings,
        payment_method=issued.payment_method,
        notice_position=issued.notice_position,
        after_billing_gap=issued.after_billing_gap,
        after_meter_fault=issued.after_meter_fault,
        updated_at=needs.clock.now(),
    )
    if not await store.bills(tx.session).insert_new(bill):
        log.info("bill %s is known already: the issue is not applied again", bill.bill_number)
        return
    await tx.release(waiting_for_bill(bill.bill_number))


async def cancel_bill(needs: Needs, tx: Transaction, cancelled: BillCancelled) -> None:
    bills = needs.store.bills(tx.session)
    bill = await bill_of_event(needs, tx, cancelled.bill_number, cancelled.customer_code)
    if bill is None:
        return
    if await bills.cancel(
        bill.bill_number, cancelled.cancelled_on, cancelled.reason, needs.clock.now()
    ):
        await bills.settle(bill.bill_number)


async def credit_bill(needs: Needs, tx: Transaction, credited: BillCredited) -> None:
    bills = needs.store.bills(tx.session)
    bill = await bill_of_event(needs, tx, credited.bill_number, credited.customer_code)
    if bill is None:
        return
    if credited.credit_note_number in bill.credit_notes:
        return  # the same credit note again
    owed = bill.total_cents - bill.credit_applied_cents - bill.credited_cents
    if credited.amount_cents > max(owed, 0):
        raise PoisonMessage(
            f"credit note {credited.credit_note_number} takes {credited.amount_cents} cents off "
            f"bill {bill.bill_number}, which has {owed} left"
        )
    applied = await bills.credit(
        bill.bill_number, credited.credit_note_number, credited.amount_cents, needs.clock.now()
    )
    if applied:
        await bills.settle(bill.bill_number)


async def bill_of_event(
    needs: Needs, tx: Transaction, bill_number: str, customer_code: str
) -> Bill | None:
    """The bill a back-office event is about; None, the event parked until the bill comes, if
    it is not known yet. An event naming another customer than the bill's is poison."""
    bill = await needs.store.bills(tx.session).get(bill_number)
    if bill is None:
        tx.park(waiting_for_bill(bill_number))
        return None
    if bill.customer_code != customer_code:
        raise PoisonMessage(f"bill {bill.bill_number} is not of customer {customer_code}")
    return bill
