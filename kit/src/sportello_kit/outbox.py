"""The outbox: events written with the change that caused them, then published by a relay.

A change and its events commit together, so an event is never lost if the process dies after the
commit: a relay finds it unsent and publishes it. Of all the replicas of a service one relay
publishes at a time (it holds a lease, renewed as it works), in order of writing. An event can
still be published twice (a crash after the broker's confirm, before it is marked sent; a lease
taken over from a relay that was only slow): consumers are idempotent by `event_id`. A record
that keeps failing is parked after `max_attempts`, with a log line and a count on health, so it
never holds back the records behind it.
"""

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from sportello_contracts.envelope import Event
from sportello_kit.mongo import unavailable
from sportello_kit.publisher import Outgoing, Publisher
from sportello_kit.topology import (
    ATTEMPT,
    DEAD_LETTER_QUEUE,
    DEAD_LETTER_REASON,
    LAST_ERROR,
    Topology,
)

log = logging.getLogger(__name__)

SENT_RECORDS_KEPT_SECONDS = 7 * 24 * 3600
LEASE = "outbox-relay"
READ_AHEAD_BATCHES = 10
# How long a stopping relay is given to end after a cancel before it is cancelled again.
STOP_SECONDS = 2.0
# Equality on `parked` (not `$ne`) so the query stays within the index's bounds.
UNSENT = {"sent_at": None, "parked": False}


class BusUnavailable(Exception):
    """Publishing failed for a reason of the bus's, not of the records'."""


class _WriteOrder:
    """Increasing numbers in order of writing: nanoseconds since the epoch, never repeated.

    Records written by one process keep their order exactly; between replicas the clock orders
    them, which is as well as anyone can order concurrent writes.
    """

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        self._last = max(time.time_ns(), self._last + 1)
        return self._last


_order = _WriteOrder()


class Outbox:
    def __init__(self, collection: AsyncCollection[dict[str, Any]], topology: Topology) -> None:
        self.collection = collection
        self.topology = topology

    async def create_indexes(self) -> None:
        await self.collection.create_index(
            [("sent_at", ASCENDING), ("parked", ASCENDING), ("order", ASCENDING)]
        )
        # Records written before `parked` and `order` existed join the queries' bounds.
        await self.collection.update_many(
            {"sent_at": None, "parked": {"$exists": False}}, {"$set": {"parked": False, "order": 0}}
        )
        await self.collection.create_index(
            "sent_at", name="expire_sent", expireAfterSeconds=SENT_RECORDS_KEPT_SECONDS
        )

    async def add(self, event: Event[Any], session: AsyncClientSession) -> None:
        """Record `event` for the events exchange, in the caller's transaction."""
        await self._insert(
            str(event.event_id),
            self.topology.events.name,
            event.type,
            event.correlation_id,
            event.model_dump_json(),
            session,
        )

    async def add_redelivery(
        self, message_id: str, queue: str, correlation_id: str, body: str, session: Any
    ) -> None:
        """Record a message to send back to one queue (an unparked event), in the transaction."""
        await self._insert(
            f"{queue}:{message_id}:{uuid4().hex}",
            self.topology.redeliver.name,
            queue,
            correlation_id,
            body,
            session,
            message_id=message_id,
        )

    async def add_dead_letter(
        self,
        event: Event[Any],
        queue: str,
        reason: str,
        session: AsyncClientSession,
    ) -> None:
        """Record `event` for `queue`'s dead letters with `reason`, in the caller's transaction:
        the part of a batch a handler could not use, dead-lettered while the rest is kept."""
        await self._insert(
            str(event.event_id),
            self.topology.dead_letters.name,
            queue,
            event.correlation_id,
            event.model_dump_json(),
            session,
            headers={DEAD_LETTER_REASON: reason[:1000], DEAD_LETTER_QUEUE: queue},
        )

    async def add_retry(
        self,
        event: Event[Any],
        queue: str,
        delay: float,
        attempt: int,
        reason: str,
        session: AsyncClientSession,
    ) -> None:
        """Record `event` to wait `delay` in its retry queue, then go back to `queue` as
        `attempt`, in the caller's transaction: the part of a batch that cannot be applied
        yet (what it refers to has not arrived), tried again while the rest is kept."""
        await self._insert(
            str(event.event_id),
            self.topology.retry_name(delay),
            queue,  # where `redeliver` sends it back when its wait is over
            event.correlation_id,
            event.model_dump_json(),
            session,
            headers={ATTEMPT: attempt, LAST_ERROR: reason[:500]},
            expiration_ms=round(delay * 1000),  # a retry queue's wait is its messages' own
        )

    async def _insert(
        self,
        record_id: str,
        exchange: str,
        routing_key: str,
        correlation_id: str,
        body: str,  # JSON, kept as text so the records can be read and searched
        session: AsyncClientSession,
        message_id: str | None = None,
        headers: dict[str, Any] | None = None,
        expiration_ms: int | None = None,
    ) -> None:
        extra: dict[str, Any] = {} if headers is None else {"headers": headers}
        if expiration_ms is not None:
            extra["expiration_ms"] = expiration_ms
        await self.collection.insert_one(
            {
                **extra,
                "_id": record_id,
                "message_id": message_id or record_id,
                "exchange": exchange,
                "routing_key": routing_key,
                "correlation_id": correlation_id,
                "body": body,
                "created_at": datetime.now(UTC),
                "order": _order.next(),
                "sent_at": None,
                "parked": False,
                "attempts": 0,
            },
            session=session,
        )

    async def parked(self) -> int:
        return await self.collection.count_documents({"parked": True, "sent_at": None})


class Lease:
    """One holder at a time among the replicas, for `seconds` after each renewal.

    A lease renewed less than half its time ago is not renewed again: nobody else can take it
    before it runs out, and renewing on every batch cost a database write per command.
    """

    def __init__(self, collection: AsyncCollection[dict[str, Any]], name: str, seconds: float):
        self.collection = collection
        self.name = name
        self.seconds = seconds
        self.holder = uuid4().hex
        self._duration = timedelta(seconds=seconds)
        # Until when (monotonic) it is surely ours without asking: half its time after a renewal.
        self._sure_until = 0.0

    async def hold(self) -> bool:
        """Take the lease if it is free or expired, or renew it if held; True if held now."""
        asked = time.monotonic()
        if asked < self._sure_until:
            return True
        now = datetime.now(UTC)
        try:
            held = await self.collection.find_one_and_update(
                {
                    "_id": self.name,
                    "$or": [{"holder": self.holder}, {"expires_at": {"$lte": now}}],
                },
                {"$set": {"holder": self.holder, "expires_at": now + self._duration}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return False  # another holder's lease is still running
        ours = held is not None and held["holder"] == self.holder
        if ours:
            # From before the write: the expiry it set was counted from then, or later.
            self._sure_until = asked + self.seconds / 2
        return ours

    async def release(self) -> None:
        self._sure_until = 0.0
        await self.collection.update_one(
            {"_id": self.name, "holder": self.holder},
            {"$set": {"expires_at": datetime.now(UTC)}},
        )


class OutboxRelay:
    """Publishes unsent records in order of writing, in confirmed batches, holding the lease."""

    def __init__(
        self,
        outbox: Outbox,
        publisher: Publisher,
        lease: Lease,
        poll_seconds: float = 1.0,
        batch: int = 200,
        publish_timeout: float = 10.0,
        max_attempts: int = 10,
    ) -> None:
        self.outbox = outbox
        self.publisher = publisher
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.publish_timeout = publish_timeout
        self.max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # When the loop last came round (monotonic): liveness, whatever the outcome of a poll.
        self.ticked_at = time.monotonic()

    def wake(self) -> None:
        """Called after a commit that added events: they go out now, not at the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        # Not `await task`: a cancellation swallowed on its way through a library would leave
        # the relay polling and this waiting for ever (seen in the tests, once in a few runs),
        # and suppressing CancelledError there would swallow this coroutine's own as well.
        while not (await asyncio.wait({task}, timeout=STOP_SECONDS))[0]:
            log.warning("outbox relay still running after a cancel: cancelling it again")
            task.cancel()
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox relay ended with an error", exc_info=task.exception())
        with contextlib.suppress(Exception):
            await self.lease.release()  # the next replica need not wait for it to expire

    async def publish_pending(self) -> int:
        """Publish batches while there are records and the lease is ours; how many went out."""
        published = 0
        while await self.lease.hold():
            # One query reads several batches ahead (a backlog is drained with few queries);
            # the lease is renewed before each batch, and given up mid-way if lost.
            unsent = (
                self.outbox.collection.find(UNSENT)
                .sort("order", ASCENDING)
                .limit(self.batch * READ_AHEAD_BATCHES)
                .batch_size(self.batch)
            )
            read, records = 0, []
            async for record in unsent:
                read += 1
                records.append(record)
                if len(records) == self.batch:
                    published += await self._publish_batch(records)
                    records = []
                    if not await self.lease.hold():
                        return published
            if records:
                published += await self._publish_batch(records)
            if read < self.batch * READ_AHEAD_BATCHES:
                # Drained: records committed since the query began woke the relay again.
                break
        return published

    async def _publish_batch(self, records: list[dict[str, Any]]) -> int:
        self.ticked_at = time.monotonic()  # draining a long backlog is being alive too
        outcome = await self.publisher.publish_many(
            [_outgoing(r, self.outbox.topology.events.name) for r in records],
            timeout=self.publish_timeout,
        )
        sent = [r["_id"] for r, failure in zip(records, outcome, strict=True) if failure is None]
        if sent:
            now = datetime.now(UTC)
            # One write per record by its _id, in one round trip: cheaper than `$in` on some
            # servers (SecantusDB), the same on MongoDB.
            await self.outbox.collection.bulk_write(
                [UpdateOne({"_id": r}, {"$set": {"sent_at": now}}) for r in sent], ordered=False
            )
        failures = [(r, f) for r, f in zip(records, outcome, strict=True) if f is not None]
        for record, failure in failures:
            if not failure.transient:
                await self._failed(record, str(failure))
        transient = [f for _, f in failures if f.transient]
        if transient:
            # The bus, not these records: nothing is counted against them (an outage must not
            # park the backlog); the next poll tries again.
            raise BusUnavailable(f"{len(transient)} not published: {transient[0]}")
        return len(sent)

    async def _failed(self, record: dict[str, Any], reason: str) -> None:
        attempts = record.get("attempts", 0) + 1
        parked = attempts >= self.max_attempts
        await self.outbox.collection.update_one(
            {"_id": record["_id"]},
            {"$set": {"attempts": attempts, "last_error": reason[:500], "parked": parked}},
        )
        if parked:
            log.error(
                "outbox record %s (%s) parked after %d failed publishes: %s",
                record["_id"],
                record["routing_key"],
                attempts,
                reason,
            )
        else:
            log.warning(
                "outbox record %s not published (attempt %d): %s", record["_id"], attempts, reason
            )

    async def _run(self) -> None:
        while True:
            self.ticked_at = time.monotonic()
            self._wake.clear()
            try:
                await self.publish_pending()
            except BusUnavailable as error:
                log.warning("outbox relay waiting for the bus: %s", error)
            except Exception as error:
                if unavailable(error):  # an outage, not a bug: one line per poll, no traceback
                    log.warning("outbox relay waiting for the database: %s", type(error).__name__)
                else:
                    log.exception("outbox relay failed; retrying at the next poll")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)


def _outgoing(record: dict[str, Any], events_exchange: str) -> Outgoing:
    headers = record.get("headers") or {}
    return Outgoing(
        body=record["body"].encode(),
        exchange=record.get("exchange", events_exchange),
        routing_key=record["routing_key"],
        headers=headers,
        message_id=record.get("message_id") or record["_id"],
        correlation_id=record.get("correlation_id"),
        # An event nobody subscribes to is legitimately dropped: pub/sub, not a command. A dead
        # letter or a retry must reach its queue (unroutable, it fails and is retried, then
        # parked).
        mandatory=DEAD_LETTER_REASON in headers or ATTEMPT in headers,
        expiration_ms=record.get("expiration_ms"),
    )
