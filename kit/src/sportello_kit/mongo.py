"""MongoDB wiring: the client, transactions, and telling an unavailable database from a bug."""

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import pymongo
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    AutoReconnect,
    ConnectionFailure,
    ExecutionTimeout,
    PyMongoError,
    ServerSelectionTimeoutError,
    WTimeoutError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
Document = dict[str, Any]
Work = Callable[[AsyncClientSession], Awaitable[T]]

# A ping selects a server twice (sessions, then the command): health answers in about twice
# this while the database is down, inside the gateway's 1 s health deadline.
PING_SECONDS = 0.25


def connect(
    url: str, server_selection_ms: int = 500, operation_ms: int = 4000
) -> AsyncMongoClient[Document]:
    """A client; it opens no connection until first used, so it is safe at import time.

    Server selection gives up after `server_selection_ms`: while the database is down (or
    electing a primary) a request fails well inside its caller's deadline instead of after it.
    A reachable database that does not answer fails an operation after `operation_ms`. (Not
    `pymongo.timeout`: under it, server selection waits for the whole remaining time.)
    """
    return AsyncMongoClient(
        url,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=server_selection_ms,
        connectTimeoutMS=min(server_selection_ms * 2, operation_ms),
        socketTimeoutMS=operation_ms,
        appname="sportello",
    )


def unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached in time (not a bug of ours)."""
    if isinstance(error, ConnectionFailure | ExecutionTimeout | WTimeoutError):
        return True
    return isinstance(error, PyMongoError) and error.timeout


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

    async def ping(self) -> bool:
        """Whether the database answers; a failure is logged with its cause.

        A ping that fails on the network once it had a server (a pooled connection the server
        or a proxy closed while idle) is tried once more on a fresh connection: one stale socket
        is no reason to report a healthy database down. A database that cannot be selected at
        all is down at once.
        """
        started = time.monotonic()
        for attempt in (1, 2):
            try:
                with pymongo.timeout(PING_SECONDS):
                    await self.client.admin.command("ping")
                return True
            except PyMongoError as error:
                stale = isinstance(error, AutoReconnect) and not isinstance(
                    error, ServerSelectionTimeoutError
                )
                if attempt == 1 and stale:
                    log.info("database ping failed on a stale connection, trying again: %r", error)
                    continue
                log.warning(
                    "database ping failed after %.3f s: %s: %s",
                    time.monotonic() - started,
                    type(error).__name__,
                    error,
                )
                break
        return False


# `$in` takes this many values per query: SecantusDB's time grows with the square of the list
# (1,000 ids in one query: 0.75 s; 20 queries of 50, or 40 of 25: about 0.07 s); MongoDB does
# not mind either way.
IN_CHUNK = 50


async def find_in(
    collection: Any,
    field: str,
    values: Iterable[str],
    session: AsyncClientSession | None,
    also: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The documents whose `field` is one of `values` (and that match `also`), `IN_CHUNK`
    values per query."""
    wanted = sorted(set(values))
    found: list[dict[str, Any]] = []
    for start in range(0, len(wanted), IN_CHUNK):
        query = {field: {"$in": wanted[start : start + IN_CHUNK]}, **(also or {})}
        found += await collection.find(query, session=session).to_list()
    return found
