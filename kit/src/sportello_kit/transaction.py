"""What a handler that changes data is given: the session its writes join, and an outbox on it.

    @service.on(BillIssued)
    async def bill_issued(event: Event[BillIssued], tx: Transaction) -> None:
        await store.save_bill(..., tx.session)
        await tx.emit(BillAvailable(...))
        await tx.release(f"bill:{event.payload.number}")   # payments that came first

The kit opens the transaction, records the inbox entry (events) or the command's reply
(commands) in it, and commits; handlers never wire any of it by hand.
"""

from typing import Any
from uuid import uuid5

from pymongo.asynchronous.client_session import AsyncClientSession

from sportello_contracts.envelope import Event, EventPayload
from sportello_kit.inbox import Parking
from sportello_kit.outbox import Outbox


class Transaction:
    def __init__(
        self,
        session: AsyncClientSession,
        outbox: Outbox,
        parking: Parking,
        producer: str,
        correlation_id: str,
        cause: Event[Any] | None = None,
        queue: str | None = None,
        attempt: int = 1,
        retry_delays: tuple[float, ...] = (),
    ) -> None:
        self.session = session
        self.queue = queue  # the subscription's queue, when handling an event
        self.producer = producer
        self.correlation_id = correlation_id
        self.cause = cause
        self.parked_for: str | None = None
        self._outbox = outbox
        self._dead_letters = 0
        self._attempt = attempt  # of the event being handled: 1, then one more per retry
        self._retry_delays = retry_delays
        self._retries = 0
        self._parking = parking

    async def emit(self, payload: EventPayload) -> Event[Any]:
        """Publish `payload` as this service's event once the transaction commits."""
        event: Event[Any] = Event.new(
            payload,
            producer=self.producer,
            correlation_id=self.correlation_id,
            causation_id=str(self.cause.event_id) if self.cause is not None else None,
        )
        await self._outbox.add(event, self.session)
        return event

    async def dead_letter(self, payload: EventPayload, reason: str) -> Event[Any]:
        """Dead-letter `payload` (the part of the event being handled that breaks a rule: a
        batch's bad rows, as a message of the same type) with `reason`, once the transaction
        commits; the rest of the event is applied. Replaying it sends it back to this queue."""
        self._dead_letters += 1
        event, queue = self._part(payload, f"dead-letter:{self._dead_letters}")
        await self._outbox.add_dead_letter(event, queue, reason, self.session)
        return event

    async def retry_later(self, payload: EventPayload, reason: str) -> Event[Any]:
        """Try `payload` again later (the part of the event being handled that cannot be
        applied yet: a batch's rows about something that has not arrived, as a message of the
        same type), once the transaction commits; the rest of the event is applied. It waits
        the retry delay of the event's next attempt; after the last, it is dead-lettered with
        `reason`."""
        if self._attempt > len(self._retry_delays):
            return await self.dead_letter(payload, f"{reason} (tried {self._attempt} times)")
        self._retries += 1
        event, queue = self._part(payload, f"retry:{self._retries}")
        delay = self._retry_delays[self._attempt - 1]
        await self._outbox.add_retry(event, queue, delay, self._attempt + 1, reason, self.session)
        return event

    def _part(self, payload: EventPayload, label: str) -> tuple[Event[Any], str]:
        """`payload` as a part of the event being handled, and that event's queue. Its id is
        derived from the event's: a part keeps one id however often the transaction is
        retried."""
        if self.cause is None or self.queue is None:
            raise TypeError("only a part of an event can be set aside")
        event: Event[Any] = Event.new(
            payload,
            producer=self.cause.producer,
            correlation_id=self.correlation_id,
            causation_id=str(self.cause.event_id),
            event_id=uuid5(self.cause.event_id, label),
        )
        return event, self.queue

    def park(self, waiting_for: str) -> None:
        """Keep the event being handled until `waiting_for` is released; nothing else is applied.

        The handler returns after calling it (what it wrote in this transaction is kept).
        """
        if self.cause is None:
            raise TypeError("only an event can be parked")
        self.parked_for = waiting_for

    async def release(self, waiting_for: str) -> int:
        """Send the events parked for `waiting_for` back to their queues, after the commit."""
        return await self._parking.release(waiting_for, self._outbox, self.session)
