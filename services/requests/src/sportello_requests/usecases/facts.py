"""What requests keeps of billing's world to admit a request: the customers' supplies (which
commodity, whether ceased) and their bills (what is left to pay, whether in a plan).

A supply is learnt from its meter's installation: the supply's activation carries a direct
debit's whole IBAN and reaches billing alone."""

from sportello_contracts.bills import BillIssued
from sportello_contracts.payments import BillPaymentRegistered, InstalmentPlanApproved
from sportello_contracts.readings import MeterInstalled
from sportello_contracts.supplies import SupplyCeased
from sportello_requests.domain.admission import KnownBill, KnownSupply
from sportello_requests.usecases.ports import Needs, Transaction


async def meter_installed(needs: Needs, tx: Transaction, meter: MeterInstalled) -> None:
    await needs.store.keep_supply(
        KnownSupply(meter.supply_id, meter.customer_code, meter.commodity, meter.point_id),
        tx.session,
    )


async def supply_ceased(needs: Needs, tx: Transaction, ceased: SupplyCeased) -> None:
    await needs.store.cease_supply(ceased.supply_id, ceased.ceased_on, tx.session)


async def bill_issued(needs: Needs, tx: Transaction, bill: BillIssued) -> None:
    due = max(bill.total_cents - bill.credit_applied_cents, 0)
    await needs.store.keep_bill(
        KnownBill(bill.bill_number, bill.customer_code, bill.supply_id, bill.total_cents, due),
        tx.session,
    )


async def bill_payment_registered(
    needs: Needs, tx: Transaction, paid: BillPaymentRegistered
) -> None:
    await needs.store.bill_paid(paid.bill_number, paid.amount_due_cents, tx.session)


async def plan_approved(needs: Needs, tx: Transaction, plan: InstalmentPlanApproved) -> None:
    await needs.store.bill_in_plan(plan.bill_number, tx.session)
