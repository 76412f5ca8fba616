"""Sending a message once, however often its event is delivered; at least once always."""

import logging
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from typing import Protocol

from sportello_notifications.domain.messages import Mail

log = logging.getLogger(__name__)


class Claims(Protocol):
    """Effects outside the database done once (`sportello_kit.claims.Claims`)."""

    async def once(self, key: str, effect: Callable[[], Awaitable[None]]) -> bool:
        """Do `effect` unless done; False if it was. Raises while another delivery holds it."""
        ...


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class Templates(Protocol):
    def render(self, mail: Mail) -> EmailMessage: ...


class MessageLog(Protocol):
    """The record of every message, for operators: queued, sent or failed, with attempts."""

    async def queued(self, mail: Mail) -> None:
        """Record `mail` as queued unless it is recorded already."""
        ...

    async def attempting(self, mail: Mail) -> None: ...

    async def failed(self, mail: Mail, error: str) -> None: ...

    async def sent(self, mail: Mail) -> None: ...


async def deliver(
    mail: Mail, *, claims: Claims, mailer: Mailer, templates: Templates, messages: MessageLog
) -> bool:
    """Send `mail` unless it went out already; True if sent now.

    The sending is claimed under the mail's key, so a redelivery racing the first attempt
    sends nothing (the claim raises and the bus retries it later). A failure of the mail
    server raises too, after recording it. A crash between the server's acceptance and the
    claim being marked done sends it again once the claim's lease runs out, with the same
    Message-ID: a duplicate e-mail the user's client can recognise beats a lost one.
    """
    await messages.queued(mail)
    message = templates.render(mail)

    async def send() -> None:
        await messages.attempting(mail)
        try:
            await mailer.send(message)
        except Exception as error:
            await messages.failed(mail, f"{type(error).__name__}: {error}")
            raise

    sent_now = await claims.once(mail.key, send)
    # Outside the claim: a failure to record it must not send the mail again. A delivery
    # that finds the claim done records it too, in case the one that sent it died first.
    await messages.sent(mail)
    log.info("%s %s", mail.key, "sent" if sent_now else "already sent")
    return sent_now
