"""Sending a text message once, however often its event is delivered."""

import logging
from typing import Protocol

from sportello_notifications.domain.messages import Text
from sportello_notifications.usecases.delivery import Claims

log = logging.getLogger(__name__)


class TextSender(Protocol):
    """Where texts go: the local folder today, SMS providers with issue 21."""

    async def send(self, text: Text) -> None: ...


async def deliver_text(text: Text, *, claims: Claims, sender: TextSender) -> bool:
    """Send `text` unless it went out already; True if sent now. Claimed under its key, as a
    mail is (`delivery.deliver`): a redelivery racing the first attempt sends nothing."""

    async def send() -> None:
        await sender.send(text)

    sent_now = await claims.once(text.key, send)
    log.info("%s %s", text.key, "sent" if sent_now else "already sent")  # never the body
    return sent_now
