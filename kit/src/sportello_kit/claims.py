"""Effects outside the database (an e-mail, an SMS, a payment) done once, however often asked.

Such an effect cannot join a transaction, so it is claimed first: one document per effect,
taken atomically with a lease. Whoever holds the claim does the effect and marks it done; a
delivery that finds it done does nothing; one that finds it claimed by another (a redelivery
racing the first attempt) fails with `ClaimHeld` and is retried later, by when the holder has
finished or its lease has run out (it died: the effect is done again, the only way a crash can
double it, and only for the effects in flight at that instant).
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from sportello_kit.inbox import ensure_ttl_index

DONE_CLAIMS_KEPT = timedelta(days=30)


class ClaimHeld(Exception):
    """Another delivery is doing this effect now: try again after its lease."""

    def __init__(self, key: str, until: datetime) -> None:
        super().__init__(f"effect {key} is being done by another delivery until {until:%H:%M:%S}")
        self.key = key
        self.until = until


class Claims:
    def __init__(self, collection: AsyncCollection[dict[str, Any]], lease: timedelta) -> None:
        self.collection = collection
        self.lease = lease
        self.holder = uuid4().hex  # this process

    async def create_indexes(self) -> None:
        await ensure_ttl_index(self.collection, "done_at", DONE_CLAIMS_KEPT)

    async def once(self, key: str, effect: Callable[[], Awaitable[None]]) -> bool:
        """Do `effect` unless it was done; True if done now, False if it had been already.

        Raises `ClaimHeld` while another delivery holds it, and whatever `effect` raises (the
        claim is then given up at once, with the error, for the next attempt).
        """
        if not await self._claim(key):
            return False
        try:
            await effect()
        except BaseException as error:
            await self.collection.update_one(
                {"_id": key, "holder": self.holder},
                {"$set": {"lease_until": datetime.now(UTC), "last_error": repr(error)[:500]}},
            )
            raise
        await self.collection.update_one(
            {"_id": key, "holder": self.holder},
            {"$set": {"done_at": datetime.now(UTC)}, "$unset": {"last_error": ""}},
        )
        return True

    async def _claim(self, key: str) -> bool:
        now = datetime.now(UTC)
        try:
            await self.collection.update_one(
                {"_id": key, "done_at": None, "lease_until": {"$lte": now}},
                {
                    "$set": {"holder": self.holder, "lease_until": now + self.lease},
                    "$inc": {"attempts": 1},
                    "$setOnInsert": {"created_at": now},
                },
                upsert=True,
            )
        except DuplicateKeyError:
            # The claim exists and is done, or held by someone else.
            existing = await self.collection.find_one({"_id": key})
            if existing is None:  # removed in between (expired): as if never done
                return await self._claim(key)
            if existing.get("done_at") is not None:
                return False
            raise ClaimHeld(key, existing["lease_until"]) from None
        return True
