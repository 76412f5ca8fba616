"""The record of every message sent, which also makes sending idempotent."""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sportello_notifications.domain.messages import Mail


class MessageLog:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.messages = db.messages

    async def create_indexes(self) -> None:
        await self.messages.create_index([("to", 1), ("created_at", -1)])

    async def already_sent(self, mail: Mail) -> bool:
        """Records `mail` as pending unless known; True if it was sent already."""
        try:
            await self.messages.insert_one(
                {
                    "_id": mail.key,
                    "channel": "email",
                    "to": mail.to,
                    "subject": mail.subject,
                    "template": mail.template,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": datetime.now(UTC),
                }
            )
        except DuplicateKeyError:
            existing = await self.messages.find_one({"_id": mail.key}, {"status": 1})
            return existing is not None and existing["status"] == "sent"
        return False

    async def mark_sent(self, mail: Mail) -> None:
        await self.messages.update_one(
            {"_id": mail.key},
            {"$set": {"status": "sent", "sent_at": datetime.now(UTC)}, "$inc": {"attempts": 1}},
        )

    async def mark_failed(self, mail: Mail, reason: str) -> None:
        await self.messages.update_one(
            {"_id": mail.key},
            {"$set": {"last_error": reason[:500]}, "$inc": {"attempts": 1}},
        )
