"""Declaring the topology on the broker: by each service at start, and by `sportello-topology`.

The command declares every subscription in `sportello_contracts.subscriptions` and applies the
policies, before any producer runs (local run, Compose, a Kubernetes Job), so an event published
before its consumer first starts waits in its queue. Services declare what they use again at
start (same names, same arguments: harmless), so they also run where nobody ran the command,
only without the tuned policies.
"""

import argparse
import asyncio
import json
import logging
import sys
from urllib.parse import quote, unquote, urlsplit

import aio_pika
import httpx
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue
from faststream.rabbit import RabbitExchange, RabbitQueue

from sportello_contracts.catalog import OPERATIONS
from sportello_contracts.envelope import EventPayload
from sportello_contracts.subscriptions import BACKOFFICE, BACKOFFICE_SUBSCRIPTIONS, SUBSCRIPTIONS
from sportello_kit.settings import ServiceSettings
from sportello_kit.topology import Policy, Topology

log = logging.getLogger(__name__)


async def declare_exchange(channel: AbstractChannel, exchange: RabbitExchange) -> AbstractExchange:
    return await channel.declare_exchange(
        exchange.name,
        aio_pika.ExchangeType(exchange.type.value),
        durable=exchange.durable,
        arguments=dict(exchange.arguments or {}),
    )


async def declare_queue(channel: AbstractChannel, queue: RabbitQueue) -> AbstractQueue:
    return await channel.declare_queue(
        queue.name,
        durable=queue.durable,
        exclusive=queue.exclusive,
        auto_delete=queue.auto_delete,
        arguments=dict(queue.arguments or {}),
    )


async def declare_common(
    channel: AbstractChannel, topology: Topology, retry_delays: tuple[float, ...]
) -> None:
    """The exchanges every service uses, and one retry queue per delay."""
    for exchange in (
        topology.events,
        topology.dead_letters,
        topology.redeliver,
        topology.unrouted,  # before `requests`, its alternate exchange
        topology.requests,
    ):
        await declare_exchange(channel, exchange)
    for delay in retry_delays:
        await declare_exchange(channel, topology.retry_exchange(delay))
        waiting = await declare_queue(channel, topology.retry_queue(delay))
        await waiting.bind(topology.retry_name(delay), routing_key="")


async def declare_subscription(
    channel: AbstractChannel, topology: Topology, service: str, routing_key: str
) -> None:
    """A subscription's queue, its dead letters, and its bindings."""
    queue = topology.event_queue(service, routing_key)
    await declare_dead_letters(channel, topology, queue.name)
    declared = await declare_queue(channel, queue)
    await declared.bind(topology.events.name, routing_key=routing_key)
    await declared.bind(topology.redeliver.name, routing_key=queue.name)


async def declare_dead_letters(channel: AbstractChannel, topology: Topology, queue: str) -> None:
    """`<queue>.dead`, bound to the dead-letter exchange by the name of `queue`."""
    dead = topology.dead_letter_queue(queue)
    declared = await declare_queue(channel, dead)
    await declared.bind(topology.dead_letters.name, routing_key=queue)


def management_url(settings: ServiceSettings) -> str:
    """The broker's HTTP API: the setting, else the AMQP host on port 15672 (same credentials)."""
    if settings.rabbitmq_management_url:
        return settings.rabbitmq_management_url.rstrip("/")
    amqp = urlsplit(settings.rabbitmq_url)
    user, password = amqp.username or "guest", amqp.password or "guest"
    return f"http://{quote(user)}:{quote(password)}@{amqp.hostname or '127.0.0.1'}:15672"


def vhost_of(rabbitmq_url: str) -> str:
    path = urlsplit(rabbitmq_url).path
    return path[1:] if len(path) > 1 else "/"


async def apply_policies(api: str, vhost: str, policies: list[Policy]) -> None:
    """Set each policy through the broker's HTTP API (AMQP cannot); the same call updates it."""
    parts = urlsplit(api)
    auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
    base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}{parts.path}"
    async with httpx.AsyncClient(auth=auth, timeout=10) as client:
        for policy in policies:
            answer = await client.put(
                f"{base}/api/policies/{quote(vhost, safe='')}/{quote(policy.name, safe='')}",
                content=json.dumps(
                    {
                        "pattern": policy.pattern,
                        "definition": policy.definition,
                        "priority": policy.priority,
                        "apply-to": "queues",
                    }
                ),
                headers={"content-type": "application/json"},
            )
            if answer.status_code not in (201, 204):
                raise RuntimeError(f"policy {policy.name}: {answer.status_code} {answer.text}")


def _all_subscriptions() -> list[tuple[str, tuple[type[EventPayload], ...]]]:
    """The services' subscriptions, and the back-office's."""
    return [*SUBSCRIPTIONS.items(), (BACKOFFICE, BACKOFFICE_SUBSCRIPTIONS)]


async def declare_all(settings: ServiceSettings) -> None:
    """The whole topology of `settings.bus_prefix`: every subscription, dead letters, policies."""
    topology = Topology.of(settings)
    connection = await aio_pika.connect(settings.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        await declare_common(channel, topology, settings.retry_delays)
        for service, payloads in _all_subscriptions():
            for payload in payloads:
                await declare_subscription(channel, topology, service, payload.ROUTING_KEY)
        for operation in OPERATIONS:
            await declare_dead_letters(
                channel, topology, topology.rpc_queue_name(operation.address)
            )
    await apply_policies(
        management_url(settings),
        vhost_of(settings.rabbitmq_url),
        topology.policies(
            settings.delivery_limit,
            settings.dead_letter_days,
            secret_queues=tuple(
                topology.event_queue_name(service, payload.ROUTING_KEY)
                for service, payloads in _all_subscriptions()
                for payload in payloads
                if payload.SECRET
            ),
            secret_dead_letter_hours=settings.secret_dead_letter_hours,
        ),
    )


def main() -> None:
    """`sportello-topology`: declare the topology from the environment's settings, then exit."""
    argparse.ArgumentParser(
        prog="sportello-topology",
        description="Declare Sportello's exchanges, queues and policies on RabbitMQ "
        "(RABBITMQ_URL, RABBITMQ_MANAGEMENT_URL, BUS_PREFIX, BUS_DELIVERY_LIMIT, "
        "BUS_RETRY_DELAYS, BUS_DEAD_LETTER_DAYS).",
    ).parse_args()
    settings = ServiceSettings()
    try:
        asyncio.run(declare_all(settings))
    except (OSError, RuntimeError, aio_pika.exceptions.AMQPError, httpx.HTTPError) as error:
        sys.exit(f"sportello-topology: {error}")
    print(f"topology of {settings.bus_prefix!r} declared")
