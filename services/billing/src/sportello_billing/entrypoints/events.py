"""The events billing consumes."""

from sportello_billing.adapters.store import BillingStore
from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import Event
from sportello_kit.service import Service


def subscribe(service: Service, store: BillingStore) -> None:
    @service.on(CustomerOnboarded)
    async def customer_onboarded(event: Event[CustomerOnboarded]) -> None:
        """Keep the customer: supplies and billing profiles belong to one."""
        await service.database.handle_once(
            "billing",
            event.event_id,
            lambda session: store.save_customer(event.payload, session),
        )
