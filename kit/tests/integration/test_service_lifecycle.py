"""A service's life on the real broker: topology at start, health, finishing work on shutdown."""

import asyncio
import contextlib
import json
import secrets
from typing import Any

import aio_pika
import pytest

from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import Event
from sportello_contracts.health import HealthRequest
from sportello_contracts.identity import ScopeChanged
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.servers import drop_connection, free_port
from sportello_deploy.testing import eventually, random_customer
from sportello_kit.service import Service
from sportello_kit.settings import ServiceSettings
from sportello_kit.transaction import Transaction

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _service(servers: Any) -> Service:
    settings = ServiceSettings.model_validate(
        {
            "RABBITMQ_URL": servers.rabbitmq_url,
            "MONGO_URL": servers.mongo_url,
            "BUS_PREFIX": f"{servers.prefix}-life{secrets.token_hex(2)}",
            "GRACEFUL_TIMEOUT": "10",
        }
    )
    return Service("lifecycle", settings, database=f"life_{secrets.token_hex(4)}")


async def test_start_declares_the_subscription_and_its_dead_letter_queue(servers: Any) -> None:
    service = _service(servers)

    @service.on(CustomerOnboarded)
    async def onboarded(event: Event[CustomerOnboarded], tx: Transaction) -> None:
        pass

    await service.app.start()
    try:
        assert service.consumers_attached()
        health = await service._health(HealthRequest())
        assert (health.status, health.database, health.consumers_attached) == ("ok", True, True)
        name = service.topology.event_queue_name("lifecycle", CustomerOnboarded.ROUTING_KEY)
        connection = await aio_pika.connect(servers.rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            # Passive declarations: they fail if the queues do not exist.
            await channel.declare_queue(name, passive=True)
            await channel.declare_queue(f"{name}.dead", passive=True)
    finally:
        await service.app.stop()
    assert not service.consumers_attached()


async def test_stopping_finishes_the_message_in_hand_before_closing(servers: Any) -> None:
    service = _service(servers)
    started, finished = asyncio.Event(), asyncio.Event()

    @service.on(CustomerOnboarded)
    async def slow(event: Event[CustomerOnboarded], tx: Transaction) -> None:
        started.set()
        await asyncio.sleep(1)
        finished.set()

    await service.app.start()
    async with BackOffice(servers.rabbitmq_url, service.settings.bus_prefix) as backoffice:
        await backoffice.publish(random_customer().onboarded)
    await asyncio.wait_for(started.wait(), 10)
    await service.app.stop()  # what SIGTERM does
    assert finished.is_set()

    # It was acknowledged: nothing is left to redeliver.
    name = service.topology.event_queue_name("lifecycle", CustomerOnboarded.ROUTING_KEY)
    connection = await aio_pika.connect(servers.rabbitmq_url)
    async with connection:
        channel = await connection.channel()

        async def empty() -> bool:
            queue = await channel.declare_queue(name, passive=True)
            return queue.declaration_result.message_count == 0

        await eventually(empty, what="the queue to be empty")


async def test_a_service_resumes_consuming_after_the_broker_drops_its_connection(
    servers: Any,
) -> None:
    service = _service(servers)
    handled: list[str] = []

    @service.on(CustomerOnboarded)
    async def onboarded(event: Event[CustomerOnboarded], tx: Transaction) -> None:
        handled.append(event.payload.customer_code)

    await service.app.start()
    try:
        await drop_connection(f"{service.settings.bus_prefix}:lifecycle")

        async def attached() -> bool:
            return service.consumers_attached()

        await eventually(attached, seconds=20, what="consumers attached again")
        customer = random_customer()
        async with BackOffice(servers.rabbitmq_url, service.settings.bus_prefix) as backoffice:
            await backoffice.publish(customer.onboarded)

        async def consumed() -> bool:
            return customer.customer_code in handled

        await eventually(consumed, seconds=20, what="an event consumed after the reconnection")
    finally:
        # After a dropped connection, stopping can wait for ever on a consumer's cancel (seen
        # once in ~20 runs: aio-pika's cancel has no timeout). Bounded, as an orchestrator's
        # grace period would; what this test checks happened before.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(service.app.stop(), 30)


async def _get(port: int, request: bytes) -> tuple[str, bytes]:
    # Bounded: a probe that never answers must fail this test, not hang the suite.
    async with asyncio.timeout(5):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        try:
            answer = await reader.read()
        except ConnectionResetError:
            answer = b""  # closed with our garbage unread: a reset rather than an end
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), body


async def test_the_liveness_probe_fails_once_the_relay_stops_ticking(servers: Any) -> None:
    port = free_port()
    settings = ServiceSettings.model_validate(
        {
            "RABBITMQ_URL": servers.rabbitmq_url,
            "MONGO_URL": servers.mongo_url,
            "BUS_PREFIX": f"{servers.prefix}-live{secrets.token_hex(2)}",
            "PROBE_PORT": str(port),
            "LIVENESS_SECONDS": "1.5",
        }
    )
    service = Service("lively", settings, database=f"live_{secrets.token_hex(4)}")
    await service.app.start()
    try:
        status, body = await _get(port, b"GET /live HTTP/1.1\r\nHost: pod\r\n\r\n")
        assert status == "HTTP/1.1 200 OK"
        assert json.loads(body) == {
            "alive": True,
            "consumers_attached": True,
            "relay_ticking": True,
        }
        assert (await _get(port, b"GET /other HTTP/1.1\r\n\r\n"))[0] == "HTTP/1.1 404 Not Found"
        # Not HTTP at all: the connection is closed without an answer, and the probe goes on.
        assert await _get(port, b"\x00" * 10_000) == ("", b"")

        # A relay stuck on a call that never returns, as far as the probe can tell.
        await service.relay.stop()

        async def failing() -> bool:
            status, _ = await _get(port, b"GET /live HTTP/1.1\r\n\r\n")
            return status == "HTTP/1.1 503 Service Unavailable"

        await eventually(failing, seconds=5, what="the probe failing")
        health = await service._health(HealthRequest())
        assert (health.status, health.relay_ticking) == ("degraded", False)
    finally:
        async with asyncio.timeout(30):
            await service.app.stop()
    with pytest.raises(ConnectionRefusedError):
        await _get(port, b"GET /live HTTP/1.1\r\n\r\n")  # gone with the service


async def test_a_transaction_outside_handlers_commits_its_writes_and_events_together(
    servers: Any,
) -> None:
    service = _service(servers)
    notes = service.database.db.notes
    changed = ScopeChanged(account_id="acc-1", customer_codes=())

    async def note_and_announce(tx: Transaction) -> str:
        await notes.insert_one({"_id": "kept"}, session=tx.session)
        await tx.emit(changed)
        return "done"

    async def note_then_fail(tx: Transaction) -> None:
        await notes.insert_one({"_id": "lost"}, session=tx.session)
        await tx.emit(changed)
        raise RuntimeError("after the writes")

    assert await service.transaction(note_and_announce) == "done"
    with pytest.raises(RuntimeError):
        await service.transaction(note_then_fail)

    assert [d["_id"] async for d in notes.find()] == ["kept"]
    assert await service.outbox.collection.count_documents({}) == 1
    await service.database.client.close()
