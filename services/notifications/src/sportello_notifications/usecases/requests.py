"""The mail of a request's change, to the account that filed it: received, taken in hand,
completed, rejected or cancelled."""

from sportello_contracts.requests import RequestStatusChanged
from sportello_notifications.domain.messages import request_update
from sportello_notifications.usecases.delivery import Claims, Mailer, MessageLog, Templates
from sportello_notifications.usecases.recipients import Directory, send_to_account


async def send_request_update(
    event_id: str,
    changed: RequestStatusChanged,
    *,
    directory: Directory,
    portal_url: str,
    claims: Claims,
    mailer: Mailer,
    templates: Templates,
    messages: MessageLog,
) -> bool:
    """Tell whoever filed a request that it moved, once; True if sent now."""
    return await send_to_account(
        changed.account_id,
        f"request {changed.request_id} {changed.status}",
        lambda recipient: request_update(event_id, changed, recipient, portal_url),
        directory=directory,
        claims=claims,
        mailer=mailer,
        templates=templates,
        messages=messages,
    )
