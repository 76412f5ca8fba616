"""Account deletions in MongoDB: the requests and their confirmations, and the erasure of what
identity holds of an account (its document, passkeys, second factor, links and codes sent,
where its sessions came from, the personal details of its trail)."""

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from sportello_identity.domain.accounts import Account
from sportello_identity.domain.deletion import Deletion

Session = AsyncClientSession | None


class MongoDeletionStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.deletions = db.deletions
        self.accounts = db.accounts
        self.customers = db.customers
        self.passkeys = db.passkeys
        self.activity = db.activity
        # Second factors, links and codes sent, the lines of sessions (named as IdentityStore
        # names them): all personal, all erased with the account.
        self.totp = db.totp
        self.login_challenges = db.login_challenges
        self.challenges = db.challenges
        self.session_lines = db.session_lines

    async def create_indexes(self) -> None:
        await self.deletions.create_index("account_id")

    async def insert(self, deletion: Deletion, session: Session) -> None:
        await self.deletions.insert_one(
            {
                "_id": deletion.deletion_id,
                "account_id": deletion.account_id,
                "requested_at": deletion.requested_at,
                "confirm_before": deletion.confirm_before,
                "deleted_at": None,
                "confirmations": {},
                "completed_at": None,
            },
            session=session,
        )

    async def get(self, deletion_id: str, session: Session = None) -> Deletion | None:
        doc = await self.deletions.find_one({"_id": deletion_id}, session=session)
        return _deletion(doc) if doc is not None else None

    async def mark_deleted(self, deletion_id: str, at: datetime, session: Session) -> None:
        await self.deletions.update_one(
            {"_id": deletion_id}, {"$set": {"deleted_at": at}}, session=session
        )

    async def record_confirmation(
        self, deletion_id: str, service: str, at: datetime, session: Session
    ) -> Deletion | None:
        """The deletion with the service's confirmation (the first one kept); None if unknown."""
        doc = await self.deletions.find_one_and_update(
            {"_id": deletion_id, f"confirmations.{service}": {"$exists": False}},
            {"$set": {f"confirmations.{service}": at}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if doc is None:  # confirmed already, or never asked
            return await self.get(deletion_id, session)
        return _deletion(doc)

    async def mark_completed(self, deletion_id: str, at: datetime, session: Session) -> None:
        await self.deletions.update_one(
            {"_id": deletion_id, "completed_at": None},
            {"$set": {"completed_at": at}},
            session=session,
        )

    async def erase_account(self, account: Account, session: Session) -> None:
        """Everything identity holds of the account but its sessions (`end_all_sessions`).

        The customer codes stay, with what the back-office said of them, and are free again:
        their PIN registers a new account. The trail keeps what happened and when, without
        addresses or details.
        """
        await self.accounts.delete_one({"_id": account.account_id}, session=session)
        await self.customers.update_many(
            {
                "$or": [
                    {"account_id": account.account_id},
                    {"_id": {"$in": list(account.customer_codes)}},
                ]
            },
            {"$set": {"account_id": None}},
            session=session,
        )
        # An administrator's condominiums are free for another administrator to add.
        await self.customers.update_many(
            {"administrator_id": account.account_id},
            {"$set": {"administrator_id": None}},
            session=session,
        )
        mine = {"account_id": account.account_id}
        await self.passkeys.delete_many(mine, session=session)
        await self.totp.delete_one({"_id": account.account_id}, session=session)
        await self.login_challenges.delete_many(mine, session=session)
        await self.challenges.delete_many(mine, session=session)
        await self.session_lines.update_many(
            mine, {"$set": {"client_address": None, "user_agent": None}}, session=session
        )
        await self.activity.update_many(
            {"account_id": account.account_id},
            {"$set": {"client_address": None, "details": {}}},
            session=session,
        )


def _deletion(doc: dict[str, Any]) -> Deletion:
    return Deletion(
        deletion_id=doc["_id"],
        account_id=doc["account_id"],
        requested_at=doc["requested_at"],
        confirm_before=doc["confirm_before"],
        deleted_at=doc.get("deleted_at"),
        confirmations=dict(doc.get("confirmations") or {}),
        completed_at=doc.get("completed_at"),
    )
