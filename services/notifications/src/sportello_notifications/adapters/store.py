"""Notifications' MongoDB: the message log (one document per message, what operators look at)
and the directory of recipients (where an account's mail goes)."""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from sportello_kit.guards import VERSION_FIELD, apply_if_newer
from sportello_notifications.domain.messages import Mail, MessageRecord, Recipient, Status


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


# An erased recipient stays as this version: no announcement, however late, brings it back.
_ERASED = datetime(9999, 12, 31, tzinfo=UTC)


class MongoRecipients:
    """The directory of recipients: one document per account, its address and name only."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.recipients = db.recipients

    async def keep(
        self, recipient: Recipient, at: datetime, session: AsyncClientSession | None = None
    ) -> bool:
        """Keep where the account's mail goes from `at` on, unless a newer address (or the
        account's erasure) is stored already; True if kept."""
        return await apply_if_newer(
            self.recipients,
            recipient.account_id,
            at,
            {"$set": {"email": recipient.email, "full_name": recipient.full_name}},
            session=session,
        )

    async def recipient(self, account_id: str) -> Recipient | None:
        doc = await self.recipients.find_one({"_id": account_id, "email": {"$exists": True}})
        if doc is None:
            return None
        return Recipient(account_id=doc["_id"], email=doc["email"], full_name=doc["full_name"])

    async def forget(self, account_id: str, session: AsyncClientSession | None = None) -> None:
        """The account's address and name erased; only its id stays, so that an announcement
        delivered late does not bring them back."""
        await self.recipients.update_one(
            {"_id": account_id},
            {"$set": {VERSION_FIELD: _ERASED}, "$unset": {"email": "", "full_name": ""}},
            upsert=True,
            session=session,
        )
