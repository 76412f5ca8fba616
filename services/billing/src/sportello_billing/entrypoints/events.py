"""The events billing consumes."""

from datetime import UTC, datetime

from sportello_billing.bootstrap import Dependencies
from sportello_billing.usecases.account_deletion import erase_account_data
from sportello_billing.usecases.onboarding import record_onboarded_customer
from sportello_contracts.account_deletion import AccountDeleted
from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import Event
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def subscribe(service: Service, deps: Dependencies) -> None:
    @service.on(CustomerOnboarded)
    async def customer_onboarded(event: Event[CustomerOnboarded], tx: Transaction) -> None:
        """Keep the customer: supplies and billing profiles belong to one."""
        customers = deps.store.customers(tx.session)
        await record_onboarded_customer(customers, event.payload, event.occurred_at)

    @service.on(AccountDeleted)
    async def account_deleted(event: Event[AccountDeleted], tx: Transaction) -> None:
        """Pseudonymise the deleted account's customers (their bills stay), and confirm."""
        customers = deps.store.customers(tx.session)
        await erase_account_data(customers, event.payload, tx, datetime.now(UTC))
