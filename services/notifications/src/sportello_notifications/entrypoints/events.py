"""The events that make notifications write to users."""

from sportello_contracts.envelope import Event
from sportello_contracts.identity import AccountRegistered
from sportello_kit.service import Service
from sportello_notifications.bootstrap import Dependencies
from sportello_notifications.delivery import deliver
from sportello_notifications.domain.messages import registration_summary


def subscribe(service: Service, deps: Dependencies) -> None:
    @service.on(AccountRegistered, transactional=False)
    async def account_registered(event: Event[AccountRegistered]) -> None:
        """Send the registration summary e-mail."""
        mail = registration_summary(str(event.event_id), event.payload, deps.settings.portal_url)
        await deliver(deps, mail)
