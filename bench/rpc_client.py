"""Benchmark of the gateway's request/reply client against a plain aio-pika one and broker.request.

    .venv/bin/python bench/rpc_client.py [--slices 10] [--seconds 1.0]

One FastStream handler (the kit's `Service`, in its own process) answers `bench.echo.get`; three
clients call it from this process, at 1, 32 and 128 calls in flight:
  - `BusClient`: the gateway's client, the piece under test;
  - plain aio-pika: a minimal multiplexed client (direct reply-to, correlation ids, futures),
    the baseline;
  - FastStream's `broker.request`, which holds one lock per call.
At each level the clients take turns in short windows (slices), in rotating order. Calls per
second are the median over slices, latencies are over every call timed, and each ratio is the
median of the per-slice ratios to the baseline.
"""

import argparse
import asyncio
import importlib.metadata
import json
import math
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol
from uuid import uuid4

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from clocks import TICK, cpu_seconds
from echo_service import ECHO, EchoRequest
from faststream.rabbit import RabbitBroker

from sportello_deploy.servers import SecantusDB, delete_broker_objects, free_port, reachable
from sportello_gateway.bus import BusClient
from sportello_kit.topology import Topology

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
IN_FLIGHT = (1, 32, 128)
TARGET_IN_FLIGHT, TARGET_RATIO = 32, 0.8
SETTLE = 0.25  # seconds of calls before a window opens
CALL_TIMEOUT = 10.0  # seconds: far above any latency seen, so a lost reply shows as an error
TEXT = "ping"
HANDLER = Path(__file__).with_name("echo_service.py")


class Client(Protocol):
    name: str

    async def connect(self) -> None: ...

    async def echo(self) -> None:
        """One call: send, wait for the reply, read it and check it."""

    async def close(self) -> None: ...


class GatewayClient:
    name = "BusClient"

    def __init__(self, url: str, topology: Topology) -> None:
        self.bus = BusClient(url, topology, timeout=CALL_TIMEOUT)
        self.request = EchoRequest(text=TEXT)

    async def connect(self) -> None:
        await self.bus.connect()

    async def echo(self) -> None:
        reply = await self.bus.call(ECHO, self.request)
        _check(reply.text)

    async def close(self) -> None:
        await self.bus.close()


class PlainClient:
    """The baseline: what a hand-written aio-pika client multiplexing calls does, and no more."""

    name = "plain aio-pika"

    def __init__(self, url: str, queue: str) -> None:
        self.url = url
        self.queue = queue
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._pending: dict[str, asyncio.Future[bytes]] = {}

    async def connect(self) -> None:
        self._connection = await aio_pika.connect(self.url)
        # Replies come back on the channel that published the requests: one channel for both.
        self._channel = await self._connection.channel(publisher_confirms=False)
        replies = await self._channel.get_queue(DIRECT_REPLY_TO, ensure=False)
        await replies.consume(self._on_reply, no_ack=True)

    async def echo(self) -> None:
        assert self._channel is not None
        call_id = uuid4().hex
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        try:
            await self._channel.default_exchange.publish(
                aio_pika.Message(
                    json.dumps({"caller": None, "text": TEXT}).encode(),
                    content_type="application/json",
                    correlation_id=call_id,
                    reply_to=DIRECT_REPLY_TO,
                ),
                routing_key=self.queue,
            )
            body = await asyncio.wait_for(future, CALL_TIMEOUT)
        finally:
            self._pending.pop(call_id, None)
        _check_reply(json.loads(body))

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        # A coroutine function, as aio-pika's `consume` asks for (it warns on every reply if not).
        future = self._pending.get(message.correlation_id or "")
        if future is not None and not future.done():
            future.set_result(message.body)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()


class FastStreamClient:
    name = "broker.request"

    def __init__(self, url: str, queue: str) -> None:
        # Its own connection, with FastStream's defaults (publisher confirms included).
        self.broker = RabbitBroker(url)
        self.queue = queue

    async def connect(self) -> None:
        await self.broker.connect()

    async def echo(self) -> None:
        message = await self.broker.request(
            json.dumps({"caller": None, "text": TEXT}).encode(),
            self.queue,
            content_type="application/json",
            timeout=CALL_TIMEOUT,
        )
        _check_reply(json.loads(message.body))

    async def close(self) -> None:
        await self.broker.stop()


def _check_reply(reply: dict[str, Any]) -> None:
    if reply.get("error") is not None:
        raise RuntimeError(f"the handler refused: {reply['error']}")
    _check(reply["result"]["text"])


def _check(text: str) -> None:
    if text != TEXT:
        raise RuntimeError(f"unexpected reply {text!r}")


@dataclass(frozen=True)
class CpuTimes:
    """CPU seconds spent by this process (the client), by the handler, and by the rest."""

    client: float
    handler: float
    # The rest of the machine: other work on a shared machine skews the figures. RabbitMQ's
    # share is in it too, since it is busy with our calls (and with anyone else's).
    elsewhere: float

    def __sub__(self, other: "CpuTimes") -> "CpuTimes":
        return CpuTimes(
            self.client - other.client,
            self.handler - other.handler,
            self.elsewhere - other.elsewhere,
        )


class CpuWatch:
    """Reads the CPU clocks of the client, the handler and the whole machine."""

    def __init__(self, handler_pid: int) -> None:
        self.handler_pid = handler_pid
        self.available = Path("/proc/stat").exists()  # Linux only; elsewhere, just the client

    def snapshot(self) -> CpuTimes:
        client = time.process_time()
        if not self.available:
            return CpuTimes(client, math.nan, math.nan)
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        # user, nice, system, irq, softirq, steal: all but idle and iowait.
        busy = sum(int(fields[i]) for i in (0, 1, 2, 5, 6, 7)) / TICK
        ours, handler = cpu_seconds(os.getpid()), cpu_seconds(self.handler_pid)
        return CpuTimes(client, handler, busy - ours - handler)


NO_CPU = CpuTimes(math.nan, math.nan, math.nan)


@dataclass(frozen=True)
class Slice:
    """One client's turn at one level: the calls completed inside its window are timed."""

    latencies: list[float]  # seconds
    errors: int
    seconds: float  # the window
    calls: int  # every call completed, timed or not
    elapsed: float = math.nan  # the whole turn, with the calls before and after the window
    cpu: CpuTimes = NO_CPU  # spent during the whole turn

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def elsewhere(self) -> float:
        """Cores busy outside the client and handler processes, on average."""
        return self.cpu.elsewhere / self.elapsed


async def measure(client: Client, in_flight: int, seconds: float) -> Slice:
    """`in_flight` workers calling back to back; what completes inside the window is timed.

    The window opens after SETTLE so the burst of first calls is not timed, and calls still in
    flight when it closes finish untimed, so every figure is of the steady state.
    """
    latencies: list[float] = []
    calls = errors = 0
    opens = time.perf_counter() + SETTLE
    closes = opens + seconds

    async def worker() -> None:
        nonlocal calls, errors
        while (started := time.perf_counter()) < closes:
            try:
                await client.echo()
            except Exception:
                errors += 1
                continue
            finished = time.perf_counter()
            calls += 1
            if opens <= finished <= closes:
                latencies.append(finished - started)

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return Slice(latencies, errors, seconds, calls)


async def watched(watch: CpuWatch, measurement: Awaitable[Slice]) -> Slice:
    before, started = watch.snapshot(), time.perf_counter()
    result = await measurement
    elapsed = time.perf_counter() - started
    return replace(result, elapsed=elapsed, cpu=watch.snapshot() - before)


Results = dict[tuple[str, int], list[Slice]]


async def run_slices(clients: list[Client], watch: CpuWatch, args: argparse.Namespace) -> Results:
    """Short windows, the clients taking turns: load from elsewhere falls on all of them alike."""
    results: Results = {(c.name, n): [] for c in clients for n in IN_FLIGHT}
    for in_flight in IN_FLIGHT:
        for number in range(args.slices):
            # Rotating the order so no client always goes first (or last).
            shift = number % len(clients)
            line = [f"{in_flight:>4} in flight, slice {number + 1:>2}:"]
            for client in clients[shift:] + clients[:shift]:
                result = await watched(watch, measure(client, in_flight, args.seconds))
                results[(client.name, in_flight)].append(result)
                line.append(f"{client.name} {result.rate:5.0f}/s ({result.elsewhere:.2f})")
            print("  ".join(line), flush=True)
    return results


def setup() -> str:
    """When and on what the figures were taken."""
    versions = ", ".join(
        f"{package} {importlib.metadata.version(package)}"
        for package in ("aio-pika", "aiormq", "faststream", "pydantic")
    )
    return (
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {versions}"
    )


async def warm_up(clients: list[Client]) -> None:
    """Connections, code paths and the handler's caches hot before anything is timed."""
    for client in clients:
        for in_flight in IN_FLIGHT:
            await measure(client, in_flight, seconds=0.5)


def ratio(results: Results, name: str, baseline: str, in_flight: int) -> float:
    """The median of the per-slice ratios: each slice runs both clients back to back."""
    pairs = zip(results[(name, in_flight)], results[(baseline, in_flight)], strict=True)
    return statistics.median(s.rate / b.rate for s, b in pairs)


def percentiles_ms(slices: list[Slice]) -> tuple[float, float]:
    latencies = [latency for s in slices for latency in s.latencies]
    if len(latencies) < 2:
        return math.nan, math.nan
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1e3, cuts[98] * 1e3


def cpu_per_call_us(slices: list[Slice]) -> tuple[float, float]:
    """Microseconds of CPU per call, in the client process and in the handler process."""
    calls = sum(s.calls for s in slices)
    client = sum(s.cpu.client for s in slices)
    handler = sum(s.cpu.handler for s in slices)
    return client / calls * 1e6, handler / calls * 1e6


def table(results: Results, names: list[str], baseline: str) -> str:
    lines = [
        "| client | in flight | calls/s | p50 ms | p99 ms | vs plain aio-pika "
        "| client CPU µs/call | handler CPU µs/call | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for in_flight in IN_FLIGHT:
        for name in names:
            slices = results[(name, in_flight)]
            p50, p99 = percentiles_ms(slices)
            client_cpu, handler_cpu = cpu_per_call_us(slices)
            lines.append(
                f"| {name} | {in_flight} "
                f"| {statistics.median(s.rate for s in slices):,.0f} "
                f"| {p50:.2f} | {p99:.2f} "
                f"| {ratio(results, name, baseline, in_flight):.2f} "
                f"| {client_cpu:.0f} | {handler_cpu:.0f} "
                f"| {sum(s.errors for s in slices)} |"
            )
    return "\n".join(lines)


async def wait_for_consumer(url: str, queue: str, handler: subprocess.Popen[bytes]) -> None:
    """Until the handler consumes from its queue (a passive declare fails while it is absent)."""
    deadline = time.monotonic() + 60
    connection = await aio_pika.connect(url)
    async with connection:
        while time.monotonic() < deadline:
            if handler.poll() is not None:
                raise RuntimeError("the handler exited before it was ready")
            channel = await connection.channel()
            try:
                declared = await channel.declare_queue(queue, passive=True)
                if declared.declaration_result.consumer_count:
                    return
            except aio_pika.exceptions.ChannelClosed:
                pass  # not declared yet; the failed declare closed that channel
            finally:
                if not channel.is_closed:
                    await channel.close()
            await asyncio.sleep(0.2)
    raise RuntimeError("the handler did not start consuming in time")


@contextmanager
def handler_process(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """The echo service in a process of its own, so it does not share the clients' event loop.

    Stopped the way a service is: SIGTERM, then it finishes the messages in hand.
    """
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, str(HANDLER)], env=env, stdout=log, stderr=log
        )
        try:
            yield process
        except BaseException:
            _print_log(log)
            raise
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _print_log(log: IO[bytes]) -> None:
    log.seek(0)
    print("handler output:\n" + log.read().decode(errors="replace")[-4000:], file=sys.stderr)


async def bench(
    url: str, topology: Topology, watch: CpuWatch, args: argparse.Namespace
) -> tuple[Results, list[str]]:
    queue = topology.rpc_queue_name(ECHO.address)
    clients: list[Client] = [
        GatewayClient(url, topology),
        PlainClient(url, queue),
        FastStreamClient(url, queue),
    ]
    print(setup())
    print("Each slice: calls/s of each client, (cores busy outside the client and handler).")
    try:
        for client in clients:
            await client.connect()
        await warm_up(clients)
        results = await run_slices(clients, watch, args)
    finally:
        for client in clients:
            await client.close()
    return results, [c.name for c in clients]


def report(results: Results, names: list[str]) -> None:
    print()
    print(table(results, names, PlainClient.name))
    target = ratio(results, GatewayClient.name, PlainClient.name, TARGET_IN_FLIGHT)
    verdict = "meets" if target >= TARGET_RATIO else "misses"
    print(
        f"\nBusClient / plain aio-pika at {TARGET_IN_FLIGHT} in flight: {target:.2f} "
        f"({verdict} the {TARGET_RATIO} target)"
    )
    elsewhere = [s.elsewhere for slices in results.values() for s in slices]
    print(
        f"CPU busy outside the client and handler (RabbitMQ included): median "
        f"{statistics.median(elsewhere):.2f} cores, at most {max(elsewhere):.2f}, "
        f"of {os.cpu_count()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=10, help="windows per client and level")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one window")
    args = parser.parse_args()
    url = RABBITMQ_URL  # this machine's broker only: a benchmark sends no traffic elsewhere
    if not reachable("127.0.0.1", 5672):
        sys.exit("RabbitMQ is not running on 127.0.0.1:5672: start it (rabbitmq-server -detached)")
    # A prefix of its own: nothing collides with a local run, and cleanup finds everything.
    prefix = f"bench-{secrets.token_hex(4)}"
    database = SecantusDB(port=free_port(), storage=":memory:")
    database.start()
    env = {
        **os.environ,
        "RABBITMQ_URL": url,
        "MONGO_URL": database.url,
        "BUS_PREFIX": prefix,
        "GRACEFUL_TIMEOUT": "5",
    }
    try:
        with handler_process(env) as handler:
            topology = Topology(prefix)
            asyncio.run(wait_for_consumer(url, topology.rpc_queue_name(ECHO.address), handler))
            watch = CpuWatch(handler.pid)
            results, names = asyncio.run(bench(url, topology, watch, args))
        report(results, names)
    finally:
        database.stop()
        asyncio.run(delete_broker_objects(url, prefix))


if __name__ == "__main__":
    main()
