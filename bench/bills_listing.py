"""Benchmark of listing one customer's bills with 100 and with 1,000,000 bills of others around.

    .venv/bin/python bench/bills_listing.py [--large 1000000] [--slices 20] [--calls 50]
    .venv/bin/python bench/bills_listing.py --quick      # 200,000 others, 3 slices: a look

One database server (SecantusDB started by the bench, on disk in a temporary folder, or the
server of `MONGO_URL`) holds two databases with billing's own indexes
(`BillingStore.create_indexes`): both hold the same customer's 50 bills over two years (two
supplies, two billing profiles); "small" adds 100 bills of other customers, "large" a million.
Then billing's own reads run against both, taking turns in slices, as the portal asks them:
`BillRecords.page(listing_query(...), None, 21)` for the customer, filtered by status (unpaid)
and by supply, the home page's latest bills (`newest=True`, 4 of them) and the balance's
`open_of`. Reported: p50/p99 per read and size, the p99 ratio
large / small (the issue's target: at most 1.5), SecantusDB's CPU per read, and each query's
`explain`. The next page of the listing (the cursor's `$or`) is timed apart, a few calls.
"""

import argparse
import asyncio
import functools
import importlib.metadata
import math
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bson import SON
from clocks import cpu_seconds
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from sportello_billing.adapters.bill_records import (
    LIST_ORDER,
    NEWEST_ORDER,
    BillRecords,
    bill_doc,
    listing_query,
)
from sportello_billing.adapters.codec import day
from sportello_billing.adapters.store import BillingStore
from sportello_billing.domain.bill_pages import Position, months_before
from sportello_billing.domain.bills import Bill
from sportello_contracts.bills import BillLine, ConsumptionBilled, ReadingUsed
from sportello_deploy.servers import SecantusDB, free_port
from sportello_kit.mongo import connect

TARGET_P99_RATIO = 1.5
PAGE = 21  # what the portal asks: 20 bills and one more to know whether a next page exists
LATEST = 4  # what the home page asks: its 3 latest bills, and one more
WINDOW_MONTHS = 24  # billing's default BILLS_WINDOW_MONTHS: the portal shows two years
CUSTOMER = "C00010001"  # odd: the others' codes are even, so it sorts among them
GAS, POWER = "S-GAS-10001", "S-LUCE-10001"
BILLS_PER_OTHER = 50  # each other customer has 50 bills, on two supplies, like ours
BATCH = 1000  # documents per insert_many

Docs = list[dict[str, Any]]


# --- the data ----------------------------------------------------------------------------


def typical_bill(
    number: str, customer: str, supply: str, profile: str, issued_on: date, paid: bool
) -> Bill:
    """A monthly gas bill as the back-office sends it: 6 lines over the energy receipt."""
    smc = Decimal(90)
    lines = (
        BillLine(
            section="consumption",
            description="Materia gas naturale",
            quantity=smc,
            unit="Smc",
            unit_price=Decimal("0.65"),
            amount_cents=5850,
        ),
        BillLine(section="fixed", description="Quota fissa vendita", amount_cents=1200),
        BillLine(section="fixed", description="Trasporto e gestione contatore", amount_cents=900),
        BillLine(section="other", description="Oneri di sistema", amount_cents=310),
        BillLine(section="taxes", description="Accise", amount_cents=1530),
        BillLine(section="vat", description="IVA 10%", amount_cents=979),
    )
    total = sum(line.amount_cents for line in lines)
    end = issued_on - timedelta(days=10)
    return Bill(
        bill_number=number,
        customer_code=customer,
        supply_id=supply,
        billing_profile=profile,
        period_start=end - timedelta(days=30),
        period_end=end,
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=20),
        total_cents=total,
        credit_applied_cents=0,
        lines=lines,
        consumption=ConsumptionBilled(quantity=smc, unit="Smc"),
        readings=(ReadingUsed(read_on=end, value=4090, kind="actual"),),
        payment_method="pagopa",
        notice_position="0012345678901",
        after_billing_gap=False,
        after_meter_fault=False,
        paid_cents=total if paid else 0,
        updated_at=datetime(issued_on.year, issued_on.month, issued_on.day, tzinfo=UTC),
    )


def customer_docs(today: date) -> Docs:
    """The customer's 50 bills: two supplies (two profiles), monthly, the latest two unpaid;
    the two oldest are older than the window (the listing leaves them out)."""
    docs = []
    for supply, profile in ((GAS, "BP-100001"), (POWER, "BP-100002")):
        for month in range(25):
            issued = today - timedelta(days=30 * month + 5)
            number = f"F-{supply[2:6]}-{month:04d}"
            docs.append(
                bill_doc(typical_bill(number, CUSTOMER, supply, profile, issued, month > 1))
            )
    return docs


def other_batches(count: int, today: date) -> Iterator[Docs]:
    """`count` bills of other customers, `BILLS_PER_OTHER` each, in batches for insert_many.

    One document made by `bill_doc`, copied with what differs: a million pydantic models would
    take longer to build than to insert.
    """
    template = bill_doc(typical_bill("F-TEMPLATE", "C00000000", "S-0", "BP-000000", today, True))
    days = [day(today - timedelta(days=30 * m + 5)) for m in range(BILLS_PER_OTHER // 2)]
    for start in range(0, count, BATCH):
        batch = []
        for n in range(start, min(count, start + BATCH)):
            other, nth = divmod(n, BILLS_PER_OTHER)
            supply, month = divmod(nth, BILLS_PER_OTHER // 2)
            doc = dict(template)
            issued = days[month]
            doc["_id"] = f"F-O{n:09d}"
            doc["customer_code"] = f"C{2 * other:08d}"
            doc["supply_id"] = f"S-{2 * other:08d}-{supply}"
            doc["billing_profile"] = f"BP-{(2 * other + supply) % 1_000_000:06d}"
            doc["issued_on"] = issued
            doc["period_end"] = issued - timedelta(days=10)
            doc["period_start"] = issued - timedelta(days=40)
            doc["due_on"] = issued + timedelta(days=20)
            doc["year"] = issued.year
            doc["updated_at"] = issued
            if month < 2:  # the latest two unpaid, as ours
                doc["paid_cents"], doc["state"] = 0, "unpaid"
            batch.append(doc)
        yield batch


async def build(db: AsyncDatabase[dict[str, Any]], others: int, today: date) -> float:
    """Billing's indexes, the customer's bills and `others` bills of others; seconds taken."""
    started = time.perf_counter()
    await BillingStore(db).create_indexes()
    await db.bills.insert_many(customer_docs(today))
    done = 0
    for batch in other_batches(others, today):
        await db.bills.insert_many(batch, ordered=False)
        done += len(batch)
        if done % 100_000 == 0:
            rate = done / (time.perf_counter() - started)
            print(f"  {db.name}: {done:,} of {others:,} ({rate:,.0f}/s)", flush=True)
    return time.perf_counter() - started


# --- the reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    name: str
    query: dict[str, Any]  # what `explain` is asked about
    run: Callable[[BillRecords], Awaitable[int]]  # the read itself; how many bills it gave
    sort: list[tuple[str, int]] | None = field(default_factory=lambda: list(LIST_ORDER))
    limit: int = PAGE


def reads(today: date) -> list[Read]:
    since = months_before(today, WINDOW_MONTHS)

    def listed(**filters: Any) -> dict[str, Any]:
        return listing_query(
            [CUSTOMER],
            since=since,
            supply_id=filters.get("supply_id"),
            year=None,
            status=filters.get("status"),
            today=today,
        )

    def paged(
        query: dict[str, Any], limit: int = PAGE, newest: bool = False
    ) -> Callable[[BillRecords], Awaitable[int]]:
        async def run(records: BillRecords) -> int:
            return len(await records.page(query, None, limit, newest=newest))

        return run

    async def balance(records: BillRecords) -> int:
        return len(await records.open_of([CUSTOMER], since))

    balance_query = {
        "customer_code": {"$in": [CUSTOMER]},
        "issued_on": {"$gte": day(since)},
        "cancelled_on": None,
    }
    return [
        Read("listing", listed(), paged(listed())),
        Read("status unpaid", listed(status="unpaid"), paged(listed(status="unpaid"))),
        Read("one supply", listed(supply_id=GAS), paged(listed(supply_id=GAS))),
        Read(
            "latest, newest first (home)",
            listed(),
            paged(listed(), LATEST, newest=True),
            list(NEWEST_ORDER),
            LATEST,
        ),
        Read("balance (open_of)", balance_query, balance, sort=None),
    ]


async def next_page_read(records: BillRecords, today: date) -> tuple[dict[str, Any], Position]:
    """The listing's query and the position after its first page: what the cursor asks."""
    query = listing_query(
        [CUSTOMER],
        since=months_before(today, WINDOW_MONTHS),
        supply_id=None,
        year=None,
        status=None,
        today=today,
    )
    last = (await records.page(query, None, PAGE - 1))[-1]
    return query, (last.billing_profile, last.issued_on, last.bill_number)


def cursor_query(query: dict[str, Any], after: Position) -> dict[str, Any]:
    """The filter `BillRecords.page` sends for a page after `after` (for `explain`)."""
    profile, issued_on, number = after
    return {
        **query,
        "$or": [
            {"billing_profile": {"$gt": profile}},
            {"billing_profile": profile, "issued_on": {"$lt": day(issued_on)}},
            {"billing_profile": profile, "issued_on": day(issued_on), "_id": {"$lt": number}},
        ],
    }


# --- timing ------------------------------------------------------------------------------


@dataclass
class Cell:
    """One read on one size: every latency timed, and the server's CPU over them."""

    seconds: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    found: int = 0


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least `q` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def time_calls(
    read: Callable[[], Awaitable[int]], calls: int, cell: Cell, server_pid: int | None
) -> None:
    before = cpu_seconds(server_pid) if server_pid else 0.0
    for _ in range(calls):
        started = time.perf_counter()
        cell.found = await read()
        cell.seconds.append(time.perf_counter() - started)
    if server_pid:
        cell.server_cpu += cpu_seconds(server_pid) - before


async def run_slices(
    stores: dict[str, BillRecords],
    measured: list[Read],
    args: argparse.Namespace,
    server_pid: int | None,
) -> dict[tuple[str, str], Cell]:
    cells = {(r.name, size): Cell() for r in measured for size in stores}
    for read in measured:  # warm-up: connections, caches, code paths; not counted
        for records in stores.values():
            for _ in range(5):
                await read.run(records)
    sizes = list(stores)
    for number in range(args.slices):
        # Rotating order, so no read and no size always runs first on this shared machine.
        order = measured[number % len(measured) :] + measured[: number % len(measured)]
        for read in order:
            for size in sizes if number % 2 == 0 else sizes[::-1]:
                records = stores[size]
                run = functools.partial(read.run, records)
                await time_calls(run, args.calls, cells[(read.name, size)], server_pid)
        print(f"  slice {number + 1}/{args.slices} done", flush=True)
    return cells


# --- explain -----------------------------------------------------------------------------


def stages(plan: dict[str, Any]) -> list[str]:
    """The winning plan's stages, outermost first (`FETCH > IXSCAN listing`)."""
    found = []
    node: Any = plan.get("queryPlan", plan)
    while isinstance(node, dict) and "stage" in node:
        name = node["stage"]
        if name == "IXSCAN":
            name += f" {node.get('indexName')}"
        found.append(name)
        inputs = node.get("inputStages") or [node.get("inputStage")]
        node = inputs[0] if inputs else None
    return found


async def explain(
    db: AsyncDatabase[dict[str, Any]],
    query: dict[str, Any],
    sort: list[tuple[str, int]] | None = LIST_ORDER,
    limit: int = PAGE,
) -> dict[str, Any]:
    find: dict[str, Any] = {"find": "bills", "filter": query}
    if sort is not None:
        find |= {"sort": SON(sort), "limit": limit}
    result: dict[str, Any] = await db.command("explain", find, verbosity="executionStats")
    return result


async def show_explains(
    db: AsyncDatabase[dict[str, Any]],
    reads: list[Read],
    secantus: bool,
) -> None:
    print(f"\nexplain on {db.name} (executionStats):")
    for read in reads:
        answer = await explain(db, read.query, read.sort, read.limit)
        stats = answer.get("executionStats", {})
        print(
            f"  {read.name}: {' > '.join(stages(answer['queryPlanner']['winningPlan']))}; "
            f"keys examined {stats.get('totalKeysExamined')}, "
            f"documents examined {stats.get('totalDocsExamined')}, "
            f"returned {stats.get('nReturned')}"
        )
    if secantus:
        # SecantusDB's explain mirrors only part of its executor's index choice: a filter of
        # two operator clauses (`$in` and a range) is reported as a COLLSCAN, while the
        # executor looks up the first clause an index serves (storage.py, `_try_index_id_keys`)
        # and filters the rest. What explain says of that clause alone is what is executed.
        clause = {"customer_code": {"$in": [CUSTOMER]}}
        answer = await explain(db, clause, sort=None)
        print(
            "  SecantusDB: the clause its executor looks up, "
            f"{{customer_code: {{$in: [...]}}}} alone: "
            f"{' > '.join(stages(answer['queryPlanner']['winningPlan']))}"
        )


# --- the report --------------------------------------------------------------------------


def report(cells: dict[tuple[str, str], Cell], measured: list[Read], sizes: dict[str, int]) -> bool:
    small, large = sizes
    print(
        "\n| read | others' bills | bills returned | p50 ms | p99 ms | p99 large / small "
        "| SecantusDB CPU ms/read |\n|---|---:|---:|---:|---:|---:|---:|"
    )
    met = True
    for read in measured:
        ratio = percentile(cells[(read.name, large)].seconds, 0.99) / percentile(
            cells[(read.name, small)].seconds, 0.99
        )
        met = met and ratio <= TARGET_P99_RATIO
        for size in (small, large):
            cell = cells[(read.name, size)]
            shown = f"**{ratio:.2f}**" if size == large else ""
            print(
                f"| {read.name} | {sizes[size]:,} | {cell.found} "
                f"| {statistics.median(cell.seconds) * 1e3:.2f} "
                f"| {percentile(cell.seconds, 0.99) * 1e3:.2f} | {shown} "
                f"| {cell.server_cpu / len(cell.seconds) * 1e3:.2f} |"
            )
    return met


def setup() -> str:
    versions = ", ".join(
        f"{package} {importlib.metadata.version(package)}"
        for package in ("pymongo", "secantusdb", "pydantic")
    )
    return (
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, {versions}"
    )


async def bench(url: str, args: argparse.Namespace, server_pid: int | None) -> bool:
    today = date.today()
    # Patient: the next page scans, and SecantusDB answers nothing else meanwhile (billing's
    # own 0.5 s server selection and 4 s operation timeouts give up on it at a million).
    client: AsyncMongoClient[dict[str, Any]] = connect(
        url, server_selection_ms=120_000, operation_ms=600_000
    )
    tag = secrets.token_hex(3)
    names = {"small": f"bench_bills_small_{tag}", "large": f"bench_bills_large_{tag}"}
    sizes = {"small": args.small, "large": args.large}
    try:
        info = await client.admin.command("buildInfo")
        secantus = "secantusVersion" in info
        print(setup())
        print(f"server: {'SecantusDB ' + info['secantusVersion'] if secantus else 'MongoDB'}")
        dbs = {size: client[name] for size, name in names.items()}
        for size, db in dbs.items():
            took = await build(db, sizes[size], today)
            count = await db.bills.estimated_document_count()
            print(f"built {db.name}: {count:,} bills in {took:.0f} s", flush=True)
        stats = await dbs["large"].command("collStats", "bills")
        if stats.get("avgObjSize"):
            print(f"average bill document: {int(stats['avgObjSize']):,} bytes")
        stores = {size: BillRecords(db.bills, None) for size, db in dbs.items()}
        measured = reads(today)
        cells = await run_slices(stores, measured, args, server_pid)
        met = report(cells, measured, sizes)
        print(
            f"\np99 ratio at most {TARGET_P99_RATIO} for every read: {'met' if met else 'MISSED'}"
        )

        # The cursor's next page: its `$or` is timed apart, a few calls per size.
        query, after = await next_page_read(stores["large"], today)
        next_page = Read(
            "next page", cursor_query(query, after), functools.partial(_next_page, query, after)
        )
        print("\nnext page of the listing (the cursor):")
        for size, records in stores.items():
            cell = Cell()
            run = functools.partial(next_page.run, records)
            await time_calls(run, args.next_page_calls, cell, server_pid)
            print(
                f"  {sizes[size]:,} others: {cell.found} bills, median "
                f"{statistics.median(cell.seconds) * 1e3:.1f} ms, max "
                f"{max(cell.seconds) * 1e3:.1f} ms over {len(cell.seconds)} calls, SecantusDB "
                f"CPU {cell.server_cpu / len(cell.seconds) * 1e3:.1f} ms/read"
            )
        await show_explains(dbs["large"], [*measured, next_page], secantus)
        print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
        return met
    finally:
        for name in names.values():
            await client.drop_database(name)
        await client.close()


async def _next_page(query: dict[str, Any], after: Position, records: BillRecords) -> int:
    return len(await records.page(query, after, PAGE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100, help="other customers' bills, small")
    parser.add_argument("--large", type=int, default=1_000_000, help="and large")
    parser.add_argument("--slices", type=int, default=20, help="turns per read and size")
    parser.add_argument("--calls", type=int, default=50, help="calls per read and size a slice")
    parser.add_argument("--next-page-calls", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200,000 others, 3 slices of 20")
    args = parser.parse_args()
    if args.quick:
        args.large, args.slices, args.calls = min(args.large, 200_000), 3, 20
    mongo_url = os.environ.get("MONGO_URL")
    with tempfile.TemporaryDirectory(prefix="bench-bills-") as folder:
        database = None
        if mongo_url is None:
            # On disk, as a production database is: the in-memory engine holds everything in
            # its 1 GB cache, and a million bills are about as much.
            database = SecantusDB(port=free_port(), storage=folder)
            database.start()
            mongo_url = database.url
        pid = database.process.pid if database is not None and database.process else None
        try:
            met = asyncio.run(bench(mongo_url, args, pid))
        finally:
            if database is not None:
                database.stop()
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
