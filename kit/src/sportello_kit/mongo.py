"""MongoDB wiring: the client, transactions, and the inbox that makes event consumers idempotent."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

T = TypeVar("T")
Document = dict[str, Any]
Work = Callable[[AsyncClientSession], Awaitable[T]]


def connect(url: str) -> AsyncMongoClient[Document]:
    """A client; it opens no connection until first used, so it is safe at import time."""
    return AsyncMongoClient(
        url,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=5000,
        appname="sportello",
    )


class Database:
    """One service's database, and the one way it changes data: `transaction`."""

    def __init__(self, client: AsyncMongoClient[Document], name: str) -> None:
        self.client = client
        self.db: AsyncDatabase[Document] = client[name]
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    async def transaction(self, work: Work[T]) -> T:
        """Run `work` in one transaction, retried on transient errors as the driver advises."""
        async with self.client.start_session() as session:
            result: T = await session.with_transaction(work)
        for callback in self._after_commit:
            callback()
        return result

    async def handle_once(self, consumer: str, event_id: UUID, work: Work[None]) -> bool:
        """Apply an event's effect once: the handled `event_id` is recorded with the effect.

        Returns False when this consumer already handled the event (a redelivery changes nothing).
        Two deliveries racing each other both write the same inbox key: the second transaction
        fails on the unique `_id`, is retried by the broker, and then finds the record.
        """
        key = f"{consumer}:{event_id}"

        async def once(session: AsyncClientSession) -> bool:
            if await self.db.inbox.find_one({"_id": key}, session=session) is not None:
                return False
            await work(session)
            await self.db.inbox.insert_one(
                {"_id": key, "handled_at": datetime.now(UTC)}, session=session
            )
            return True

        return await self.transaction(once)

    async def ping(self) -> bool:
        try:
            await self.client.admin.command("ping")
        except Exception:
            return False
        return True
