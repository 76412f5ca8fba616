"""The outbox and the inbox against the real MongoDB-protocol server and the real RabbitMQ."""

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import aio_pika
import pytest
import pytest_asyncio
from faststream.rabbit import RabbitBroker

from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import Event
from sportello_deploy.testing import eventually, random_customer
from sportello_kit.mongo import Database, connect
from sportello_kit.outbox import Outbox, OutboxRelay
from sportello_kit.topology import Topology

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def database(servers: Any) -> AsyncIterator[Database]:
    client = connect(servers.mongo_url)
    yield Database(client, f"kit_{secrets.token_hex(4)}")
    await client.close()


@pytest_asyncio.fixture(loop_scope="session")
async def events(servers: Any) -> AsyncIterator[tuple[Topology, aio_pika.abc.AbstractQueue]]:
    """A queue bound to every event of a topology of its own."""
    topology = Topology(f"{servers.prefix}-kit{secrets.token_hex(2)}")
    connection = await aio_pika.connect(servers.rabbitmq_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(
        topology.events.name, aio_pika.ExchangeType.TOPIC, durable=True
    )
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key="#")
    yield topology, queue
    await channel.exchange_delete(topology.events.name)
    await connection.close()


def _event() -> Event[CustomerOnboarded]:
    return Event.new(random_customer(), producer="test", correlation_id="corr-1")


async def _take(queue: aio_pika.abc.AbstractQueue) -> aio_pika.abc.AbstractIncomingMessage:
    async def one() -> aio_pika.abc.AbstractIncomingMessage | None:
        return await queue.get(fail=False, no_ack=True)

    return await eventually(one, what="an event on the exchange")


async def test_change_and_event_commit_together_or_not_at_all(database: Database) -> None:
    outbox = Outbox(database.db.outbox)
    event = _event()

    async def fails_after_writing(session: Any) -> None:
        await database.db.things.insert_one({"_id": "thing"}, session=session)
        await outbox.add(event, session)
        raise RuntimeError("the process fails before the commit")

    with pytest.raises(RuntimeError):
        await database.transaction(fails_after_writing)
    assert await database.db.things.count_documents({}) == 0
    assert await database.db.outbox.count_documents({}) == 0

    async def succeeds(session: Any) -> None:
        await database.db.things.insert_one({"_id": "thing"}, session=session)
        await outbox.add(event, session)

    await database.transaction(succeeds)
    assert await database.db.things.count_documents({}) == 1
    record = await database.db.outbox.find_one({"_id": str(event.event_id)})
    assert record is not None
    assert record["sent_at"] is None
    assert record["routing_key"] == "backoffice.customer.onboarded"


async def test_relay_publishes_what_a_crashed_process_left_unsent_and_marks_it(
    database: Database, events: tuple[Topology, aio_pika.abc.AbstractQueue], servers: Any
) -> None:
    topology, queue = events
    outbox = Outbox(database.db.outbox)
    await outbox.create_indexes()
    left_behind = [_event(), _event()]
    # A process committed these and died before publishing them.
    for event in left_behind:
        await database.transaction(lambda session, e=event: outbox.add(e, session))

    broker = RabbitBroker(servers.rabbitmq_url)
    await broker.connect()
    relay = OutboxRelay(outbox, broker, topology, poll_seconds=0.2)
    relay.start()  # a new process starting
    try:
        received = [await _take(queue), await _take(queue)]
    finally:
        await relay.stop()
        await broker.stop()
    # Oldest first, with the envelope intact and the message id being the event id.
    assert [m.message_id for m in received] == [str(e.event_id) for e in left_behind]
    assert received[0].delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    body = json.loads(received[0].body)
    assert body["payload"]["customer_code"] == left_behind[0].payload.customer_code
    assert received[0].correlation_id == "corr-1"

    async def all_marked() -> bool:
        return await database.db.outbox.count_documents({"sent_at": None}) == 0

    await eventually(all_marked, what="records marked sent")


async def test_relay_wakes_on_commit_rather_than_waiting_for_the_poll(
    database: Database, events: tuple[Topology, aio_pika.abc.AbstractQueue], servers: Any
) -> None:
    topology, queue = events
    outbox = Outbox(database.db.outbox)
    broker = RabbitBroker(servers.rabbitmq_url)
    await broker.connect()
    relay = OutboxRelay(outbox, broker, topology, poll_seconds=3600)
    database.after_commit(relay.wake)
    relay.start()
    await asyncio.sleep(0.1)  # the relay's first pass finds nothing and goes to sleep
    try:
        event = _event()
        await database.transaction(lambda session: outbox.add(event, session))
        message = await _take(queue)
    finally:
        await relay.stop()
        await broker.stop()
    assert message.message_id == str(event.event_id)


async def test_an_event_is_applied_once_however_often_it_is_delivered(database: Database) -> None:
    event_id = uuid4()
    applied: list[datetime] = []

    async def effect(session: Any) -> None:
        applied.append(datetime.now(UTC))
        await database.db.counters.update_one(
            {"_id": "c"}, {"$inc": {"n": 1}}, upsert=True, session=session
        )

    assert await database.handle_once("consumer-a", event_id, effect) is True
    assert await database.handle_once("consumer-a", event_id, effect) is False
    # Another consumer of the same event is not confused with the first.
    assert await database.handle_once("consumer-b", event_id, effect) is True
    assert (await database.db.counters.find_one({"_id": "c"}))["n"] == 2
    assert len(applied) == 2


async def test_a_failed_effect_leaves_the_event_unhandled_so_a_redelivery_applies_it(
    database: Database,
) -> None:
    event_id = uuid4()

    async def fails(session: Any) -> None:
        await database.db.counters.insert_one({"_id": "half"}, session=session)
        raise ConnectionError("a dependency failed mid-way")

    with pytest.raises(ConnectionError):
        await database.handle_once("consumer", event_id, fails)
    assert await database.db.counters.find_one({"_id": "half"}) is None

    async def works(session: Any) -> None:
        await database.db.counters.insert_one({"_id": "half"}, session=session)

    assert await database.handle_once("consumer", event_id, works) is True
