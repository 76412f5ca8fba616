"""Benchmark of metering's bulk ingest through the bus, against `insert_many` of the same
documents on the same database, and the query that serves a month of 15-minute data.

    .venv/bin/python bench/meter_ingest.py [--supplies 2000] [--rounds 3] [--rows 1000]
    .venv/bin/python bench/meter_ingest.py --quick        # 500 supplies, 2 rounds: a look

It needs RabbitMQ on 127.0.0.1:5672 and nothing else: it starts its own SecantusDB (on disk in a
temporary folder; or uses `MONGO_URL`), declares a throwaway bus prefix, and runs the real
metering service as a process. Each round, for distributors' readings and then for interval
days (a day of 96 quarters per row):

- **bus**: batches of `--rows` rows published as the back-office does
  (`DistributorReadingsPublished`, `IntervalDaysPublished`), timed from the first publish to the
  moment the last row is in metering's database: parsing, checking each row, finding what is
  kept already, inserting, the inbox and the outbox, in one transaction per batch;
- **insert_many**: the very documents the service wrote in that round, inserted again with
  `insert_many` (batches of the same size) into a collection of the same database with the
  same indexes, which gets every round's documents as the service's does.

Reported: rows per second of each, per round, and the ratio bus / insert_many (the issue's
target: at least 0.5). Then the `explain` of one supply's month of interval days, the one
query `GET /v1/supplies/{id}/intervals?period=month` makes.
"""

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pymongo import AsyncMongoClient

from sportello_contracts.readings import (
    DistributorReading,
    DistributorReadingsPublished,
    IntervalDaysPublished,
)
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.processes import Deployable, stop_all
from sportello_deploy.servers import SecantusDB, delete_broker_objects, free_port
from sportello_kit.declare import declare_all
from sportello_kit.settings import ServiceSettings
from sportello_metering.adapters.store import MeteringStore
from sportello_metering.domain.calendar import quarters_in
from sportello_metering.domain.meters import Meter
from sportello_metering.usecases.bulk import distributor_reading_id

RABBITMQ = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
TARGET = 0.5
FIRST_DAY = date(2025, 1, 1)


async def _seed(store: MeteringStore, supplies: int) -> list[tuple[str, str]]:
    """`supplies` electricity supplies with a smart meter each, written as metering keeps them."""
    pairs = [(f"S-{i:08d}", f"E2G-{i:08d}") for i in range(supplies)]
    await store.db.supplies.insert_many(
        [
            {"_id": s, "customer_code": f"C{i:08d}", "commodity": "electricity", "point_id": "x"}
            for i, (s, _) in enumerate(pairs)
        ]
    )
    for i, (supply_id, serial) in enumerate(pairs):
        meter = Meter(
            supply_id=supply_id,
            serial=serial,
            digits=6,
            unit="kWh",
            registers=("total",),
            smart=True,
            correction_factor=None,
            installed_on=date(2024, 1, 1),
            initial={"total": 0},
        )
        await store.keep_meter(meter, f"C{i:08d}", None)
    return pairs


async def _wait_for(collection: Any, last_ids: set[str], seconds: float = 600) -> float:
    """When the documents of `last_ids` (each batch's last row: a batch commits whole) are
    in. Looked up by `_id`: a count would scan the collection, slowing the very server timed."""
    deadline = time.monotonic() + seconds
    waiting = set(last_ids)
    while waiting:
        waiting = {i for i in waiting if await collection.find_one({"_id": i}, {"_id": 1}) is None}
        if time.monotonic() > deadline:
            raise SystemExit(f"{collection.name}: {len(waiting)} batches not in after {seconds} s")
        if waiting:
            await asyncio.sleep(0.01)
    return time.monotonic()


async def _round(
    backoffice: BackOffice,
    db: Any,
    collection: str,
    batches: list[Any],
    last_ids: set[str],
) -> tuple[float, float]:
    target = db[collection]
    kept = {doc["_id"] async for doc in target.find({}, {"_id": 1})}
    rows = sum(len(batch.rows) for batch in batches)
    started = time.monotonic()
    for batch in batches:
        await backoffice.publish(batch)
    ended = await _wait_for(target, last_ids)
    bus = rows / (ended - started)
    # The same documents, as the service wrote them, inserted plainly into the same database.
    written = [doc async for doc in target.find() if doc["_id"] not in kept]
    # Like with like: a collection of the same shape, whose indexes the inserts keep too,
    # and as full as the service's (it gets every round's documents, as the service does).
    copy = db[f"{collection}_insert_many"]
    for name, spec in (await target.index_information()).items():
        if name != "_id_":
            await copy.create_index(spec["key"], name=name, unique=spec.get("unique", False))
    size = len(written) // len(batches)
    started = time.monotonic()
    for i in range(0, len(written), size):
        await copy.insert_many(written[i : i + size], ordered=False)
    plain = len(written) / (time.monotonic() - started)
    return bus, plain


def _reading_batches(pairs: list[tuple[str, str]], day: date, per_batch: int) -> list[Any]:
    rows = [
        {"supply_id": s, "meter_serial": m, "read_on": day.isoformat(), "values": {"total": 1000}}
        for s, m in pairs
    ]
    return [
        DistributorReadingsPublished(batch_id=f"R-{day}-{i}", rows=tuple(rows[i : i + per_batch]))
        for i in range(0, len(rows), per_batch)
    ]


def _day_batches(pairs: list[tuple[str, str]], day: date, per_batch: int) -> list[Any]:
    quarters = [40 + i % 30 for i in range(quarters_in(day))]
    rows = [{"supply_id": s, "day": day.isoformat(), "quarter_wh": quarters} for s, _ in pairs]
    return [
        IntervalDaysPublished(batch_id=f"I-{day}-{i}", rows=tuple(rows[i : i + per_batch]))
        for i in range(0, len(rows), per_batch)
    ]


async def _explain_month(db: Any, supply_id: str) -> dict[str, Any]:
    query = {"supply_id": supply_id, "day": {"$gte": "2025-01-01", "$lte": "2025-01-31"}}
    plan: dict[str, Any] = await db.command(
        {"explain": {"find": "intervals", "filter": query}, "verbosity": "executionStats"}
    )
    return plan


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--supplies", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1000, help="rows per batch")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.supplies, args.rounds = 500, 2
    prefix = f"bench-{secrets.token_hex(4)}"
    database = f"bench_metering_{secrets.token_hex(4)}"
    folder = tempfile.mkdtemp(prefix="bench-metering-")
    server = None
    mongo_url = os.environ.get("MONGO_URL")
    if mongo_url is None:
        server = SecantusDB(free_port(), folder)
        server.start()
        mongo_url = server.url
    os.environ.setdefault("SPORTELLO_ENV", "development")
    # Classic dead letters: RabbitMQ 3.10 on one node stalls with many quorum queues.
    settings = ServiceSettings.model_validate(
        {"RABBITMQ_URL": RABBITMQ, "BUS_PREFIX": prefix, "BUS_DEAD_LETTER_QUEUE_TYPE": "classic"}
    )
    await declare_all(settings)
    env = {
        **os.environ,
        "SPORTELLO_ENV": "development",
        "RABBITMQ_URL": RABBITMQ,
        "MONGO_URL": mongo_url,
        "BUS_PREFIX": prefix,
        "BUS_DEAD_LETTER_QUEUE_TYPE": "classic",
        "METERING_DATABASE": database,
        "LOG_LEVEL": "WARNING",
    }
    service = Deployable("metering", env, log_file=Path(folder) / "metering.log")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, tz_aware=True)
    try:
        db = client[database]
        store = MeteringStore(db)
        await store.create_indexes()
        pairs = await _seed(store, args.supplies)
        service.start()
        await asyncio.sleep(4)  # its consumers attach
        results: dict[str, list[tuple[float, float]]] = {"readings": [], "intervals": []}
        async with BackOffice(RABBITMQ, prefix) as backoffice:
            for n in range(args.rounds):
                day = FIRST_DAY + timedelta(days=n)
                readings = _reading_batches(pairs, day, args.rows)
                last_readings = {
                    distributor_reading_id(DistributorReading.model_validate(b.rows[-1]))
                    for b in readings
                }
                results["readings"].append(
                    await _round(backoffice, db, "readings", readings, last_readings)
                )
                days = _day_batches(pairs, day, args.rows)
                last_days = {f"{b.rows[-1]['supply_id']}:{b.rows[-1]['day']}" for b in days}
                results["intervals"].append(
                    await _round(backoffice, db, "intervals", days, last_days)
                )
        print(f"{args.supplies} supplies, batches of {args.rows} rows, {args.rounds} rounds")
        print(f"{'what':<12}{'round':>6}{'bus rows/s':>12}{'insert_many/s':>15}{'ratio':>8}")
        for what, rounds in results.items():
            for n, (bus, plain) in enumerate(rounds, 1):
                print(f"{what:<12}{n:>6}{bus:>12.0f}{plain:>15.0f}{bus / plain:>8.2f}")
            ratio = statistics.median(bus / plain for bus, plain in rounds)
            verdict = "meets" if ratio >= TARGET else "MISSES"
            print(f"{what}: median ratio {ratio:.2f} ({verdict} the target {TARGET})")
        plan = await _explain_month(db, pairs[0][0])
        stats = plan.get("executionStats", {})
        print("month of one supply's interval days: explain")
        print(f"  winning plan: {plan.get('queryPlanner', {}).get('winningPlan')}")
        print(
            f"  returned {stats.get('nReturned')}, keys examined {stats.get('totalKeysExamined')},"
            f" documents examined {stats.get('totalDocsExamined')}"
        )
    finally:
        stop_all([service])
        await client.drop_database(database)
        await client.close()
        await delete_broker_objects(RABBITMQ, prefix)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
