"""The mails of a customer's reading, to the account that sent it: received, validated or
rejected by the distributor, used in a bill, or superseded by the distributor's own reading."""

import logging

from sportello_contracts.readings import ReadingStatusChanged
from sportello_notifications.domain.messages import reading_update
from sportello_notifications.usecases.delivery import Claims, Mailer, MessageLog, Templates, deliver
from sportello_notifications.usecases.recipients import Directory

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
    recipient = await directory.recipient(changed.account_id)
    if recipient is None:
        log.warning(
            "%s: no address known for account %s (never announced, or erased); mail dropped",
            what,
            changed.account_id,
        )
        return False
    mail = reading_update(event_id, changed, recipient, portal_url)
    if mail is None:  # a step added to the contract later, with no mail of its own yet
        log.info("%s: no mail for this step", what)
        return False
    return await deliver(mail, claims=claims, mailer=mailer, templates=templates, messages=messages)
