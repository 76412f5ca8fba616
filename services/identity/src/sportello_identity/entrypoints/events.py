"""The events identity consumes: a customer's details and its PIN, each on its own; a change
of billing profiles for the trail of the account that asked."""

from collections.abc import Iterator
from contextlib import contextmanager

from sportello_contracts.backoffice import CustomerOnboarded, RegistrationPinIssued
from sportello_contracts.billing_profiles import BillingProfilesChanged
from sportello_contracts.credentials import AccountRecoveryAsked
from sportello_contracts.envelope import Event
from sportello_identity.domain.errors import InvalidFiscalCode
from sportello_identity.usecases.billing_trail import record_billing_change
from sportello_identity.usecases.onboarding import (
    record_onboarded_customer,
    record_registration_pin,
)
from sportello_identity.usecases.ports import Dependencies
from sportello_identity.usecases.recovery import issue_reset_link
from sportello_kit.errors import PoisonMessage
from sportello_kit.logs import masked
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction


def subscribe(service: Service, deps: Dependencies) -> None:
    @service.on(CustomerOnboarded)
    async def customer_onboarded(event: Event[CustomerOnboarded], tx: Transaction) -> None:
        """Keep the customer's details; with its PIN known, it can register."""
        with poison_if_never_registrable(event.payload.fiscal_code):
            await record_onboarded_customer(deps, event.payload, tx)

    @service.on(RegistrationPinIssued)
    async def registration_pin_issued(event: Event[RegistrationPinIssued], tx: Transaction) -> None:
        """Keep the hash of the customer's registration PIN (never the PIN)."""
        with poison_if_never_registrable(event.payload.fiscal_code):
            await record_registration_pin(deps, event.payload, tx)

    @service.on(AccountRecoveryAsked)
    async def recovery_asked(event: Event[AccountRecoveryAsked], tx: Transaction) -> None:
        """E-mail the username and a reset link to the address, if an account has it."""
        await issue_reset_link(deps, event.payload, tx)

    @service.on(BillingProfilesChanged)
    async def billing_profiles_changed(
        event: Event[BillingProfilesChanged], tx: Transaction
    ) -> None:
        """Keep the change of bill delivery or payment in the trail of the account that asked."""
        await record_billing_change(deps, event.payload, tx)


@contextmanager
def poison_if_never_registrable(fiscal_code: str) -> Iterator[None]:
    try:
        yield
    except InvalidFiscalCode:
        # No retry can make it valid: the back-office must correct and send it again.
        raise PoisonMessage(f"invalid fiscal code {masked(fiscal_code)}") from None
