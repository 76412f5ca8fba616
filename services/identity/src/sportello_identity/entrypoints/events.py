"""The events identity consumes."""

from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import Event
from sportello_identity.bootstrap import Dependencies
from sportello_identity.usecases.onboarding import record_onboarded_customer
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def subscribe(service: Service, deps: Dependencies) -> None:
    @service.on(CustomerOnboarded)
    async def customer_onboarded(event: Event[CustomerOnboarded], tx: Transaction) -> None:
        """Keep the customer and the hash of its registration PIN."""
        await record_onboarded_customer(deps, event, tx)
