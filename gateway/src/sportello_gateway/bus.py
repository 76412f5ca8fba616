"""The gateway's request/reply client: many calls in flight on one connection.

Each call publishes to the operation's queue (through the `requests` exchange) with RabbitMQ's
direct reply-to and a fresh correlation id, then waits for its own future; replies are matched by
that id. No lock is held across a call (FastStream's `broker.request` holds one, which serialises
callers). A call that no service can take (its queue is gone: the service is down) goes to the
exchange's alternate, `unrouted`, which every gateway's own queue receives: matched by
correlation id like a reply, it fails the call at once. No publisher confirm is awaited: a
request is worth nothing once its caller gives up, so the broker's promise to keep it buys
nothing, and waiting for it cost a round trip and a tenth of the gateway's CPU per call
(bench/README.md). One that is not answered in time fails at its deadline. A request carries
its deadline in a header and no AMQP expiration: the service answers an expired request with a
refusal rather than the broker dead-lettering it as if it were poison. A command carries its
idempotency key, so a retry after a lost reply gets the first answer.
"""

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar
from uuid import uuid4

import aio_pika
from aio_pika.abc import (
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustChannel,
    AbstractRobustConnection,
)
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError

from sportello_contracts.base import Contract
from sportello_contracts.rpc import Document, Operation, Request, ServiceError
from sportello_kit.declare import declare_exchange
from sportello_kit.topology import (
    CORRELATION_ID,
    DEADLINE,
    DOCUMENT_FILENAME,
    DOCUMENT_SHA256,
    IDEMPOTENCY_KEY,
    Topology,
)

log = logging.getLogger(__name__)

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
RECONNECT_SECONDS = 1.0

Req = TypeVar("Req", bound=Request)
Rep = TypeVar("Rep", bound=Contract)


class ServiceUnavailable(Exception):
    """No reply: the service is down, or too slow for the call's deadline."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason


class ServiceRefused(Exception):
    """The service answered with a typed error."""

    def __init__(self, error: ServiceError) -> None:
        super().__init__(error.message)
        self.error = error


def connection_name(prefix: str) -> str:
    """How the broker's tools show a gateway's connection: one per process, told apart."""
    return f"{prefix}-gateway {socket.gethostname()}:{os.getpid()}"


class BusClient:
    def __init__(
        self, url: str, topology: Topology, timeout: float = 5.0, name: str = "sportello-gateway"
    ) -> None:
        self.url = url
        self.name = name  # how the broker's tools show the connection
        self.topology = topology
        self.timeout = timeout
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._requests: AbstractExchange | None = None
        self._pending: dict[str, asyncio.Future[AbstractIncomingMessage]] = {}
        # Whether replies can reach us: the channel is open and consumes direct reply-to.
        self._replies_consumed = False
        self._closing = False
        self._opened = 0
        # Called after the connection is restored: events followed may have been missed
        # meanwhile (the private queue died with the connection), so what they keep fresh is not.
        self.restored_callbacks: list[Callable[[], None]] = []

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self.url,
            client_properties={"connection_name": self.name},
            reconnect_interval=RECONNECT_SECONDS,
        )
        channel = await self._connection.channel(publisher_confirms=False)
        channel.reopen_callbacks.add(self._consume_replies)
        channel.close_callbacks.add(self._replies_lost)
        self._requests = await self._watch_unrouted(channel)
        await self._consume_replies(channel)
        self._channel = channel  # type: ignore[assignment]

    async def _watch_unrouted(self, channel: AbstractRobustChannel) -> AbstractExchange:
        """Declare `requests` and its alternate; consume, in a queue of ours, what nobody takes.

        The robust channel declares the queue and its consumer again after a reconnection.
        """
        await declare_exchange(channel, self.topology.unrouted)
        requests = await declare_exchange(channel, self.topology.requests)
        queue = await channel.declare_queue(
            f"{self.topology.prefix}.gateway.{uuid4().hex}.unrouted",
            exclusive=True,
            auto_delete=True,
        )
        await queue.bind(self.topology.unrouted.name, routing_key="")
        await queue.consume(self._on_unrouted, no_ack=True)
        return requests

    async def _consume_replies(self, channel: Any) -> None:
        # Direct reply-to is a pseudo-queue the robust channel does not restore by itself after a
        # reconnection or a channel error: consume it again every time the channel (re)opens.
        replies = await channel.get_queue(DIRECT_REPLY_TO, ensure=False)
        await replies.consume(self._on_reply, no_ack=True)
        self._replies_consumed = True
        self._opened += 1
        if self._opened > 1:
            log.info("bus connection restored")
            for callback in self.restored_callbacks:
                callback()

    def _replies_lost(self, _channel: Any, error: BaseException | None) -> None:
        self._replies_consumed = False
        if not self._closing:
            log.warning("bus connection lost, reconnecting: %r", error)

    async def follow(
        self, routing_keys: list[str], handler: Callable[[bytes], Awaitable[None]]
    ) -> None:
        """Receive the events with these routing keys while this gateway runs.

        A private queue that lives and dies with the connection: a gateway that was down has
        nothing to catch up on (what it follows are invalidations of what it cached).
        """
        assert self._channel is not None, "connect first"
        events = self.topology.events
        exchange = await self._channel.declare_exchange(
            events.name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        # Named by us: a server-named (`amq.gen-`) queue could not be declared again on reconnect.
        queue = await self._channel.declare_queue(
            f"{self.topology.prefix}.gateway.{uuid4().hex}", exclusive=True, auto_delete=True
        )
        for key in routing_keys:
            await queue.bind(exchange, routing_key=key)

        async def deliver(message: AbstractIncomingMessage) -> None:
            await handler(message.body)

        await queue.consume(deliver, no_ack=True)

    async def close(self) -> None:
        self._closing = True
        for future in self._pending.values():
            future.cancel()
        if self._connection is not None:
            await self._connection.close()

    @property
    def connected(self) -> bool:
        """Whether a call can go out and its reply come back now.

        Not the robust connection's `is_closed`: it stays False all the while the connection is
        being restored. Its `connected` event (cleared when the transport drops, set when a new
        one is up) and our channel's state (closed until restored, replies consumed again
        only after) are what say so.
        """
        connection, channel = self._connection, self._channel
        return (
            connection is not None
            and not connection.is_closed
            and connection.connected.is_set()
            and channel is not None
            and not channel.is_closed
            and self._replies_consumed
        )

    async def call(
        self,
        operation: Operation[Req, Rep],
        request: Req,
        *,
        correlation_id: str | None = None,
        timeout: float | None = None,
        idempotency_key: str | None = None,
    ) -> Rep:
        """Send `request`; the typed reply, or `ServiceRefused` / `ServiceUnavailable`.

        `idempotency_key` (for a command) makes a retry with the same key get the first reply.
        """
        timeout = timeout or self.timeout
        if self._channel is None or self._channel.is_closed or self._requests is None:
            raise ServiceUnavailable(operation.service, "the gateway is not connected to the bus")
        call_id = uuid4().hex
        future: asyncio.Future[AbstractIncomingMessage] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        try:
            # One deadline for the whole call: the publish can stall too (flow control).
            async with asyncio.timeout(timeout):
                await self._requests.publish(
                    aio_pika.Message(
                        request.model_dump_json().encode(),
                        content_type="application/json",
                        correlation_id=call_id,
                        message_id=call_id,
                        reply_to=DIRECT_REPLY_TO,
                        delivery_mode=aio_pika.DeliveryMode.NOT_PERSISTENT,
                        headers=_headers(correlation_id or call_id, timeout, idempotency_key),
                    ),
                    routing_key=self.topology.rpc_queue_name(operation.address),
                )
                message = await future
        except _Returned:
            raise ServiceUnavailable(operation.service, "no service running") from None
        except (AMQPError, ChannelInvalidStateError, ConnectionError) as error:
            # The connection or channel is down or being restored: the robust connection brings
            # it back; meanwhile callers get a 503 rather than an error page.
            log.warning("bus unavailable for %s: %r", operation.name, error)
            raise ServiceUnavailable(
                operation.service, "the bus connection is being restored"
            ) from None
        except TimeoutError:
            raise ServiceUnavailable(operation.service, "no reply in time") from None
        finally:
            self._pending.pop(call_id, None)
        if operation.reply is Document and message.content_type != "application/json":
            return _document(message)  # type: ignore[return-value]
        # One pass from bytes to the typed reply: the envelope and the result together.
        reply = typed_reply(operation.reply).model_validate_json(message.body)
        if reply.error is not None:
            raise ServiceRefused(reply.error)
        if reply.result is None:
            raise ServiceUnavailable(operation.service, "a reply with neither result nor error")
        return reply.result

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._pending.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(message)

    async def _on_unrouted(self, message: AbstractIncomingMessage) -> None:
        # Every gateway sees every unrouted request; only the one that sent it has its future.
        future = self._pending.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_exception(_Returned())


class _Returned(Exception):
    """The broker gave a request back: no queue took it."""


class TypedReply(Contract, Generic[Rep]):
    """`Reply` with its result typed: what a caller of one operation reads."""

    result: Rep | None = None
    error: ServiceError | None = None


_typed_replies: dict[type[Contract], type[TypedReply[Any]]] = {}


def typed_reply(reply: type[Rep]) -> type[TypedReply[Rep]]:
    """`TypedReply[reply]`, made once per reply type (pydantic's own lookup costs per call)."""
    model = _typed_replies.get(reply)
    if model is None:
        model = _typed_replies[reply] = TypedReply[reply]  # type: ignore[valid-type]
    return model


def _document(message: AbstractIncomingMessage) -> Document:
    """A file replied as its bytes (a refusal still comes as JSON)."""
    return Document(
        media_type=message.content_type or "application/octet-stream",
        filename=str(message.headers.get(DOCUMENT_FILENAME) or "document"),
        sha256=str(message.headers.get(DOCUMENT_SHA256) or ""),
        content=message.body,
    )


def _headers(correlation_id: str, timeout: float, idempotency_key: str | None) -> dict[str, Any]:
    headers: dict[str, Any] = {
        CORRELATION_ID: correlation_id,
        DEADLINE: int((time.time() + timeout) * 1000),
    }
    if idempotency_key is not None:
        headers[IDEMPOTENCY_KEY] = idempotency_key
    return headers
