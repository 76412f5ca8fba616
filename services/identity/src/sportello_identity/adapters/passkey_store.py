"""Identity's passkeys and open WebAuthn challenges in MongoDB."""

from datetime import datetime
from typing import Any

from bson import Binary
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sportello_identity.domain.errors import PasskeyTaken
from sportello_identity.domain.passkeys import Ceremony, Challenge, Passkey

Session = AsyncClientSession | None


class MongoPasskeyStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.passkeys = db.passkeys
        self.challenges = db.passkey_challenges

    async def create_indexes(self) -> None:
        await self.passkeys.create_index("credential_id", unique=True)
        await self.passkeys.create_index("account_id")
        # Swept within a minute or so of expiring; `check_challenge` refuses them meanwhile.
        await self.challenges.create_index("expires_at", expireAfterSeconds=0)

    async def insert_challenge(self, challenge: Challenge) -> None:
        await self.challenges.insert_one(
            {
                "_id": challenge.key,
                "ceremony": challenge.ceremony.value,
                "account_id": challenge.account_id,
                "expires_at": challenge.expires_at,
            }
        )

    async def take_challenge(self, key: str) -> Challenge | None:
        # Outside any transaction: a challenge answered once is spent, whatever follows.
        doc = await self.challenges.find_one_and_delete({"_id": key})
        if doc is None:
            return None
        return Challenge(
            key=doc["_id"],
            ceremony=Ceremony(doc["ceremony"]),
            expires_at=doc["expires_at"],
            account_id=doc.get("account_id"),
        )

    async def insert_passkey(self, passkey: Passkey, session: Session) -> None:
        try:
            await self.passkeys.insert_one(
                {
                    "_id": passkey.passkey_id,
                    "account_id": passkey.account_id,
                    "credential_id": passkey.credential_id,
                    "public_key": Binary(passkey.public_key),
                    "sign_count": passkey.sign_count,
                    "name": passkey.name,
                    "created_at": passkey.created_at,
                    "transports": list(passkey.transports),
                    "last_used_at": passkey.last_used_at,
                },
                session=session,
            )
        except DuplicateKeyError:
            raise PasskeyTaken() from None

    async def passkeys_of(self, account_id: str) -> list[Passkey]:
        found = self.passkeys.find({"account_id": account_id}).sort("created_at", 1)
        return [_passkey(doc) async for doc in found]

    async def passkey_by_credential(self, credential_id: str) -> Passkey | None:
        doc = await self.passkeys.find_one({"credential_id": credential_id})
        return _passkey(doc) if doc is not None else None

    async def delete_passkey(self, account_id: str, passkey_id: str, session: Session) -> bool:
        deleted = await self.passkeys.delete_one(
            {"_id": passkey_id, "account_id": account_id}, session=session
        )
        return deleted.deleted_count == 1

    async def record_use(
        self, passkey: Passkey, sign_count: int, at: datetime, session: Session
    ) -> bool:
        # Guarded by the count read: of two sign-ins racing with one count, one wins.
        updated = await self.passkeys.update_one(
            {"_id": passkey.passkey_id, "sign_count": passkey.sign_count},
            {"$set": {"sign_count": sign_count, "last_used_at": at}},
            session=session,
        )
        return updated.matched_count == 1


def _passkey(doc: dict[str, Any]) -> Passkey:
    return Passkey(
        passkey_id=doc["_id"],
        account_id=doc["account_id"],
        credential_id=doc["credential_id"],
        public_key=bytes(doc["public_key"]),
        sign_count=int(doc["sign_count"]),
        name=doc["name"],
        created_at=doc["created_at"],
        transports=tuple(doc.get("transports", ())),
        last_used_at=doc.get("last_used_at"),
    )
