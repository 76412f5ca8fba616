"""The sandbox provider's state: its checkouts, how they end, and the webhook each ending sends."""

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sportello_deploy.payment_sandbox.checkouts import Checkout, CheckoutBook, Ending
from sportello_deploy.payment_sandbox.webhooks import Deliveries, Event, event_of

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Provider:
    def __init__(self, deliveries: Deliveries, clock: Callable[[], datetime] = utc_now) -> None:
        self.book = CheckoutBook()
        self.deliveries = deliveries
        self.clock = clock
        self._events: dict[str, Event] = {}  # each checkout's last event, for `resend`

    def current(self, checkout_id: str) -> Checkout | None:
        """The checkout as it is now: one past its expiry is expired on the spot, without
        waiting for the sweep."""
        checkout = self.book.get(checkout_id)
        if checkout is not None and checkout.is_due(self.clock()):
            self.end(checkout, "expired")
        return checkout

    def end(self, checkout: Checkout, how: Ending) -> None:
        """End it and send the webhook (`NotOpen` if it had already ended)."""
        checkout.end(how, self.clock())
        event = event_of(checkout)
        self._events[checkout.id] = event
        self.deliveries.send(checkout.id, event)

    def resend(self, checkout: Checkout) -> Event | None:
        """Deliver its last event again (the same `webhook-id`); None if it has none yet."""
        event = self._events.get(checkout.id)
        if event is not None:
            self.deliveries.send(checkout.id, event)
        return event

    def expire_due(self) -> None:
        for checkout in self.book.due(self.clock()):
            self.end(checkout, "expired")

    async def sweep(self, every_seconds: float) -> None:
        """Expire what is due, for ever (until cancelled)."""
        while True:
            await asyncio.sleep(every_seconds)
            try:
                self.expire_due()
            except Exception:  # a bug in one sweep must not stop the next ones
                log.exception("the expiry sweep failed")
