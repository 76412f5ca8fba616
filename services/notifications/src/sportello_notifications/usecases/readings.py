"""The mails of a customer's reading, to the account that sent it: received, validated or
rejected by the distributor, used in a bill, or superseded by the distributor's own reading."""

import logging

from sportello_contracts.readings import ReadingStatusChanged
from sportello_notifications.domain.messages import reading_update
from sportello_notifications.usecases.delivery import Claims, Mailer, MessageLog, Templates
from sportello_notifications.usecases.recipients import Directory, send_to_account

log = logging.getLogger(__name__)


async def send_reading_update(
    event_id: str,
    changed: ReadingStatusChanged,
    *,
    directory: Directory,
    portal_url: str,
    claims: Claims,
    mailer: Mailer,
    templates: Templates,
    messages: MessageLog,
) -> bool:
    """Tell whoever sent a reading where it is on its journey, once; True if sent now.

    A reading nobody sent from the portal (the distributor's: no account) mails nobody, and
    neither does its passing to the distributor, a step on the way that the tracker shows.
    Nothing is sent, and nothing raised, when the account has no address known: no later
    delivery of the same event would find one either, so a retry would only loop. Why is logged.
    """
    what = f"reading {changed.reading_id} {changed.status}"
    if changed.account_id is None:
        log.info("%s was sent by no account: no mail", what)
        return False
    if changed.status == "forwarded":
        log.info("%s: a step on the way, no mail", what)
        return False
    return await send_to_account(
        changed.account_id,
        what,
        lambda recipient: reading_update(event_id, changed, recipient, portal_url),
        directory=directory,
        claims=claims,
        mailer=mailer,
        templates=templates,
        messages=messages,
    )
