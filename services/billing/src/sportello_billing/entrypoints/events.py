"""The events billing consumes."""

from sportello_billing.bootstrap import Dependencies
from sportello_billing.usecases.onboarding import record_onboarded_customer
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
