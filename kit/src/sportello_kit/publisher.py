"""Publishing that is known to have arrived: publisher confirms, and returns raised as errors.

The outbox relay, retries, dead letters and replays all publish through one `Publisher` per
service, on a connection of its own: a message is only taken as published once the broker has
confirmed it and (when `mandatory`) routed it to a queue.
"""

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractRobustChannel, AbstractRobustConnection
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError, DeliveryError
from pamqp.commands import Basic

log = logging.getLogger(__name__)


class PublishFailed(Exception):
    """The broker did not confirm the message as stored (and routed, when mandatory).

    `transient` when it says nothing about the message itself (the bus is down or slow, the
    broker refused it for now): trying again later may work. Otherwise the message is at fault
    (it cannot be encoded, nothing routes it), and will fail the same way every time.
    """

    def __init__(self, reason: str, transient: bool) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass(frozen=True)
class Outgoing:
    body: bytes
    exchange: str
    routing_key: str
    headers: Mapping[str, Any] = field(default_factory=dict)
    message_id: str | None = None
    correlation_id: str | None = None
    content_type: str | None = "application/json"
    # Milliseconds the message may wait in a queue (retry queues use it as the delay).
    expiration_ms: int | None = None
    mandatory: bool = True


class Publisher:
    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name  # how the broker's tools show the connection
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}

    async def connect(self) -> None:
        self._connection = await aio_pika.connect_robust(
            self.url, client_properties={"connection_name": self.name}
        )
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._channel = channel  # type: ignore[assignment]

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = None
        self._exchanges.clear()

    @property
    def channel(self) -> AbstractRobustChannel:
        if self._channel is None:
            raise PublishFailed("the publisher is not connected", transient=True)
        return self._channel

    async def publish(self, message: Outgoing, timeout: float = 10.0) -> None:
        """Publish and wait for the confirm; `PublishFailed` if it is not stored and routed."""
        try:
            async with asyncio.timeout(timeout):
                exchange = await self._exchange(message.exchange)
                confirm = await exchange.publish(
                    _message(message), routing_key=message.routing_key, mandatory=message.mandatory
                )
        except DeliveryError as error:
            raise PublishFailed(f"returned by the broker: {_reason(error)}", False) from None
        except TimeoutError:
            raise PublishFailed(f"not confirmed within {timeout} s", True) from None
        except (AMQPError, ChannelInvalidStateError, ConnectionError) as error:
            raise PublishFailed(f"bus unavailable: {error!r}", True) from None
        if not isinstance(confirm, Basic.Ack):
            raise PublishFailed(f"refused by the broker for now: {confirm!r}", True)

    async def publish_many(
        self, messages: Sequence[Outgoing], timeout: float = 10.0
    ) -> list[PublishFailed | None]:
        """Publish all at once (in this order on the channel), then wait for every confirm.

        Returns, for each message, None if it was confirmed or the reason it was not.
        """
        tasks = [asyncio.ensure_future(self.publish(m, timeout)) for m in messages]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        outcome: list[PublishFailed | None] = []
        for result in results:
            if result is None:
                outcome.append(None)
            elif isinstance(result, PublishFailed):
                outcome.append(result)
            elif isinstance(result, BaseException):
                # Raised before reaching the broker (an encoding error): the message is at fault.
                outcome.append(PublishFailed(repr(result), transient=False))
        return outcome

    async def _exchange(self, name: str) -> AbstractExchange:
        exchange = self._exchanges.get(name)
        if exchange is None:
            # Declared by the topology step; not redeclared on every publish.
            exchange = await self.channel.get_exchange(name, ensure=False)
            self._exchanges[name] = exchange
        return exchange


def _message(m: Outgoing) -> aio_pika.Message:
    return aio_pika.Message(
        m.body,
        headers=dict(m.headers),
        content_type=m.content_type,
        message_id=m.message_id,
        correlation_id=m.correlation_id,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        expiration=m.expiration_ms / 1000 if m.expiration_ms is not None else None,
    )


def _reason(error: DeliveryError) -> str:
    frame = error.frame
    text = getattr(frame, "reply_text", None)
    return str(text) if text else "no queue to route it to"
