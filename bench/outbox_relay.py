"""Benchmark of the outbox relay against a plain publisher-confirms loop, on the same broker.

    .venv/bin/python bench/outbox_relay.py [--records 10000] [--rounds 3] [--batch 200]

A backlog of `--records` outbox records (the document shape of `Outbox.add`, inserted in bulk)
is published by `OutboxRelay.publish_pending` (the piece under test: it holds the lease, reads
a batch in order of writing, publishes it through the kit's `Publisher` with confirms, marks it
sent, and again); the baseline publishes the same bodies with aio-pika alone, with publisher
confirms, in batches of the same size, awaiting every confirm of a batch before the next. Only
the relay's database reads and writes (and the kit's thin publisher) differ. Both publish to a
topic exchange of a throwaway prefix bound to one queue, emptied after every round; the two
take turns, round after round, in alternating order. For orientation a third figure, the kit's
`Publisher.publish_many` alone (no database), shows how much of any gap is the publisher's.
"""

import argparse
import asyncio
import importlib.metadata
import math
import os
import platform
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange
from clocks import cpu_seconds
from pamqp.commands import Basic
from pymongo import ASCENDING, AsyncMongoClient, UpdateOne

from sportello_contracts.envelope import Event
from sportello_contracts.identity import ScopeChanged
from sportello_deploy.servers import SecantusDB, delete_broker_objects, free_port, reachable
from sportello_kit.outbox import LEASE, UNSENT, Lease, Outbox, OutboxRelay
from sportello_kit.publisher import Outgoing, Publisher
from sportello_kit.topology import Topology

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
TARGET_RATIO = 0.5
RELAY, PLAIN, PUBLISHER = "outbox relay", "plain aio-pika", "kit Publisher, no database"


@dataclass(frozen=True)
class Record:
    """One outbox record's content: what both sides publish."""

    record_id: str
    routing_key: str
    correlation_id: str
    body: str


def make_records(count: int) -> list[Record]:
    """Real events (identity's `ScopeChanged`, ~330 bytes of JSON), as a service would write."""
    records = []
    for number in range(count):
        event = Event[ScopeChanged].new(
            ScopeChanged(account_id=uuid4().hex, customer_codes=(f"C{number:08d}",)),
            producer="identity",
            correlation_id=uuid4().hex,
        )
        records.append(
            Record(str(event.event_id), event.type, event.correlation_id, event.model_dump_json())
        )
    return records


def outbox_document(record: Record, exchange: str, order: int) -> dict[str, Any]:
    """The document `Outbox.add` inserts (`Outbox._insert`), built here to insert in bulk."""
    return {
        "_id": record.record_id,
        "message_id": record.record_id,
        "exchange": exchange,
        "routing_key": record.routing_key,
        "correlation_id": record.correlation_id,
        "body": record.body,
        "created_at": datetime.now(UTC),
        "order": order,
        "sent_at": None,
        "parked": False,
        "attempts": 0,
    }


class CpuWatch:
    """CPU seconds of this process and of the database process (Linux /proc; else NaN)."""

    def __init__(self, database_pid: int | None) -> None:
        self.database_pid = database_pid

    def snapshot(self) -> tuple[float, float]:
        database = math.nan
        if self.database_pid is not None and Path(f"/proc/{self.database_pid}/stat").exists():
            database = cpu_seconds(self.database_pid)
        return time.process_time(), database


@dataclass(frozen=True)
class Round:
    events: int
    seconds: float
    client_cpu: float  # seconds of this process
    database_cpu: float  # seconds of the database process

    @property
    def rate(self) -> float:
        return self.events / self.seconds


async def timed(watch: CpuWatch, run: Callable[[], Awaitable[int]]) -> Round:
    cpu_before, started = watch.snapshot(), time.perf_counter()
    events = await run()
    seconds = time.perf_counter() - started
    cpu_after = watch.snapshot()
    return Round(events, seconds, cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1])


class Bench:
    def __init__(self, url: str, mongo_url: str, prefix: str, args: argparse.Namespace) -> None:
        self.url = url
        self.topology = Topology(prefix)
        self.exchange_name = self.topology.events.name
        self.queue_name = f"{prefix}.bench.sink"
        self.batch = args.batch
        self.client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            mongo_url, tz_aware=True, uuidRepresentation="standard"
        )
        self.db = self.client[f"bench_outbox_{prefix.replace('-', '_')}"]
        self.publisher = Publisher(url, "bench-outbox-relay")
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._order = 0
        self._round = 0

    async def connect(self) -> None:
        self._connection = await aio_pika.connect(self.url)
        setup = await self._connection.channel()
        await setup.declare_exchange(self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        # A quorum queue, like every subscription; persistent messages, like every event.
        queue = await setup.declare_queue(
            self.queue_name, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await queue.bind(self.exchange_name, routing_key="#")
        await setup.close()
        # The baseline's own channel, with publisher confirms.
        self._channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await self._channel.get_exchange(self.exchange_name, ensure=False)
        await self.publisher.connect()

    async def close(self) -> None:
        await self.publisher.close()
        if self._connection is not None:
            channel = await self._connection.channel()
            await channel.queue_delete(self.queue_name)
            await channel.exchange_delete(self.exchange_name)
            await self._connection.close()
        await self.client.drop_database(self.db.name)
        await self.client.close()

    async def queued(self) -> int:
        assert self._connection is not None
        channel = await self._connection.channel()
        declared = await channel.declare_queue(self.queue_name, passive=True)
        await channel.close()
        return declared.declaration_result.message_count or 0

    async def empty_queue(self) -> None:
        assert self._connection is not None
        channel = await self._connection.channel()
        queue = await channel.get_queue(self.queue_name, ensure=False)
        await queue.purge()
        await channel.close()

    async def fresh_outbox(self, records: list[Record]) -> OutboxRelay:
        """A new outbox collection holding `records` unsent, and a relay over it (untimed)."""
        self._round += 1
        outbox = Outbox(self.db[f"outbox_{self._round}"], self.topology)
        await outbox.create_indexes()
        documents = []
        for record in records:
            self._order += 1
            documents.append(outbox_document(record, self.exchange_name, self._order))
        for start in range(0, len(documents), 2000):
            await outbox.collection.insert_many(documents[start : start + 2000], ordered=False)
        lease = Lease(self.db[f"leases_{self._round}"], LEASE, seconds=30)
        return OutboxRelay(outbox, self.publisher, lease, batch=self.batch)

    async def breakdown(self, records: list[Record]) -> tuple[float, float, float]:
        """Seconds of the relay's three database steps on a full backlog, each timed alone.

        The lease renewal, the read of the next batch (the relay's own query) and the marking of
        one batch as sent: where the relay's time goes when the backlog is `len(records)`.
        """
        relay = await self.fresh_outbox(records)
        started = time.perf_counter()
        await relay.lease.hold()
        lease = time.perf_counter() - started
        started = time.perf_counter()
        batch = (
            await relay.outbox.collection.find(UNSENT)
            .sort("order", ASCENDING)
            .limit(self.batch)
            .to_list()
        )
        read = time.perf_counter() - started
        started = time.perf_counter()
        now = datetime.now(UTC)
        await relay.outbox.collection.bulk_write(
            [UpdateOne({"_id": r["_id"]}, {"$set": {"sent_at": now}}) for r in batch],
            ordered=False,
        )
        mark = time.perf_counter() - started
        await relay.outbox.collection.drop()
        return lease, read, mark

    async def run_relay(self, relay: OutboxRelay) -> int:
        published = await relay.publish_pending()
        await relay.lease.release()
        return published

    async def run_plain(self, records: list[Record]) -> int:
        """The baseline: the same bodies and properties, aio-pika alone, confirmed per batch."""
        exchange = self._exchange
        assert exchange is not None
        published = 0
        for start in range(0, len(records), self.batch):
            chunk = records[start : start + self.batch]
            confirms = await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(
                            r.body.encode(),
                            headers={},
                            content_type="application/json",
                            message_id=r.record_id,
                            correlation_id=r.correlation_id,
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        routing_key=r.routing_key,
                        mandatory=False,
                    )
                    for r in chunk
                )
            )
            published += sum(isinstance(c, Basic.Ack) for c in confirms)
        return published

    async def run_publisher(self, records: list[Record]) -> int:
        """The kit's Publisher alone: what the relay publishes through, without its database."""
        published = 0
        for start in range(0, len(records), self.batch):
            outcome = await self.publisher.publish_many(
                [
                    Outgoing(
                        body=r.body.encode(),
                        exchange=self.exchange_name,
                        routing_key=r.routing_key,
                        message_id=r.record_id,
                        correlation_id=r.correlation_id,
                        mandatory=False,
                    )
                    for r in records[start : start + self.batch]
                ]
            )
            published += sum(failure is None for failure in outcome)
        return published

    async def one(self, name: str, records: list[Record], watch: CpuWatch) -> Round:
        """One timed round of `name` over `records`; checks that every event reached the queue."""
        await self.empty_queue()
        if name == RELAY:
            relay = await self.fresh_outbox(records)
            result = await timed(watch, lambda: self.run_relay(relay))
            unsent = await relay.outbox.collection.count_documents({"sent_at": None})
            if unsent:
                raise RuntimeError(f"the relay left {unsent} records unsent")
            await relay.outbox.collection.drop()
        elif name == PLAIN:
            result = await timed(watch, lambda: self.run_plain(records))
        else:
            result = await timed(watch, lambda: self.run_publisher(records))
        queued = await self.queued()
        if result.events != len(records) or queued != len(records):
            raise RuntimeError(
                f"{name}: {result.events} confirmed, {queued} queued, of {len(records)}"
            )
        await self.empty_queue()
        return result


def setup_line() -> str:
    versions = ", ".join(
        f"{package} {importlib.metadata.version(package)}"
        for package in ("aio-pika", "aiormq", "pymongo", "secantusdb")
        if _installed(package)
    )
    return (
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {versions}; load average {_load()}"
    )


def _load() -> str:
    """The 1-minute load average: other work on this shared machine skews every figure."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "unknown"


def _installed(package: str) -> bool:
    try:
        importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


async def bench(
    url: str, mongo_url: str, prefix: str, database_pid: int | None, args: argparse.Namespace
) -> dict[str, list[Round]]:
    records = make_records(args.records)
    names = [RELAY, PLAIN, PUBLISHER]
    results: dict[str, list[Round]] = {name: [] for name in names}
    runner = Bench(url, mongo_url, prefix, args)
    watch = CpuWatch(database_pid)
    print(setup_line())
    print(
        f"{args.records:,} events per round, batches of {args.batch}, {args.rounds} rounds each; "
        f"bodies {statistics.mean(len(r.body) for r in records):.0f} bytes on average"
    )
    await runner.connect()
    try:
        warm = records[: min(1000, len(records))]
        for name in names:
            await runner.one(name, warm, watch)
        for number in range(args.rounds):
            # Alternating which goes first, so neither always runs on a fresher (or busier) box.
            order = names if number % 2 == 0 else names[::-1]
            line = [f"round {number + 1}:"]
            for name in order:
                result = await runner.one(name, records, watch)
                results[name].append(result)
                line.append(f"{name} {result.rate:,.0f}/s")
            print("  ".join(line), flush=True)
        lease, read, mark = await runner.breakdown(records)
        print(
            f"the relay's database steps with {len(records):,} records pending, timed alone: "
            f"lease {lease * 1e3:.1f} ms, read a batch of {args.batch} {read * 1e3:.1f} ms, "
            f"mark it sent {mark * 1e3:.1f} ms"
        )
    finally:
        await runner.close()
    return results


def report(results: dict[str, list[Round]]) -> None:
    print()
    print(
        "| publisher | events/s (median) | min | max | vs plain aio-pika | "
        "bench CPU µs/event | database CPU µs/event |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    plain = results[PLAIN]
    for name, rounds in results.items():
        rates = [r.rate for r in rounds]
        ratio = statistics.median(r.rate / p.rate for r, p in zip(rounds, plain, strict=True))
        events = sum(r.events for r in rounds)
        client = sum(r.client_cpu for r in rounds) / events * 1e6
        database = sum(r.database_cpu for r in rounds) / events * 1e6
        print(
            f"| {name} | {statistics.median(rates):,.0f} | {min(rates):,.0f} | "
            f"{max(rates):,.0f} | {ratio:.2f} | {client:.0f} | {database:.0f} |"
        )
    ratio = statistics.median(r.rate / p.rate for r, p in zip(results[RELAY], plain, strict=True))
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(
        f"\noutbox relay / plain aio-pika (median of per-round ratios): {ratio:.2f} "
        f"({verdict} the {TARGET_RATIO} target); load average at the end {_load()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="backlog of each round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each publisher")
    parser.add_argument("--batch", type=int, default=200, help="the relay's batch (its default)")
    args = parser.parse_args()
    url = RABBITMQ_URL  # this machine's broker only: a benchmark sends no traffic elsewhere
    if not reachable("127.0.0.1", 5672):
        sys.exit("RabbitMQ is not running on 127.0.0.1:5672: start it (rabbitmq-server -detached)")
    prefix = f"bench-{secrets.token_hex(4)}"
    database = None
    mongo_url = os.environ.get("MONGO_URL")
    if mongo_url is None:
        database = SecantusDB(free_port(), ":memory:")
        database.start()
        mongo_url = database.url
    try:
        pid = database.process.pid if database is not None and database.process else None
        results = asyncio.run(bench(url, mongo_url, prefix, pid, args))
        report(results)
    finally:
        if database is not None:
            database.stop()
        asyncio.run(delete_broker_objects(url, prefix))


if __name__ == "__main__":
    main()
