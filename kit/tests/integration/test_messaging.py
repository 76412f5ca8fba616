"""Consuming and answering through the kit, on the real RabbitMQ and database: retries, dead
letters, the delivery limit, idempotent handling, parking, claims, commands and failing fast.

A service of these tests runs in-process on a prefix of its own, with test events and operations.
"""

import asyncio
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import aio_pika
import pytest

from sportello_contracts.base import Contract
from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.health import HealthRequest
from sportello_contracts.rpc import Caller, ErrorKind, Operation, Refused, Request
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.servers import free_port, messages_in
from sportello_deploy.testing import eventually, take_dead_letters
from sportello_gateway.bus import BusClient, ServiceRefused
from sportello_kit.claims import ClaimHeld, Claims
from sportello_kit.deadletters import DeadLetter, list_dead_letters, replay
from sportello_kit.declare import (
    apply_policies,
    declare_common,
    declare_subscription,
    management_url,
    vhost_of,
)
from sportello_kit.guards import apply_if_newer
from sportello_kit.mongo import connect
from sportello_kit.service import Service
from sportello_kit.settings import ServiceSettings
from sportello_kit.topology import (
    ATTEMPT,
    DEAD_LETTER_REASON,
    DEADLINE,
    LAST_ERROR,
    Topology,
)
from sportello_kit.transaction import Transaction


class BillIssued(EventPayload):
    ROUTING_KEY = "testoffice.bill.issued"
    number: str


class PaymentRegistered(EventPayload):
    ROUTING_KEY = "testoffice.payment.registered"
    bill_number: str
    cents: int


class CountsPublished(EventPayload):
    """A batch: each row a thing's name and a count to add to it."""

    ROUTING_KEY = "testoffice.counts.published"
    rows: tuple[tuple[str, int], ...]


class CreateThing(Request):
    name: str


class ThingCreated(Contract):
    thing_id: str
    name: str


class ThingQuery(Request):
    thing_id: str


CREATE_THING = Operation(
    "kittest.thing.create", CreateThing, ThingCreated, needs_caller=False, command=True
)
GET_THING = Operation("kittest.thing.get", ThingQuery, ThingCreated)


pytestmark = pytest.mark.asyncio(loop_scope="session")


def settings_for(servers: Any, **more: str) -> ServiceSettings:
    return ServiceSettings.model_validate(
        {
            "RABBITMQ_URL": servers.rabbitmq_url,
            "MONGO_URL": servers.mongo_url,
            "BUS_PREFIX": f"{servers.prefix}-kit{secrets.token_hex(3)}",
            "BUS_DELIVERY_LIMIT": "3",
            "BUS_RETRY_DELAYS": "0.1,0.2",
            "GRACEFUL_TIMEOUT": "5",
            **more,
        }
    )


def new_service(servers: Any, **more: str) -> Service:
    settings = settings_for(servers, **more)
    return Service("kittest", settings, database=f"kittest_{secrets.token_hex(4)}")


async def apply_test_policies(settings: ServiceSettings) -> None:
    await apply_policies(
        management_url(settings),
        vhost_of(settings.rabbitmq_url),
        Topology(settings.bus_prefix).policies(settings.delivery_limit, settings.dead_letter_days),
    )


@asynccontextmanager
async def running(service: Service) -> AsyncIterator[Service]:
    await apply_test_policies(service.settings)
    await service.app.start()
    try:
        yield service
    finally:
        await service.app.stop()


async def dead_letters(service: Service, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    return await take_dead_letters(service.settings.rabbitmq_url, queue)


async def _publish(service: Service, payload: EventPayload, event_id: Any = None) -> str:
    async with BackOffice(service.settings.rabbitmq_url, service.settings.bus_prefix) as office:
        return str((await office.publish(payload, event_id=event_id)).event_id)


def _queue(service: Service, payload: type[EventPayload]) -> str:
    return service.topology.event_queue_name(service.name, payload.ROUTING_KEY)


async def _dead_letter_of(
    service: Service, queue: str, message_id: str, seconds: float = 15
) -> aio_pika.abc.AbstractIncomingMessage:
    seen: dict[str, aio_pika.abc.AbstractIncomingMessage] = {}

    async def arrived() -> aio_pika.abc.AbstractIncomingMessage | None:
        for message in await dead_letters(service, queue):
            seen[message.message_id or ""] = message
        return seen.get(message_id)

    return await eventually(arrived, seconds=seconds, what=f"{message_id} dead-lettered")


# Events: retries and dead letters


async def test_a_handler_that_always_fails_is_retried_with_growing_delays_then_dead_lettered(
    servers: Any,
) -> None:
    service = new_service(servers)
    calls: list[float] = []

    @service.on(BillIssued)
    async def always_fails(event: Event[BillIssued], tx: Transaction) -> None:
        calls.append(time.monotonic())
        raise ConnectionError("smtp.example: connection refused")

    async with running(service):
        message_id = await _publish(service, BillIssued(number="B-1"))
        dead = await _dead_letter_of(service, _queue(service, BillIssued), message_id)
    # The first attempt and one per retry delay (0.1 s, 0.2 s), each after its delay.
    assert len(calls) == 3
    assert calls[1] - calls[0] >= 0.1
    assert calls[2] - calls[1] >= 0.2
    assert dead.headers[LAST_ERROR] == "ConnectionError: smtp.example: connection refused"
    assert "failed 3 times" in str(dead.headers[DEAD_LETTER_REASON])
    assert json.loads(dead.body)["payload"] == {"number": "B-1"}  # the message as it came


async def test_a_handler_that_fails_for_a_while_applies_the_event_once_when_it_recovers(
    servers: Any,
) -> None:
    service = new_service(servers)
    attempts: list[int] = []

    @service.on(BillIssued)
    async def flaky(event: Event[BillIssued], tx: Transaction) -> None:
        attempts.append(1)
        await service.database.db.bills.insert_one(
            {"_id": event.payload.number}, session=tx.session
        )
        if len(attempts) < 3:
            raise TimeoutError("the database is electing a primary")

    async with running(service):
        await _publish(service, BillIssued(number="B-2"))

        async def applied() -> bool:
            return await service.database.db.inbox.count_documents({}) == 1

        await eventually(applied, what="the event applied")
        # Nothing of the failed attempts stayed: their transactions were rolled back.
        assert await service.database.db.bills.count_documents({}) == 1
    assert len(attempts) == 3


async def test_the_broker_dead_letters_a_message_rejected_as_often_as_the_delivery_limit(
    servers: Any,
) -> None:
    """The guard behind the retries: a consumer that keeps rejecting (or crashing on) a message."""
    settings = settings_for(servers)
    topology = Topology.of(settings)
    queue = topology.event_queue_name("raw", BillIssued.ROUTING_KEY)
    connection = await aio_pika.connect(settings.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        await declare_common(channel, topology, settings.retry_delays)
        await declare_subscription(channel, topology, "raw", BillIssued.ROUTING_KEY)
        await apply_test_policies(settings)
        await asyncio.sleep(1)  # the broker applies a new policy to its queues asynchronously
        async with BackOffice(settings.rabbitmq_url, settings.bus_prefix) as office:
            await office.publish(BillIssued(number="B-3"))
        deliveries = 0
        subscription = await channel.get_queue(queue)
        dead = await channel.get_queue(f"{queue}.dead")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 15
        while loop.time() < deadline:
            message = await subscription.get(fail=False)
            if message is not None:
                deliveries += 1
                await message.reject(requeue=True)
                continue
            if (await dead.get(fail=False, no_ack=True)) is not None:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("never dead-lettered")
    # Each rejection counts (a nack would not, on RabbitMQ 4.3): dead after the limit's worth.
    assert deliveries == settings.delivery_limit + 1


async def test_a_message_that_does_not_parse_is_dead_lettered_at_once_and_never_handled(
    servers: Any,
) -> None:
    service = new_service(servers)
    handled: list[str] = []

    @service.on(BillIssued)
    async def record(event: Event[BillIssued], tx: Transaction) -> None:
        handled.append(event.payload.number)

    async with running(service):
        async with BackOffice(service.settings.rabbitmq_url, service.settings.bus_prefix) as o:
            await o.publish_raw(b'{"event_id": 1}', BillIssued.ROUTING_KEY, message_id="bad-1")
        dead = await _dead_letter_of(service, _queue(service, BillIssued), "bad-1", seconds=5)
        await _publish(service, BillIssued(number="B-4"))
        await eventually(lambda: _true(handled), what="the next good event handled")
    assert "event type None" in str(dead.headers[DEAD_LETTER_REASON])
    assert ATTEMPT not in (dead.headers or {})  # not retried
    assert handled == ["B-4"]


async def _true(items: list[Any]) -> bool:
    return bool(items)


async def test_two_deliveries_of_one_event_handled_at_the_same_time_apply_it_once(
    servers: Any,
) -> None:
    service = new_service(servers)
    started: list[int] = []

    @service.on(BillIssued)
    async def count(event: Event[BillIssued], tx: Transaction) -> None:
        started.append(1)
        await asyncio.sleep(0.3)  # both deliveries are inside their transactions now
        await service.database.db.counters.update_one(
            {"_id": event.payload.number}, {"$inc": {"n": 1}}, upsert=True, session=tx.session
        )

    async with running(service):
        event_id = uuid4()
        await asyncio.gather(
            _publish(service, BillIssued(number="B-5"), event_id),
            _publish(service, BillIssued(number="B-5"), event_id),
        )

        async def both_done() -> bool:
            return len(started) >= 2 and await service.database.db.inbox.count_documents({}) == 1

        await eventually(both_done, what="both deliveries handled")
        await asyncio.sleep(0.5)
        counter = await service.database.db.counters.find_one({"_id": "B-5"})
    assert counter is not None
    assert counter["n"] == 1


async def test_an_event_about_something_not_known_yet_is_parked_until_it_arrives(
    servers: Any,
) -> None:
    service = new_service(servers)
    db = service.database.db

    @service.on(PaymentRegistered)
    async def payment(event: Event[PaymentRegistered], tx: Transaction) -> None:
        bill = await db.bills.find_one({"_id": event.payload.bill_number}, session=tx.session)
        if bill is None:
            tx.park(f"bill:{event.payload.bill_number}")
            return
        await db.bills.update_one(
            {"_id": bill["_id"]}, {"$inc": {"paid": event.payload.cents}}, session=tx.session
        )

    @service.on(BillIssued)
    async def bill(event: Event[BillIssued], tx: Transaction) -> None:
        await db.bills.insert_one({"_id": event.payload.number, "paid": 0}, session=tx.session)
        await tx.release(f"bill:{event.payload.number}")

    async with running(service):
        await _publish(service, PaymentRegistered(bill_number="B-6", cents=4200))

        async def parked() -> bool:
            return await service.parking.count() == 1

        await eventually(parked, what="the payment parked")
        await _publish(service, BillIssued(number="B-6"))

        async def paid() -> bool:
            found = await db.bills.find_one({"_id": "B-6"})
            return found is not None and found["paid"] == 4200

        await eventually(paid, what="the parked payment applied once the bill arrived")
        assert await service.parking.count() == 0


async def test_a_batch_keeps_its_good_rows_dead_letters_its_bad_and_retries_the_early_ones(
    servers: Any,
) -> None:
    """Rows about a thing not created yet come back later (and are applied once it exists, or
    dead-lettered after the last retry); negative counts are dead-lettered at once; the rest is
    applied. Each part once, however often the whole is delivered."""
    service = new_service(servers)
    db = service.database.db

    @service.on(CountsPublished)
    async def counts(event: Event[CountsPublished], tx: Transaction) -> None:
        known = {d["_id"] async for d in db.things.find({}, session=tx.session)}
        early = tuple(r for r in event.payload.rows if r[0] not in known)
        bad = tuple(r for r in event.payload.rows if r[0] in known and r[1] < 0)
        for name, count in event.payload.rows:
            if name in known and count >= 0:
                await db.things.update_one(
                    {"_id": name}, {"$inc": {"count": count}}, session=tx.session
                )
        if bad:
            await tx.dead_letter(CountsPublished(rows=bad), f"{len(bad)} negative counts")
        if early:
            await tx.retry_later(CountsPublished(rows=early), f"{len(early)} unknown things")

    await db.things.insert_many([{"_id": "a", "count": 0}, {"_id": "b", "count": 0}])
    queue = _queue(service, CountsPublished)
    async with running(service):
        batch = CountsPublished(rows=(("a", 1), ("b", -1), ("c", 5), ("never", 2)))
        event_id = await _publish(service, batch)
        await _publish(service, batch, event_id=event_id)  # delivered twice
        # "c" arrives while its row waits; "never" never does.
        await db.things.insert_one({"_id": "c", "count": 0})

        letters: list[aio_pika.abc.AbstractIncomingMessage] = []

        async def dead() -> list[aio_pika.abc.AbstractIncomingMessage] | None:
            letters.extend(await dead_letters(service, queue))  # taken off as they come
            return letters if len(letters) >= 2 else None

        await eventually(dead, seconds=15, what="both dead parts")
        parts = sorted(
            (json.loads(m.body)["payload"]["rows"], m.headers[DEAD_LETTER_REASON]) for m in letters
        )
        assert parts == [
            ([["b", -1]], "1 negative counts"),
            ([["never", 2]], "1 unknown things (tried 3 times)"),
        ], parts
        things = {d["_id"]: d["count"] async for d in db.things.find({})}
        assert things == {"a": 1, "b": 0, "c": 5}
        await asyncio.sleep(0.5)  # and nothing more comes
        assert await dead_letters(service, queue) == []


async def test_an_older_update_never_overwrites_a_newer_one(servers: Any) -> None:
    service = new_service(servers)
    things = service.database.db.things
    newer, older = datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    assert await apply_if_newer(things, "T-1", newer, {"$set": {"name": "new"}})
    assert not await apply_if_newer(things, "T-1", older, {"$set": {"name": "old"}})
    assert not await apply_if_newer(things, "T-1", newer, {"$set": {"name": "again"}})
    stored = await things.find_one({"_id": "T-1"})
    assert stored is not None
    assert stored["name"] == "new"
    await service.database.client.close()


# Effects outside the database


async def test_an_effect_is_claimed_so_racing_deliveries_do_it_once(servers: Any) -> None:
    client = connect(servers.mongo_url)
    claims = Claims(client[f"claims_{uuid4().hex[:8]}"].claims, timedelta(seconds=1))
    sent: list[str] = []

    async def send() -> None:
        await asyncio.sleep(0.2)
        sent.append("mail")

    first, second = await asyncio.gather(
        claims.once("mail-1", send), claims.once("mail-1", send), return_exceptions=True
    )
    assert [type(r).__name__ for r in (first, second)].count("ClaimHeld") == 1
    assert sent == ["mail"]
    assert await claims.once("mail-1", send) is False  # done: a redelivery sends nothing

    async def fails() -> None:
        raise ConnectionError("smtp down")

    with pytest.raises(ConnectionError):
        await claims.once("mail-2", fails)
    assert await claims.once("mail-2", send) is True  # given up at once for the next attempt

    # A holder that died: its lease runs out and another delivery takes the effect over.
    other = Claims(claims.collection, timedelta(seconds=1))
    await other._claim("mail-3")
    with pytest.raises(ClaimHeld):
        await claims.once("mail-3", send)
    await asyncio.sleep(1.1)
    assert await claims.once("mail-3", send) is True
    assert sent == ["mail", "mail", "mail"]
    await client.close()


# Requests


async def _call(
    service: Service, operation: Operation[Any, Any], request: Request, **options: Any
) -> Any:
    bus = BusClient(service.settings.rabbitmq_url, service.topology, timeout=3)
    await bus.connect()
    try:
        return await bus.call(operation, request, **options)
    finally:
        await bus.close()


def _thing_service(servers: Any, **more: str) -> tuple[Service, list[str]]:
    service = new_service(servers, **more)
    created: list[str] = []

    @service.rpc(CREATE_THING)
    async def create(request: CreateThing, tx: Transaction) -> ThingCreated:
        if request.name == "bug":
            raise KeyError("a bug in the handler")
        thing_id = uuid4().hex
        await service.database.db.things.insert_one(
            {"_id": thing_id, "name": request.name}, session=tx.session
        )
        created.append(thing_id)
        return ThingCreated(thing_id=thing_id, name=request.name)

    @service.rpc(GET_THING)
    async def get(request: ThingQuery) -> ThingCreated:
        found = await service.database.db.things.find_one({"_id": request.thing_id})
        if found is None:
            raise Refused(ErrorKind.NOT_FOUND, "thing_not_found", "Non trovato.")
        return ThingCreated(thing_id=found["_id"], name=found["name"])

    return service, created


async def test_a_command_retried_with_its_idempotency_key_gets_the_first_answer(
    servers: Any,
) -> None:
    service, created = _thing_service(servers)
    async with running(service):
        first = await _call(service, CREATE_THING, CreateThing(name="a"), idempotency_key="k-1")
        again = await _call(service, CREATE_THING, CreateThing(name="a"), idempotency_key="k-1")
        other = await _call(service, CREATE_THING, CreateThing(name="a"), idempotency_key="k-2")
        with pytest.raises(ServiceRefused) as reused:
            await _call(service, CREATE_THING, CreateThing(name="b"), idempotency_key="k-1")
    assert again == first
    assert other.thing_id != first.thing_id
    assert len(created) == 2
    assert reused.value.error.code == "idempotency_key_reused"


async def test_a_reply_goes_to_its_caller_and_is_never_returned_to_the_service(
    servers: Any, caplog: pytest.LogCaptureFixture
) -> None:
    service, _ = _thing_service(servers)
    async with running(service):
        bus = BusClient(service.settings.rabbitmq_url, service.topology, timeout=3)
        await bus.connect()
        try:
            with caplog.at_level(logging.WARNING):
                created = await bus.call(CREATE_THING, CreateThing(name="a"))
                caller = Caller(user_id="u-1", role="customer", customer_codes=())
                found = await bus.call(
                    GET_THING, ThingQuery(thing_id=created.thing_id, caller=caller)
                )
                # A return would come right after the reply: give it the time to.
                await asyncio.sleep(0.5)
        finally:
            await bus.close()
    assert found == created
    assert [r.getMessage() for r in caplog.records if r.name.startswith("aiormq")] == []


async def test_a_handler_bug_is_an_internal_error_and_a_missing_caller_is_refused(
    servers: Any,
) -> None:
    service, _ = _thing_service(servers)
    async with running(service):
        with pytest.raises(ServiceRefused) as bug:
            await _call(service, CREATE_THING, CreateThing(name="bug"))
        with pytest.raises(ServiceRefused) as anonymous:
            await _call(service, GET_THING, ThingQuery(thing_id="x"))
    assert (bug.value.error.kind, bug.value.error.code) == (ErrorKind.INTERNAL, "internal_error")
    assert "KeyError" not in bug.value.error.message  # the details stay in the service's log
    assert anonymous.value.error.code == "unauthenticated"


async def _raw_request(
    service: Service, address: str, body: bytes, headers: dict[str, Any], reply: bool = True
) -> bytes | None:
    """Publish bytes onto a request queue as a broken or hostile client would."""
    connection = await aio_pika.connect(service.settings.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        replies = await channel.declare_queue(exclusive=True)
        await channel.default_exchange.publish(
            aio_pika.Message(
                body,
                headers=headers,
                message_id=uuid4().hex,
                reply_to=replies.name if reply else None,
            ),
            routing_key=service.topology.rpc_queue_name(address),
        )
        if not reply:
            return None

        async def answered() -> aio_pika.abc.AbstractIncomingMessage | None:
            return await replies.get(fail=False, no_ack=True)

        return (await eventually(answered, what="a reply")).body


async def test_a_request_that_does_not_parse_is_answered_and_dead_lettered(
    servers: Any,
) -> None:
    service, created = _thing_service(servers)
    queue = service.topology.rpc_queue_name(CREATE_THING.address)
    async with running(service):
        answer = await _raw_request(service, CREATE_THING.address, b"not json", {})
        await _raw_request(service, CREATE_THING.address, b'{"name": 1}', {}, reply=False)

        async def both_dead() -> list[Any] | None:
            found = await dead_letters(service, queue)
            return found if len(found) == 2 else None

        dead = await eventually(both_dead, what="two dead letters")
        # The service goes on answering.
        assert (await _call(service, CREATE_THING, CreateThing(name="ok"))).name == "ok"
    assert answer is not None
    assert json.loads(answer)["error"]["code"] == "invalid_request"
    reasons = sorted(str(m.headers[DEAD_LETTER_REASON]) for m in dead)
    assert reasons[0].startswith("a request without reply_to")
    assert "CreateThing" in reasons[1] or "JSON" in reasons[1]
    assert created != []


async def test_an_expired_request_is_not_handled(servers: Any) -> None:
    service, created = _thing_service(servers)
    async with running(service):
        expired = int((time.time() - 1) * 1000)
        answer = await _raw_request(
            service, CREATE_THING.address, b'{"name": "late"}', {DEADLINE: expired}
        )
    assert answer is not None
    assert json.loads(answer)["error"]["kind"] == "unavailable"
    assert created == []


async def test_a_request_answers_database_unavailable_at_once_while_the_database_is_down(
    servers: Any,
) -> None:
    dead_port = free_port()  # nothing listens there
    service, _ = _thing_service(servers)
    down = Service(
        "kittest",
        service.settings.model_copy(update={"mongo_url": f"mongodb://127.0.0.1:{dead_port}/"}),
        database="unreachable",
    )
    down._startup = []

    @down.rpc(GET_THING)
    async def get(request: ThingQuery) -> ThingCreated:
        await down.database.db.things.find_one({"_id": request.thing_id})
        raise AssertionError("unreachable")

    caller = Caller(user_id="u-1", role="customer", customer_codes=("C1",))
    await apply_test_policies(down.settings)
    await down.broker.start()  # the broker only: start-up would wait for the database
    try:
        started = time.monotonic()
        with pytest.raises(ServiceRefused) as refused:
            await _call(down, GET_THING, ThingQuery(thing_id="x", caller=caller))
        elapsed = time.monotonic() - started
        health = await down._health(HealthRequest())
    finally:
        await down.broker.stop()
        await down.database.client.close()
    assert refused.value.error.code == "database_unavailable"
    assert elapsed < 1.0, elapsed
    assert (health.status, health.database) == ("degraded", False)


async def test_an_effect_held_by_a_dead_delivery_is_taken_over_after_its_lease_not_dropped(
    servers: Any,
) -> None:
    # The retries (0.1 s, 0.2 s) are all over long before the 1 s lease: waiting for a held
    # claim must not spend them.
    service = new_service(servers, CLAIM_LEASE_SECONDS="1")
    sent: list[str] = []

    @service.on(BillIssued, transactional=False)
    async def send(event: Event[BillIssued]) -> None:
        async def mail() -> None:
            sent.append(event.payload.number)

        await service.claims.once(f"bill-mail:{event.payload.number}", mail)

    async with running(service):
        # A delivery that claimed the mail and died before sending it.
        dead = Claims(service.claims.collection, timedelta(seconds=1))
        await dead._claim("bill-mail:B-7")
        message_id = await _publish(service, BillIssued(number="B-7"))
        await eventually(lambda: _true(sent), seconds=10, what="the mail taken over")
        await asyncio.sleep(0.5)
        assert await dead_letters(service, _queue(service, BillIssued)) == []
    assert sent == ["B-7"]
    assert message_id


# Dead letters: listed by reason, replayed once what killed them is fixed


async def test_dead_letters_are_listed_with_their_reason_and_the_chosen_ones_replayed(
    servers: Any,
) -> None:
    service = new_service(servers)
    broken = True
    handled: list[str] = []

    @service.on(BillIssued)
    async def record(event: Event[BillIssued], tx: Transaction) -> None:
        if broken:
            raise LookupError("the tariff table is missing")
        handled.append(event.payload.number)

    queue = _queue(service, BillIssued)
    async with running(service):
        first = await _publish(service, BillIssued(number="B-8"))
        second = await _publish(service, BillIssued(number="B-9"))

        async def both_dead() -> list[DeadLetter] | None:
            letters = await list_dead_letters(service.settings, queue)
            return letters if len(letters) == 2 else None

        letters = await eventually(both_dead, what="both dead-lettered")
        # Listing takes nothing off the queue.
        assert len(await list_dead_letters(service.settings, queue)) == 2
        broken = False  # the fix is deployed
        replayed = await replay(service.settings, queue, {first})
        await eventually(lambda: _true(handled), what="the replayed event handled")
        left = await list_dead_letters(service.settings, queue)
    assert {letter.message_id for letter in letters} == {first, second}
    assert all("LookupError: the tariff table is missing" in x.reason for x in letters)
    assert [r.message_id for r in replayed] == [first]
    assert handled == ["B-8"]
    assert [letter.message_id for letter in left] == [second]


async def test_a_poison_message_that_cannot_be_dead_lettered_stays_in_its_queue(
    servers: Any,
) -> None:
    service = new_service(servers)

    @service.on(BillIssued)
    async def record(event: Event[BillIssued], tx: Transaction) -> None:
        raise AssertionError("a message that does not parse never reaches the handler")

    queue = _queue(service, BillIssued)
    async with running(service):
        connection = await aio_pika.connect(service.settings.rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(f"{queue}.dead")  # a mistake of an operator's
            await channel.default_exchange.publish(
                aio_pika.Message(b"junk", message_id="junk-1"), routing_key=queue
            )

        async def held() -> bool:
            return await messages_in(queue) == 1

        # Every attempt to dead-letter it is returned unroutable: it is rejected back each time,
        # and past the delivery limit the broker holds it until its dead letters exist again.
        await eventually(held, what="the message back in its queue")
        await asyncio.sleep(2)
        assert await held()


async def test_a_bad_request_that_cannot_be_dead_lettered_does_not_loop(servers: Any) -> None:
    service, _ = _thing_service(servers)
    queue = service.topology.rpc_queue_name(CREATE_THING.address)
    async with running(service):
        connection = await aio_pika.connect(service.settings.rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(f"{queue}.dead")
        await _raw_request(service, CREATE_THING.address, b"not json", {}, reply=False)

        async def gone() -> bool:
            return await messages_in(queue) == 0

        await eventually(gone, what="the bad request off its queue")
        await asyncio.sleep(1)
        assert await messages_in(queue) == 0  # not requeued over and over
        assert (await _call(service, CREATE_THING, CreateThing(name="ok"))).name == "ok"
