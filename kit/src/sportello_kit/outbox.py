"""The outbox: events written with the change that caused them, then published by a relay.

A change and its events commit together, so an event is never lost if the process dies after the
commit: the relay finds it unsent at the next start (or the next poll) and publishes it. The
price is that an event can be published twice (crash after the broker confirmed, before it was
marked sent; or two replicas' relays racing): consumers are idempotent by `event_id`.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from faststream.rabbit import RabbitBroker
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from sportello_contracts.envelope import Event
from sportello_kit.topology import Topology

log = logging.getLogger(__name__)

SENT_RECORDS_KEPT_SECONDS = 7 * 24 * 3600


class Outbox:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def create_indexes(self) -> None:
        await self.collection.create_index([("sent_at", ASCENDING), ("created_at", ASCENDING)])
        await self.collection.create_index(
            "sent_at", name="expire_sent", expireAfterSeconds=SENT_RECORDS_KEPT_SECONDS
        )

    async def add(self, event: Event[Any], session: AsyncClientSession) -> None:
        """Record `event` in the caller's transaction."""
        await self.collection.insert_one(
            {
                "_id": str(event.event_id),
                "routing_key": event.type,
                "correlation_id": event.correlation_id,
                "body": event.model_dump_json(),
                "created_at": datetime.now(UTC),
                "sent_at": None,
            },
            session=session,
        )


class OutboxRelay:
    """Publishes unsent records with publisher confirms, oldest first, then marks them sent."""

    def __init__(
        self,
        outbox: Outbox,
        broker: RabbitBroker,
        topology: Topology,
        poll_seconds: float = 2.0,
        batch: int = 100,
    ) -> None:
        self.outbox = outbox
        self.broker = broker
        self.topology = topology
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Called after a commit that added events: they go out now, not at the next poll."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def publish_pending(self) -> int:
        published = 0
        while True:
            records = (
                await self.outbox.collection.find({"sent_at": None})
                .sort("created_at", ASCENDING)
                .limit(self.batch)
                .to_list()
            )
            if not records:
                return published
            for record in records:
                await self._publish(record)
                await self.outbox.collection.update_one(
                    {"_id": record["_id"]}, {"$set": {"sent_at": datetime.now(UTC)}}
                )
                published += 1

    async def _publish(self, record: dict[str, Any]) -> None:
        await self.broker.publish(
            record["body"].encode(),
            exchange=self.topology.events,
            routing_key=record["routing_key"],
            content_type="application/json",
            message_id=record["_id"],
            correlation_id=record["correlation_id"],
            persist=True,
            # An event nobody subscribes to is legitimately dropped: pub/sub, not a command.
            mandatory=False,
        )

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.publish_pending()
            except Exception:
                log.exception("outbox relay failed; retrying at the next poll")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
