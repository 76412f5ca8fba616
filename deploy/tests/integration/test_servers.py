"""Cleaning up a test run's broker objects, on the real RabbitMQ."""

import secrets
from typing import Any

import aio_pika
import pytest

from sportello_deploy.servers import delete_broker_objects

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _exists(connection: aio_pika.abc.AbstractConnection, name: str, kind: str) -> bool:
    channel = await connection.channel()  # a failed passive declaration closes its channel
    try:
        if kind == "queue":
            await channel.declare_queue(name, passive=True)
        else:
            await channel.declare_exchange(name, passive=True)
    except aio_pika.exceptions.ChannelNotFoundEntity:
        return False
    await channel.close()
    return True


async def test_a_prefix_and_the_prefixes_made_from_it_are_removed_and_nothing_else(
    servers: Any,
) -> None:
    run = f"{servers.prefix}-clean{secrets.token_hex(2)}"
    mine = [f"{run}.events", f"{run}-sub.events"]
    neighbour = f"{run}x.events"  # another run whose prefix merely starts alike
    connection = await aio_pika.connect(servers.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        for name in (*mine, neighbour):
            await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC)
        queue = await channel.declare_queue(f"{run}.some.queue")
        await queue.bind(f"{run}.events", routing_key="#")

        await delete_broker_objects(servers.rabbitmq_url, run)

        assert [await _exists(connection, name, "exchange") for name in mine] == [False, False]
        assert not await _exists(connection, f"{run}.some.queue", "queue")
        assert await _exists(connection, neighbour, "exchange")
        await channel.exchange_delete(neighbour)
