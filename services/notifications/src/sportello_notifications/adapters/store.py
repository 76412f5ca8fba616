"""The message log in MongoDB: one document per message, what operators look at."""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from sportello_notifications.domain.messages import Mail, MessageRecord, Status


class MongoMessageLog:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.messages = db.messages

    async def create_indexes(self) -> None:
        await self.messages.create_index([("to", 1), ("created_at", -1)])
        await self.messages.create_index("status")

    async def queued(self, mail: Mail) -> None:
        await self.messages.update_one(
            {"_id": mail.key},
            {
                "$setOnInsert": {
                    "channel": "email",
                    "to": mail.to,
                    "subject": mail.subject,
                    "template": mail.template,
                    "status": Status.QUEUED.value,
                    "attempts": 0,
                    "created_at": datetime.now(UTC),
                }
            },
            upsert=True,
        )

    async def attempting(self, mail: Mail) -> None:
        await self.messages.update_one(
            {"_id": mail.key},
            {"$inc": {"attempts": 1}, "$set": {"last_attempt_at": datetime.now(UTC)}},
        )

    async def failed(self, mail: Mail, error: str) -> None:
        # A late failure report never hides that another attempt sent it.
        await self.messages.update_one(
            {"_id": mail.key, "status": {"$ne": Status.SENT.value}},
            {"$set": {"status": Status.FAILED.value, "last_error": error[:500]}},
        )

    async def sent(self, mail: Mail) -> None:
        await self.messages.update_one(
            {"_id": mail.key, "status": {"$ne": Status.SENT.value}},
            {"$set": {"status": Status.SENT.value, "sent_at": datetime.now(UTC)}},
        )

    async def erase_to(self, address: str, session: AsyncClientSession | None = None) -> int:
        """Every record of messages to `address` removed (an account deleted)."""
        erased = await self.messages.delete_many({"to": address}, session=session)
        return erased.deleted_count

    async def record(self, key: str) -> MessageRecord | None:
        doc = await self.messages.find_one({"_id": key})
        return None if doc is None else _record(doc)

    async def records_to(self, address: str, limit: int = 20) -> list[MessageRecord]:
        """The latest messages to `address`, newest first."""
        found = self.messages.find({"to": address}).sort("created_at", -1).limit(limit)
        return [_record(doc) async for doc in found]


def _record(doc: dict[str, Any]) -> MessageRecord:
    return MessageRecord(
        key=doc["_id"],
        to=doc["to"],
        template=doc["template"],
        status=Status(doc["status"]),
        attempts=doc["attempts"],
        created_at=doc["created_at"],
        last_error=doc.get("last_error"),
        sent_at=doc.get("sent_at"),
    )
