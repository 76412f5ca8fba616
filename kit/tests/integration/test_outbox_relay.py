"""The outbox and its relay against the real MongoDB-protocol server and the real RabbitMQ."""

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest
import pytest_asyncio

from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import Event
from sportello_deploy.testing import eventually, random_customer
from sportello_kit.mongo import Database, connect
from sportello_kit.outbox import BusUnavailable, Lease, Outbox, OutboxRelay
from sportello_kit.publisher import Publisher
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


@pytest_asyncio.fixture(loop_scope="session")
async def publisher(servers: Any) -> AsyncIterator[Publisher]:
    publisher = Publisher(servers.rabbitmq_url, "test-relay")
    await publisher.connect()
    yield publisher
    await publisher.close()


@pytest_asyncio.fixture(loop_scope="session")
async def outbox(database: Database, events: tuple[Topology, Any]) -> Outbox:
    outbox = Outbox(database.db.outbox, events[0])
    await outbox.create_indexes()
    return outbox


def _event() -> Event[CustomerOnboarded]:
    return Event.new(random_customer().onboarded, producer="test", correlation_id="corr-1")


def _relay(database: Database, outbox: Outbox, publisher: Publisher, **options: Any) -> OutboxRelay:
    lease = Lease(database.db.leases, "outbox-relay", seconds=options.pop("lease", 10.0))
    return OutboxRelay(outbox, publisher, lease, **{"poll_seconds": 0.1, **options})


async def _take(queue: aio_pika.abc.AbstractQueue) -> aio_pika.abc.AbstractIncomingMessage:
    async def one() -> aio_pika.abc.AbstractIncomingMessage | None:
        return await queue.get(fail=False, no_ack=True)

    return await eventually(one, what="an event on the exchange")


async def _drain(queue: aio_pika.abc.AbstractQueue, expected: int, seconds: float) -> list[str]:
    """Message ids arriving on `queue` until `expected` came and then a quiet second passed."""
    ids: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    quiet_since = None
    while loop.time() < deadline:
        message = await queue.get(fail=False, no_ack=True)
        if message is None:
            if len(ids) >= expected:
                quiet_since = quiet_since or loop.time()
                if loop.time() - quiet_since > 1.0:
                    break
            await asyncio.sleep(0.02)
            continue
        quiet_since = None
        ids.append(message.message_id or "")
    return ids


async def _write(database: Database, outbox: Outbox, count: int) -> list[str]:
    """`count` events committed one transaction at a time; their ids in order of writing."""
    events = [_event() for _ in range(count)]
    for event in events:

        async def add(session: Any, event: Event[Any] = event) -> None:
            await outbox.add(event, session)

        await database.transaction(add)
    return [str(e.event_id) for e in events]


async def test_change_and_event_commit_together_or_not_at_all(
    database: Database, events: tuple[Topology, Any]
) -> None:
    outbox = Outbox(database.db.outbox, events[0])
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
    database: Database,
    events: tuple[Topology, aio_pika.abc.AbstractQueue],
    outbox: Outbox,
    publisher: Publisher,
) -> None:
    queue = events[1]
    # A process committed these and died before publishing them.
    left_behind = await _write(database, outbox, 2)

    relay = _relay(database, outbox, publisher)
    relay.start()  # a new process starting
    try:
        received = [await _take(queue), await _take(queue)]
    finally:
        await relay.stop()
    # Oldest first, with the envelope intact and the message id being the event id.
    assert [m.message_id for m in received] == left_behind
    assert received[0].delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert json.loads(received[0].body)["event_id"] == left_behind[0]
    assert received[0].correlation_id == "corr-1"

    async def all_marked() -> bool:
        return await database.db.outbox.count_documents({"sent_at": None}) == 0

    await eventually(all_marked, what="records marked sent")


async def test_relay_wakes_on_commit_rather_than_waiting_for_the_poll(
    database: Database,
    events: tuple[Topology, aio_pika.abc.AbstractQueue],
    outbox: Outbox,
    publisher: Publisher,
) -> None:
    queue = events[1]
    relay = _relay(database, outbox, publisher, poll_seconds=3600)
    database.after_commit(relay.wake)
    relay.start()
    await asyncio.sleep(0.2)  # the relay's first pass finds nothing and goes to sleep
    try:
        [written] = await _write(database, outbox, 1)
        message = await _take(queue)
    finally:
        await relay.stop()
    assert message.message_id == written


async def test_two_relays_on_one_outbox_publish_each_record_once_in_order_of_writing(
    database: Database,
    events: tuple[Topology, aio_pika.abc.AbstractQueue],
    outbox: Outbox,
    publisher: Publisher,
    servers: Any,
) -> None:
    queue = events[1]
    written = await _write(database, outbox, 1000)
    # Two replicas, each with its own connection, starting at the same time on the backlog.
    other = Publisher(servers.rabbitmq_url, "test-relay-2")
    await other.connect()
    relays = [
        _relay(database, outbox, publisher, batch=100),
        _relay(database, outbox, other, batch=100),
    ]
    for relay in relays:
        relay.start()
    try:
        received = await _drain(queue, len(written), seconds=60)
    finally:
        for relay in relays:
            await relay.stop()
        await other.close()
    assert len(received) == len(set(received)) == 1000
    assert received == written
    assert await database.db.outbox.count_documents({"sent_at": None}) == 0


async def test_a_record_that_never_publishes_is_parked_and_does_not_hold_back_the_rest(
    database: Database,
    events: tuple[Topology, aio_pika.abc.AbstractQueue],
    outbox: Outbox,
    publisher: Publisher,
) -> None:
    queue = events[1]
    before = await _write(database, outbox, 3)
    # A routing key longer than AMQP allows: this record can never be published.
    poison = _event()
    await database.transaction(lambda session: outbox.add(poison, session))
    await database.db.outbox.update_one(
        {"_id": str(poison.event_id)}, {"$set": {"routing_key": "x" * 300}}
    )
    after = await _write(database, outbox, 3)

    relay = _relay(database, outbox, publisher, max_attempts=3)
    relay.start()
    try:
        received = await _drain(queue, 6, seconds=20)

        async def parked() -> bool:
            return await outbox.parked() == 1

        await eventually(parked, what="the poison record parked")
    finally:
        await relay.stop()
    assert received == before + after
    record = await database.db.outbox.find_one({"_id": str(poison.event_id)})
    assert record is not None
    assert (record["parked"], record["attempts"], record["sent_at"]) == (True, 3, None)
    assert record["last_error"]


async def test_a_relay_stopped_mid_batch_loses_nothing_the_next_one_publishes_the_rest(
    database: Database,
    events: tuple[Topology, aio_pika.abc.AbstractQueue],
    outbox: Outbox,
    publisher: Publisher,
) -> None:
    queue = events[1]
    written = await _write(database, outbox, 600)
    first = _relay(database, outbox, publisher, batch=200)
    first.start()

    async def some_sent() -> bool:
        return await database.db.outbox.count_documents({"sent_at": {"$ne": None}}) > 0

    await eventually(some_sent, what="a first batch out")
    await first.stop()  # cancelled wherever it was: between publishing and marking, maybe
    second = _relay(database, outbox, publisher, batch=200)
    second.start()
    try:
        received = await _drain(queue, len(written), seconds=60)
    finally:
        await second.stop()
    assert set(received) == set(written)  # at least once each...
    assert len(received) - len(written) <= 200  # ...and at most one batch again
    assert await database.db.outbox.count_documents({"sent_at": None}) == 0


async def test_an_outage_of_the_bus_parks_nothing_and_the_backlog_goes_out_after_it(
    database: Database,
    events: tuple[Topology, aio_pika.abc.AbstractQueue],
    outbox: Outbox,
    servers: Any,
) -> None:
    queue = events[1]
    written = await _write(database, outbox, 5)
    down = Publisher(servers.rabbitmq_url, "test-relay-down")  # never connected: the bus is out
    relay = _relay(database, outbox, down, max_attempts=2)
    for _ in range(4):  # twice the attempts that would park a record failing on its own
        with pytest.raises(BusUnavailable):
            await relay.publish_pending()
    unsent = await database.db.outbox.find({"sent_at": None}).to_list()
    assert len(unsent) == 5
    assert {(r["attempts"], r["parked"]) for r in unsent} == {(0, False)}

    await down.connect()  # the bus is back
    try:
        assert await relay.publish_pending() == 5
    finally:
        await down.close()
    assert await _drain(queue, 5, seconds=10) == written


async def test_a_lease_is_renewed_once_per_half_its_time_and_lost_by_a_holder_that_stalled(
    database: Database,
) -> None:
    name = f"lease-{secrets.token_hex(3)}"
    first = Lease(database.db.leases, name, seconds=0.6)
    second = Lease(database.db.leases, name, seconds=0.6)
    assert await first.hold()
    renewed = await database.db.leases.find_one({"_id": name})
    assert await first.hold()  # within half its time: not written again
    assert await database.db.leases.find_one({"_id": name}) == renewed
    assert not await second.hold()
    await asyncio.sleep(0.35)  # past half its time, before its end: renewed
    assert await first.hold()
    again = await database.db.leases.find_one({"_id": name})
    assert again is not None
    assert renewed is not None
    assert again["expires_at"] > renewed["expires_at"]
    await asyncio.sleep(0.7)  # the holder stalled past the end: the other takes it
    assert await second.hold()
    assert not await first.hold()


async def test_stopping_ends_a_relay_even_if_a_library_swallows_the_first_cancel(
    database: Database, outbox: Outbox, publisher: Publisher
) -> None:
    relay = _relay(database, outbox, publisher)
    swallowed = asyncio.Event()

    async def stubborn() -> int:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            swallowed.set()  # as a library that turns a cancel into an error of its own
            await asyncio.sleep(60)
        return 0

    relay.publish_pending = stubborn  # type: ignore[method-assign]
    relay.start()
    await asyncio.sleep(0.1)
    loop = asyncio.get_running_loop()
    began = loop.time()
    # Not `asyncio.timeout` alone: a stop that swallowed cancellations would swallow its too.
    async with asyncio.timeout(10):
        await relay.stop()
    assert loop.time() - began < 8
    assert swallowed.is_set()
