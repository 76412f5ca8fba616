"""The events billing consumes."""

from datetime import UTC, datetime

from sportello_billing.bootstrap import Dependencies
from sportello_billing.usecases.account_deletion import erase_account_data
from sportello_billing.usecases.bills import cancel_bill, credit_bill, record_bill
from sportello_billing.usecases.mandates import decide_mandate
from sportello_billing.usecases.onboarding import record_onboarded_customer
from sportello_billing.usecases.payments import approve_plan, record_registration
from sportello_billing.usecases.supplies import (
    activate_supply,
    cease_supply,
    update_supply,
    waiting_for_customer,
)
from sportello_contracts.account_deletion import AccountDeleted
from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.bills import BillCancelled, BillCredited, BillIssued
from sportello_contracts.envelope import Event
from sportello_contracts.payments import (
    InstalmentPlanApproved,
    MandateActivated,
    MandateRefused,
    PaymentRegistered,
)
from sportello_contracts.supplies import SupplyActivated, SupplyCeased, SupplyUpdated
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def subscribe(service: Service, deps: Dependencies) -> None:
    needs = deps.needs

    @service.on(CustomerOnboarded)
    async def customer_onboarded(event: Event[CustomerOnboarded], tx: Transaction) -> None:
        """Keep the customer: supplies and billing profiles belong to one."""
        customers = deps.store.customers(tx.session)
        await record_onboarded_customer(customers, event.payload, event.occurred_at)
        await tx.release(waiting_for_customer(event.payload.customer_code))

    @service.on(AccountDeleted)
    async def account_deleted(event: Event[AccountDeleted], tx: Transaction) -> None:
        """Pseudonymise the deleted account's customers (their bills stay), and confirm."""
        customers = deps.store.customers(tx.session)
        await erase_account_data(customers, event.payload, tx, datetime.now(UTC))

    @service.on(SupplyActivated)
    async def supply_activated(event: Event[SupplyActivated], tx: Transaction) -> None:
        """Keep the supply in the customer's profile for its pair (a new one if none has it)."""
        await activate_supply(needs, tx, event.payload, event.occurred_at)

    @service.on(SupplyUpdated)
    async def supply_updated(event: Event[SupplyUpdated], tx: Transaction) -> None:
        """Apply what changed on the supply, unless a newer update did already."""
        await update_supply(needs, tx, event.payload, event.occurred_at)

    @service.on(SupplyCeased)
    async def supply_ceased(event: Event[SupplyCeased], tx: Transaction) -> None:
        """Mark the supply ceased; its profile closes if it has no active supply left."""
        await cease_supply(needs, tx, event.payload, event.occurred_at)

    @service.on(BillIssued)
    async def bill_issued(event: Event[BillIssued], tx: Transaction) -> None:
        """Keep the bill in its supply's profile (waiting for the supply if not known yet)."""
        await record_bill(needs, tx, event.payload)

    @service.on(BillCancelled)
    async def bill_cancelled(event: Event[BillCancelled], tx: Transaction) -> None:
        """Void the bill."""
        await cancel_bill(needs, tx, event.payload)

    @service.on(BillCredited)
    async def bill_credited(event: Event[BillCredited], tx: Transaction) -> None:
        """Take the credit note off the bill, once."""
        await credit_bill(needs, tx, event.payload)

    @service.on(PaymentRegistered)
    async def payment_registered(event: Event[PaymentRegistered], tx: Transaction) -> None:
        """Add the payment to its bill, once (waiting for the bill if not known yet)."""
        await record_registration(needs, tx, event.payload)

    @service.on(InstalmentPlanApproved)
    async def plan_approved(event: Event[InstalmentPlanApproved], tx: Transaction) -> None:
        """Put the bill in the instalment plan, with its schedule."""
        await approve_plan(needs, tx, event.payload)

    @service.on(MandateActivated)
    async def mandate_activated(event: Event[MandateActivated], tx: Transaction) -> None:
        """The bank accepted the direct debit: tell whoever asked."""
        p = event.payload
        await decide_mandate(
            needs, tx, p.mandate_reference, p.customer_code, "active", p.activated_on
        )

    @service.on(MandateRefused)
    async def mandate_refused(event: Event[MandateRefused], tx: Transaction) -> None:
        """The bank refused the direct debit: tell whoever asked, and why."""
        p = event.payload
        await decide_mandate(
            needs, tx, p.mandate_reference, p.customer_code, "refused", p.refused_on, p.reason
        )
