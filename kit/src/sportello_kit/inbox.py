"""What makes consuming safe to repeat: the inbox of handled events, and events parked for later.

A consumer records the event it handled (keyed by its subscription and the `event_id`) in the
same transaction as the effect, so a redelivery changes nothing. An event that refers to
something not known yet (a payment before its bill) is parked instead, and sent back to its
queue when that thing arrives: never lost, never applied too early.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from sportello_kit.outbox import Outbox

RELEASES_KEPT_SECONDS = 24 * 3600


class Inbox:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], keep: timedelta) -> None:
        self.handled = db.inbox
        self.keep = keep

    async def create_indexes(self) -> None:
        await ensure_ttl_index(self.handled, "handled_at", self.keep)

    async def seen(self, key: str, session: AsyncClientSession) -> bool:
        return await self.handled.find_one({"_id": key}, {"_id": 1}, session=session) is not None

    async def record(self, key: str, session: AsyncClientSession) -> None:
        await self.handled.insert_one(
            {"_id": key, "handled_at": datetime.now(UTC)}, session=session
        )


class Parking:
    """Events waiting for an entity, by the entity's key (`bill:2026-000123`).

    Parking and releasing the same key both write one shared document (`waits`), so a release
    that commits while an event is being parked makes one of the two transactions retry:
    without it each could miss the other (write skew), and the event would wait for ever.
    """

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.parked = db.parked_events
        self.waits = db.parked_waits

    async def create_indexes(self) -> None:
        await self.parked.create_index([("waiting_for", ASCENDING), ("parked_at", ASCENDING)])
        await self.waits.create_index(
            "released_at", expireAfterSeconds=RELEASES_KEPT_SECONDS, name="expire_released"
        )

    async def park(
        self,
        key: str,
        waiting_for: str,
        queue: str,
        event_id: str,
        correlation_id: str,
        body: str,
        session: AsyncClientSession,
    ) -> None:
        await self.waits.update_one(
            {"_id": waiting_for}, {"$inc": {"parked": 1}}, upsert=True, session=session
        )
        await self.parked.replace_one(
            {"_id": key},
            {
                "waiting_for": waiting_for,
                "queue": queue,
                "event_id": event_id,
                "correlation_id": correlation_id,
                "body": body,
                "parked_at": datetime.now(UTC),
            },
            upsert=True,
            session=session,
        )

    async def release(self, waiting_for: str, outbox: Outbox, session: AsyncClientSession) -> int:
        """Send the events waiting for `waiting_for` back to their queues; how many there were."""
        await self.waits.update_one(
            {"_id": waiting_for},
            {"$set": {"released_at": datetime.now(UTC)}},
            upsert=True,
            session=session,
        )
        waiting = await self.parked.find({"waiting_for": waiting_for}, session=session).to_list()
        for event in waiting:
            await outbox.add_redelivery(
                event["event_id"], event["queue"], event["correlation_id"], event["body"], session
            )
        if waiting:
            await self.parked.delete_many(
                {"_id": {"$in": [e["_id"] for e in waiting]}}, session=session
            )
        return len(waiting)

    async def count(self) -> int:
        return await self.parked.count_documents({})


async def ensure_ttl_index(collection: Any, field: str, keep: timedelta) -> None:
    """A TTL index on `field`; a changed horizon updates the index instead of failing."""
    seconds = int(keep.total_seconds())
    name = f"expire_{field}"
    try:
        await collection.create_index(field, name=name, expireAfterSeconds=seconds)
    except OperationFailure as error:
        if error.code not in (85, 86):  # IndexOptionsConflict, IndexKeySpecsConflict
            raise
        await collection.database.command(
            "collMod",
            collection.name,
            index={"name": name, "expireAfterSeconds": seconds},
        )
