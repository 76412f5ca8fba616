"""The events that make notifications write to users."""

from datetime import UTC, datetime

from sportello_contracts.account_deletion import AccountDeleted
from sportello_contracts.administrators import AdministratorCodeIssued
from sportello_contracts.envelope import Event
from sportello_contracts.identity import AccountRegistered
from sportello_kit.service import Service
from sportello_notifications.bootstrap import Dependencies
from sportello_notifications.domain.messages import administrator_code, registration_summary
from sportello_notifications.usecases.account_deletion import erase_account_data
from sportello_notifications.usecases.delivery import deliver


def subscribe(service: Service, deps: Dependencies) -> None:
    @service.on(AccountRegistered, transactional=False)
    async def account_registered(event: Event[AccountRegistered]) -> None:
        """Send the registration summary e-mail."""
        mail = registration_summary(str(event.event_id), event.payload, deps.settings.portal_url)
        # A claim held by another delivery fails with `ClaimHeld`: the kit looks again after
        # the claim's lease, so a mail whose sender died is taken over, never dropped.
        await deliver(
            mail,
            claims=deps.claims,
            mailer=deps.mailer,
            templates=deps.templates,
            messages=deps.messages,
        )

    @service.on(AccountDeleted, transactional=False)
    async def account_deleted(event: Event[AccountDeleted]) -> None:
        """Tell the user the account is gone, erase the messages' records, and confirm."""
        await erase_account_data(
            str(event.event_id),
            event.payload,
            claims=deps.claims,
            mailer=deps.mailer,
            templates=deps.templates,
            messages=deps.messages,
            transactions=deps.transactions,
            now=datetime.now(UTC),
        )

    @service.on(AdministratorCodeIssued, transactional=False)
    async def administrator_code_issued(event: Event[AdministratorCodeIssued]) -> None:
        """Send the firm its administrator code."""
        mail = administrator_code(str(event.event_id), event.payload, deps.settings.portal_url)
        await deliver(
            mail,
            claims=deps.claims,
            mailer=deps.mailer,
            templates=deps.templates,
            messages=deps.messages,
        )
