"""The events billing consumes."""

from sportello_billing.adapters.store import BillingStore
from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import Event
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def subscribe(service: Service, store: BillingStore) -> None:
    @service.on(CustomerOnboarded)
    async def customer_onboarded(event: Event[CustomerOnboarded], tx: Transaction) -> None:
        """Keep the customer: supplies and billing profiles belong to one."""
        await store.save_customer(event.payload, tx.session)
