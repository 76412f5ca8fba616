"""The gateway's request/reply client against a real service on the real RabbitMQ."""

import asyncio
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.base import Contract
from sportello_contracts.envelope import Event
from sportello_contracts.identity import ScopeChanged
from sportello_contracts.rpc import Document, ErrorKind, Operation, Refused, Request
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.servers import drop_connection
from sportello_deploy.testing import eventually, random_customer
from sportello_gateway.bus import BusClient, ServiceRefused, ServiceUnavailable
from sportello_kit.middleware import current_message
from sportello_kit.service import Service
from sportello_kit.settings import ServiceSettings
from sportello_kit.topology import IDEMPOTENCY_KEY
from sportello_kit.transaction import Transaction

pytestmark = pytest.mark.asyncio(loop_scope="session")


class EchoRequest(Request):
    text: str
    delay: float = 0.0


class EchoReply(Contract):
    text: str


class WrongShape(Request):
    something_else: int


# Anonymous operations: what is under test is the client, not the check of the caller.
ECHO = Operation("bench.echo.get", EchoRequest, EchoReply, needs_caller=False)
ECHO_WRONG_SHAPE = Operation("bench.echo.get", WrongShape, EchoReply, needs_caller=False)
REFUSE = Operation("bench.echo.refuse", EchoRequest, EchoReply, needs_caller=False)
CRASH = Operation("bench.echo.crash", EchoRequest, EchoReply, needs_caller=False)
NOBODY = Operation("nobody.serves.this", EchoRequest, EchoReply, needs_caller=False)
ECHO_V2 = Operation("bench.echo.get", EchoRequest, EchoReply, version=2, needs_caller=False)
# What the request looked like on arrival: its idempotency key and its AMQP expiration.
ARRIVAL = Operation("bench.echo.arrival", EchoRequest, EchoReply, needs_caller=False)
COUNT = Operation("bench.echo.count", EchoRequest, EchoReply, needs_caller=False, command=True)
# A file as the reply: `text` "refuse" refuses instead.
FILE = Operation("bench.echo.file", EchoRequest, Document, needs_caller=False)
# Every byte value, and more than one AMQP frame's worth (128 KiB by default).
FILE_BYTES = bytes(range(256)) * 1024


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(servers: Any) -> AsyncIterator[BusClient]:
    prefix = f"{servers.prefix}-bus{secrets.token_hex(2)}"
    settings = ServiceSettings.model_validate(
        {"RABBITMQ_URL": servers.rabbitmq_url, "MONGO_URL": servers.mongo_url, "BUS_PREFIX": prefix}
    )
    service = Service("bench", settings, database=f"bench_{secrets.token_hex(4)}")

    @service.rpc(ECHO)
    async def echo(request: EchoRequest) -> EchoReply:
        await asyncio.sleep(request.delay)
        return EchoReply(text=request.text)

    @service.rpc(REFUSE)
    async def refuse(request: EchoRequest) -> EchoReply:
        raise Refused(ErrorKind.CONFLICT, "already_there", "C'è già.", {"text": request.text})

    @service.rpc(CRASH)
    async def crash(request: EchoRequest) -> EchoReply:
        raise RuntimeError("a bug")

    @service.rpc(ARRIVAL)
    async def arrival(request: EchoRequest) -> EchoReply:
        message = current_message.get()
        assert message is not None
        key = message.headers.get(IDEMPOTENCY_KEY)
        return EchoReply(text=f"{key}|{message.raw_message.expiration}")

    @service.rpc(FILE)
    async def file(request: EchoRequest) -> Document:
        if request.text == "refuse":
            raise Refused(ErrorKind.NOT_FOUND, "bill_not_found", "Bolletta non trovata.")
        digest = hashlib.sha256(FILE_BYTES).hexdigest()
        return Document(
            media_type="application/pdf", filename=request.text, sha256=digest, content=FILE_BYTES
        )

    calls = 0

    @service.rpc(COUNT)
    async def count(request: EchoRequest, tx: Transaction) -> EchoReply:
        nonlocal calls
        calls += 1
        return EchoReply(text=f"{request.text}-{calls}")

    await service.app.start()
    bus = BusClient(servers.rabbitmq_url, service.topology, timeout=5, name=f"test-{prefix}")
    await bus.connect()
    yield bus
    await bus.close()
    await service.app.stop()


async def test_a_call_returns_the_typed_reply(client: BusClient) -> None:
    reply = await client.call(ECHO, EchoRequest(text="ciao"))
    assert reply == EchoReply(text="ciao")


async def test_a_file_comes_back_as_its_bytes_and_a_refusal_of_it_as_json(
    client: BusClient,
) -> None:
    document = await client.call(FILE, EchoRequest(text="bolletta.pdf"))
    assert document.content == FILE_BYTES
    assert (document.media_type, document.filename) == ("application/pdf", "bolletta.pdf")
    assert document.sha256 == hashlib.sha256(FILE_BYTES).hexdigest()
    with pytest.raises(ServiceRefused) as refused:
        await client.call(FILE, EchoRequest(text="refuse"))
    assert refused.value.error.code == "bill_not_found"


async def test_many_calls_in_flight_each_get_their_own_reply(client: BusClient) -> None:
    texts = [f"call-{i}" for i in range(300)]
    # Replies come back in another order than the calls went out: each must find its caller.
    replies = await asyncio.gather(
        *(client.call(ECHO, EchoRequest(text=t, delay=(i % 7) / 200)) for i, t in enumerate(texts))
    )
    assert [r.text for r in replies] == texts


async def test_a_refusal_arrives_as_a_typed_error(client: BusClient) -> None:
    with pytest.raises(ServiceRefused) as refused:
        await client.call(REFUSE, EchoRequest(text="x"))
    error = refused.value.error
    assert (error.kind, error.code, error.details) == (
        ErrorKind.CONFLICT,
        "already_there",
        {"text": "x"},
    )


async def test_a_request_of_the_wrong_shape_is_refused_as_invalid(client: BusClient) -> None:
    with pytest.raises(ServiceRefused) as refused:
        await client.call(ECHO_WRONG_SHAPE, WrongShape(something_else=1))
    assert refused.value.error.kind == ErrorKind.INVALID
    assert refused.value.error.code == "invalid_request"
    errors = refused.value.error.details["errors"]
    assert isinstance(errors, list)
    fields = [str(e["field"]) for e in errors if isinstance(e, dict)]
    assert any("text" in f for f in fields)


async def test_a_handler_bug_is_an_internal_error_not_silence(client: BusClient) -> None:
    with pytest.raises(ServiceRefused) as refused:
        await client.call(CRASH, EchoRequest(text="x"))
    assert refused.value.error.kind == ErrorKind.INTERNAL
    assert "a bug" not in refused.value.error.message  # internals stay in the service's log


async def test_a_slow_service_fails_at_the_deadline_and_not_before(client: BusClient) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as unavailable:
        await client.call(ECHO, EchoRequest(text="x", delay=2), timeout=0.5)
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 1.5
    assert unavailable.value.service == "bench"
    # The client is still fine afterwards.
    assert (await client.call(ECHO, EchoRequest(text="after"))).text == "after"


async def test_requests_carry_the_idempotency_key_given_and_no_expiration(
    client: BusClient,
) -> None:
    # The service drops an expired request by its deadline header: a broker expiration would
    # dead-letter it as if it were poison.
    with_key = await client.call(ARRIVAL, EchoRequest(text="x"), idempotency_key="order:42")
    assert with_key.text == "order:42|None"
    assert (await client.call(ARRIVAL, EchoRequest(text="x"))).text == "None|None"


async def test_a_command_retried_with_its_key_gets_the_first_reply(client: BusClient) -> None:
    key = secrets.token_hex(8)
    first = await client.call(COUNT, EchoRequest(text="a"), idempotency_key=key)
    again = await client.call(COUNT, EchoRequest(text="a"), idempotency_key=key)
    other = await client.call(COUNT, EchoRequest(text="a"), idempotency_key=key + "-2")
    assert again == first
    assert other != first
    with pytest.raises(ServiceRefused) as refused:
        await client.call(COUNT, EchoRequest(text="b"), idempotency_key=key)
    assert refused.value.error.code == "idempotency_key_reused"


@pytest.mark.parametrize("operation", [NOBODY, ECHO_V2], ids=["unknown", "unserved version"])
async def test_an_operation_nobody_serves_fails_at_once(
    client: BusClient, operation: Operation[EchoRequest, EchoReply]
) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as unavailable:
        await client.call(operation, EchoRequest(text="x"), timeout=5)
    assert time.monotonic() - started < 1
    assert unavailable.value.reason == "no service running"


async def test_followed_events_reach_the_gateway(client: BusClient, servers: Any) -> None:
    received: list[bytes] = []
    elsewhere: list[bytes] = []

    async def collect(body: bytes) -> None:
        received.append(body)

    async def other(body: bytes) -> None:
        elsewhere.append(body)

    await client.follow([ScopeChanged.ROUTING_KEY], collect)
    # Another key, followed apart: published events must have a queue (mandatory publishing).
    await client.follow([CustomerOnboarded.ROUTING_KEY], other)
    async with BackOffice(servers.rabbitmq_url, client.topology.prefix) as producer:
        changed = ScopeChanged(account_id="acc-9", customer_codes=("C00000009",))
        await producer.publish(changed)
        await producer.publish(random_customer().onboarded)

    async def both_arrived() -> bool:
        return bool(received and elsewhere)

    await eventually(both_arrived, what="the followed events")
    (body,) = received
    assert Event[ScopeChanged].model_validate_json(body).payload == changed


async def test_calls_work_again_after_the_broker_drops_the_connection(
    client: BusClient, servers: Any
) -> None:
    await drop_connection(client.name)

    async def answered() -> bool:
        try:
            return (await client.call(ECHO, EchoRequest(text="again"), timeout=1)).text == "again"
        except ServiceUnavailable:  # while reconnecting: a clean 503, never anything else
            return False

    await eventually(answered, seconds=15, what="a reply after the reconnection")
    # What nobody takes comes back again: the queue of unrouted requests was restored too.
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as unavailable:
        await client.call(NOBODY, EchoRequest(text="x"), timeout=5)
    assert time.monotonic() - started < 1
    assert unavailable.value.reason == "no service running"
