"""Commands over request/reply are idempotent: a retry with the same key gets the first answer.

A command may succeed after its caller's deadline (the reply is lost, the change committed), so
the caller retries with the same idempotency key. The service stores the reply with the key in
the transaction of the change; the retry finds it and gets it back without doing the work again.
The key is the caller's own (the gateway's `Idempotency-Key` header, else the request id) and is
scoped to the operation and the caller, and tied to the request's content: the same key with a
different request is refused rather than answered with another request's reply.
"""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from sportello_contracts.rpc import ErrorKind, Refused, Request
from sportello_kit.inbox import ensure_ttl_index

REPLIES_KEPT = timedelta(days=1)


def key_reused() -> Refused:
    return Refused(
        ErrorKind.CONFLICT,
        "idempotency_key_reused",
        "Questa chiave di idempotenza è già stata usata per una richiesta diversa.",
    )


class CommandReplies:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def create_indexes(self) -> None:
        await ensure_ttl_index(self.collection, "created_at", REPLIES_KEPT)

    async def stored(
        self, key: str, request: Request, session: AsyncClientSession | None = None
    ) -> dict[str, Any] | None:
        """The reply stored under `key`, if any; `key_reused()` if it was for another request."""
        found = await self.collection.find_one({"_id": key}, session=session)
        if found is None:
            return None
        if found["fingerprint"] != fingerprint(request):
            raise key_reused()
        reply: dict[str, Any] = found["reply"]
        return reply

    async def store(
        self, key: str, request: Request, reply: dict[str, Any], session: AsyncClientSession
    ) -> None:
        await self.collection.insert_one(
            {
                "_id": key,
                "fingerprint": fingerprint(request),
                "reply": reply,
                "created_at": datetime.now(UTC),
            },
            session=session,
        )


def command_key(operation: str, request: Request, idempotency_key: str) -> str:
    # Scoped to the caller: one user's key never reaches another user's stored reply.
    who = request.caller.user_id if request.caller is not None else "anonymous"
    return f"{operation}:{who}:{idempotency_key}"


def fingerprint(request: Request) -> str:
    """The request's content, without who sent it (the key is scoped to the caller already)."""
    body = request.model_dump_json(exclude={"caller"}).encode()
    return hashlib.sha256(body).hexdigest()
