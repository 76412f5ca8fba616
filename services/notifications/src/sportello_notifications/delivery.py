"""Sending a message at most once per event in the normal case, at least once always."""

import logging

from sportello_kit.logs import masked
from sportello_notifications.adapters.templates import render
from sportello_notifications.bootstrap import Dependencies
from sportello_notifications.domain.messages import Mail

log = logging.getLogger(__name__)


async def deliver(deps: Dependencies, mail: Mail) -> None:
    """Send `mail` unless the record says it went out; a failure raises, so the broker retries.

    A crash between the SMTP server's acceptance and `mark_sent` sends it once more on
    redelivery: a duplicate e-mail is better than a lost one.
    """
    if await deps.log.already_sent(mail):
        log.info("%s already sent", mail.key)
        return
    try:
        await deps.mailer.send(render(mail, deps.settings.sender))
    except Exception as error:
        await deps.log.mark_failed(mail, repr(error))
        raise
    await deps.log.mark_sent(mail)
    log.info("sent %s to %s", mail.template, masked(mail.to, 12))
