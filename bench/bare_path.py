"""The baseline of `hot_path.py`: the same read and write written with the bare libraries.

    python bench/bare_path.py gateway    # FastAPI under uvicorn, a plain aio-pika client
    python bench/bare_path.py handler    # a plain aio-pika consumer, PyMongo's async API

Nothing of Sportello's is imported: this is what a hand-written service of the same shape does,
and no more. Both routes verify the same access token (PyJWT, EdDSA with the key Sportello's
gateway publishes at `/.well-known/jwks.json`, fetched once at start; the same checks the
gateway makes). The read asks the handler for the account, which answers with one `find_one`
in identity's own collection; the write asks it to store a note, which it does in one
transaction with two inserts (the note and an outbox record). Settings come from the
environment: RABBITMQ_URL, MONGO_URL, BARE_QUEUE_PREFIX, BARE_JWKS_URL, TOKEN_ISSUER,
TOKEN_AUDIENCE, BARE_PORT.
"""

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import aio_pika
import httpx
import jwt
import uvicorn
import uvloop
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from fastapi import FastAPI, Header, HTTPException, Request
from pymongo import AsyncMongoClient

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
READ, WRITE = "read", "write"


def queue_name(kind: str) -> str:
    return f"{os.environ['BARE_QUEUE_PREFIX']}.bare.{kind}"


# --- the gateway side ---------------------------------------------------------------------


class Client:
    """Direct reply-to, a correlation id and a future per call: the textbook multiplexer."""

    def __init__(self) -> None:
        self.channel: AbstractChannel | None = None
        self.pending: dict[str, asyncio.Future[bytes]] = {}

    async def connect(self) -> None:
        connection = await aio_pika.connect(os.environ["RABBITMQ_URL"])
        self.channel = await connection.channel(publisher_confirms=False)
        replies = await self.channel.get_queue(DIRECT_REPLY_TO, ensure=False)
        await replies.consume(self.on_reply, no_ack=True)

    async def on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self.pending.pop(message.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result(message.body)

    async def call(self, kind: str, request: dict[str, Any]) -> Any:
        assert self.channel is not None
        call_id = uuid4().hex
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.pending[call_id] = future
        await self.channel.default_exchange.publish(
            aio_pika.Message(
                json.dumps(request).encode(),
                content_type="application/json",
                correlation_id=call_id,
                reply_to=DIRECT_REPLY_TO,
            ),
            routing_key=queue_name(kind),
        )
        return json.loads(await asyncio.wait_for(future, 5))


async def fetch_keys(url: str, seconds: float = 60) -> dict[str, jwt.PyJWK]:
    """The published keys by id, once the gateway publishing them answers."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient() as http:
        while True:
            try:
                answer = await http.get(url)
                if answer.status_code == 200:
                    return {k["kid"]: jwt.PyJWK(k) for k in answer.json()["keys"]}
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no keys at {url}")
            await asyncio.sleep(0.2)


def gateway() -> FastAPI:
    client = Client()
    issuer, audience = os.environ["TOKEN_ISSUER"], os.environ["TOKEN_AUDIENCE"]
    keys: dict[str, jwt.PyJWK] = {}

    async def start() -> None:
        keys.update(await fetch_keys(os.environ["BARE_JWKS_URL"]))
        await client.connect()

    app = FastAPI(on_startup=[start])

    def account_of(authorization: str | None) -> str:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            raise HTTPException(401)
        try:
            key = keys[jwt.get_unverified_header(token)["kid"]]
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["EdDSA"],
                issuer=issuer,
                audience=audience,
                options={"require": ["sub", "exp", "iat", "iss", "aud", "typ", "sid"]},
            )
        except (jwt.InvalidTokenError, KeyError):
            raise HTTPException(401) from None
        return str(claims["sub"])

    @app.get("/v1/me")
    async def me(authorization: str | None = Header(None)) -> Any:
        reply = await client.call(READ, {"account_id": account_of(authorization)})
        if reply is None:
            raise HTTPException(404)
        return reply

    @app.post("/bench/notes", status_code=201)
    async def add_note(request: Request, authorization: str | None = Header(None)) -> Any:
        body = await request.json()
        return await client.call(
            WRITE, {"account_id": account_of(authorization), "text": str(body["text"])}
        )

    return app


# --- the handler side ---------------------------------------------------------------------


async def handler() -> None:
    database: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(os.environ["MONGO_URL"])
    identity = database["sportello_identity"]
    bare = database["bench_bare"]
    connection = await aio_pika.connect(os.environ["RABBITMQ_URL"])
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=32)

    async def reply(message: AbstractIncomingMessage, body: Any) -> None:
        await channel.default_exchange.publish(
            aio_pika.Message(
                json.dumps(body, default=str).encode(),
                content_type="application/json",
                correlation_id=message.correlation_id,
            ),
            routing_key=message.reply_to or "",
        )

    async def read(message: AbstractIncomingMessage) -> None:
        async with message.process():
            request = json.loads(message.body)
            doc = await identity.accounts.find_one({"_id": request["account_id"]})
            await reply(message, None if doc is None else _profile(doc))

    async def write(message: AbstractIncomingMessage) -> None:
        async with message.process():
            request = json.loads(message.body)
            note = {
                "_id": uuid4().hex,
                "account_id": request["account_id"],
                "text": request["text"],
                "at": datetime.now(UTC),
            }
            async with database.start_session() as session, await session.start_transaction():
                await bare.notes.insert_one(note, session=session)
                await bare.outbox.insert_one(
                    {"_id": uuid4().hex, "event": note, "order": time.time_ns(), "sent_at": None},
                    session=session,
                )
            await reply(message, {"note_id": note["_id"]})

    for kind, consume in ((READ, read), (WRITE, write)):
        queue = await channel.declare_queue(
            queue_name(kind), durable=True, auto_delete=True, arguments={"x-expires": 60_000}
        )
        await queue.consume(consume)
    await asyncio.Future()  # until the process is stopped


def _profile(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "account_id": doc["_id"],
        "username": doc["username"],
        "email": doc["email"],
        "full_name": doc["full_name"],
        "fiscal_code": doc["fiscal_code"],
        "role": doc.get("role", "customer"),
        "customer_codes": doc.get("customer_codes", []),
        "registered_at": doc["registered_at"].isoformat(),
    }


if __name__ == "__main__":
    # Both on uvloop, as Sportello's processes are (uvicorn picks it by itself when installed):
    # like with like.
    if sys.argv[1:] == ["gateway"]:
        uvicorn.run(
            gateway(), host="127.0.0.1", port=int(os.environ["BARE_PORT"]), log_level="warning"
        )
    elif sys.argv[1:] == ["handler"]:
        uvloop.run(handler())
    else:
        sys.exit("usage: bare_path.py gateway | handler")
