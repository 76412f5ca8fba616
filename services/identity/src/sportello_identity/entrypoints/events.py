"""The events identity consumes."""

from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import Event
from sportello_identity.domain.errors import InvalidFiscalCode
from sportello_identity.usecases.onboarding import record_onboarded_customer
from sportello_identity.usecases.ports import Dependencies
from sportello_kit.errors import PoisonMessage
from sportello_kit.logs import masked
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def subscribe(service: Service, deps: Dependencies) -> None:
    @service.on(CustomerOnboarded)
    async def customer_onboarded(event: Event[CustomerOnboarded], tx: Transaction) -> None:
        """Keep the customer and the hash of its registration PIN."""
        onboarded = event.payload
        try:
            await record_onboarded_customer(deps, onboarded, tx)
        except InvalidFiscalCode:
            # No retry can make it valid: the back-office must correct and send it again.
            raise PoisonMessage(f"invalid fiscal code {masked(onboarded.fiscal_code)}") from None
