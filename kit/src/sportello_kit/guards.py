"""Guarded updates: an event applies only if it is newer than what is stored.

Events arrive out of order (retries, replays, replicas): an older update must never overwrite a
newer one. The stored document keeps the time (or version) of the event that last changed it,
and the update's filter asks for an older one.
"""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

VERSION_FIELD = "applied_version"


def as_stored(version: datetime | int) -> datetime | int:
    """`version` as the database keeps it: BSON times have milliseconds, and compared with
    microseconds a redelivered event would look newer than the copy of itself it stored."""
    if isinstance(version, datetime):
        return version.replace(microsecond=version.microsecond // 1000 * 1000)
    return version


def older_than(version: datetime | int, field: str = VERSION_FIELD) -> dict[str, Any]:
    """A filter matching documents last changed by an event older than `version` (or never)."""
    version = as_stored(version)
    return {"$or": [{field: {"$lt": version}}, {field: {"$exists": False}}]}


async def apply_if_newer(
    collection: AsyncCollection[dict[str, Any]],
    document_id: Any,
    version: datetime | int,
    update: dict[str, Any],
    session: AsyncClientSession | None = None,
    field: str = VERSION_FIELD,
) -> bool:
    """Apply `update` ($set, ...) to the document unless a newer event changed it; insert it if
    it does not exist. True if applied, False if what is stored is as new or newer."""
    guarded = {**update, "$set": {**update.get("$set", {}), field: as_stored(version)}}
    try:
        result = await collection.update_one(
            {"_id": document_id, **older_than(version, field)},
            guarded,
            upsert=True,
            session=session,
        )
    except DuplicateKeyError:
        return False  # it exists, changed by a newer (or the same) event: the filter missed it
    return result.matched_count == 1 or result.upserted_id is not None
