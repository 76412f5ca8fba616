"""The bills' listing against the real database server: answered by an index, never a scan.

What `explain` says of each query. MongoDB's explain reports the plan it runs. SecantusDB's
reports a COLLSCAN for any filter of two operator clauses (the listing's `customer_code: {$in}`
and `issued_on` range), although its executor serves such a filter by looking up the first
clause an index serves and filtering the rest (`secantus/storage.py`, `_try_index_id_keys`,
which explain's `_pick_index_for_filter` does not mirror). For SecantusDB the tests then ask
explain about that clause, which is what it executes; a filter with a top-level operator
(`$or`) it serves with no index at all.
"""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest_asyncio
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from sportello_billing.adapters.bill_records import BillRecords, bill_doc, listing_query
from sportello_billing.adapters.store import BillingStore
from sportello_billing.domain.bill_pages import Position, months_before
from sportello_billing.domain.bills import Bill
from sportello_contracts.bills import BillLine, ConsumptionBilled, ReadingUsed

TODAY = date(2026, 11, 30)
SINCE = months_before(TODAY, 24)
CUSTOMER = "C00010001"
GAS, POWER = "S-GAS-10001", "S-LUCE-10001"

Db = AsyncDatabase[dict[str, Any]]


def bill(number: str, customer: str, supply: str, profile: str, issued_on: date) -> Bill:
    """A monthly bill; the latest two of each supply are unpaid, the rest paid."""
    unpaid = issued_on > TODAY - timedelta(days=60)
    return Bill(
        bill_number=number,
        customer_code=customer,
        supply_id=supply,
        billing_profile=profile,
        period_start=issued_on - timedelta(days=40),
        period_end=issued_on - timedelta(days=10),
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=20),
        total_cents=9000,
        credit_applied_cents=0,
        lines=(BillLine(section="consumption", description="Materia gas", amount_cents=9000),),
        consumption=ConsumptionBilled(quantity=90, unit="Smc"),
        readings=(ReadingUsed(read_on=issued_on - timedelta(days=10), value=90, kind="actual"),),
        payment_method="pagopa",
        notice_position="0012345678901",
        after_billing_gap=False,
        after_meter_fault=False,
        paid_cents=0 if unpaid else 9000,
        updated_at=datetime(2026, 11, 30, tzinfo=UTC),
    )


def bills_of(customer: str, supplies: tuple[str, str]) -> list[dict[str, Any]]:
    """Fifteen months of bills on each of two supplies (two billing profiles)."""
    return [
        bill_doc(
            bill(
                f"F-{customer}-{n}-{month:02d}",
                customer,
                supply,
                f"BP-{customer[-5:]}{n}",
                TODAY - timedelta(days=30 * month + 5),
            )
        )
        for n, supply in enumerate(supplies)
        for month in range(15)
    ]


class Finds(CommandListener):
    """The `find` commands a client sends: what billing's reads ask the server, exactly."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def started(self, event: CommandStartedEvent) -> None:
        if event.command_name == "find":
            self.sent.append(dict(event.command))

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


FINDS = Finds()


@pytest_asyncio.fixture(loop_scope="session")
async def database(servers: Any) -> AsyncIterator[Db]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        servers.mongo_url, tz_aware=True, event_listeners=[FINDS]
    )
    name = f"billing_test_{uuid4().hex[:8]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


@pytest_asyncio.fixture(loop_scope="session")
async def bills(database: Db) -> Db:
    """Billing's indexes; the customer's 30 bills among 300 of ten other customers."""
    await BillingStore(database).create_indexes()
    docs = bills_of(CUSTOMER, (GAS, POWER))
    for other in range(10):
        code = f"C{2 * other:08d}"
        docs += bills_of(code, (f"S-{code}-0", f"S-{code}-1"))
    await database.bills.insert_many(docs)
    return database


def listing(**filters: Any) -> dict[str, Any]:
    return listing_query(
        [CUSTOMER],
        since=SINCE,
        supply_id=filters.get("supply_id"),
        year=None,
        status=filters.get("status"),
        today=TODAY,
    )


def stages(node: Any) -> list[dict[str, Any]]:
    """Every stage of a plan, however nested (`inputStage`, `inputStages`, `queryPlan`)."""
    if isinstance(node, list):
        return [stage for child in node for stage in stages(child)]
    if not isinstance(node, dict):
        return []
    found = [node] if "stage" in node else []
    for key in ("queryPlan", "inputStage", "inputStages"):
        found += stages(node.get(key))
    return found


async def page_find(
    db: Db, query: dict[str, Any], after: Position | None = None, *, newest: bool = False
) -> dict[str, Any]:
    """The `find` command `BillRecords.page` sends for a page: the portal's 21, or the home
    page's latest 4 (`newest`)."""
    (find,) = await page_finds(db, query, after, newest=newest)
    return find


async def page_finds(
    db: Db, query: dict[str, Any], after: Position | None = None, *, newest: bool = False
) -> list[dict[str, Any]]:
    """Every `find` command `BillRecords.page` sends for a page (a page after a position reads
    the ranges that follow it, one find each)."""
    FINDS.sent.clear()
    await BillRecords(db.bills, None).page(query, after, 4 if newest else 21, newest=newest)
    return [
        {key: find[key] for key in ("find", "filter", "sort", "limit") if key in find}
        for find in FINDS.sent
    ]


async def winning_plan(db: Db, find: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await db.command("explain", find, verbosity="queryPlanner")
    return stages(answer["queryPlanner"]["winningPlan"])


async def on_secantus(db: Db) -> bool:
    return "secantusVersion" in await db.client.admin.command("buildInfo")


async def indexes_answering(db: Db, find: dict[str, Any]) -> set[str]:
    """The indexes explain says answer `find`: none for a collection scan."""
    indexes = scanned_indexes(await winning_plan(db, find))
    query = find["filter"]
    if not indexes and await on_secantus(db) and not any(f.startswith("$") for f in query):
        # What SecantusDB's executor looks up (see the module's docstring).
        clause = {"find": find["find"], "filter": {"customer_code": query["customer_code"]}}
        return scanned_indexes(await winning_plan(db, clause))
    return indexes


def scanned_indexes(plan: list[dict[str, Any]]) -> set[str]:
    if any(stage["stage"] == "COLLSCAN" for stage in plan):
        return set()
    return {stage["indexName"] for stage in plan if stage["stage"] == "IXSCAN"}


async def assert_customer_led(db: Db, find: dict[str, Any]) -> set[str]:
    """That `find` is answered by indexes of billing's that narrow it to the caller's codes."""
    indexes = await db.bills.index_information()
    led = {name for name, info in indexes.items() if info["key"][0][0] == "customer_code"}
    used = await indexes_answering(db, find)
    assert used, f"a collection scan: {find['filter']}"
    assert used <= led, used
    return used


async def test_the_listing_is_answered_by_an_index_on_the_customer_code(bills: Db) -> None:
    used = await assert_customer_led(bills, await page_find(bills, listing()))
    if not await on_secantus(bills):
        # The index made for it: the customer's bills already in the listing's order.
        assert used == {"listing"}


async def test_the_latest_bills_of_the_home_page_are_answered_by_an_index_on_the_customer_code(
    bills: Db,
) -> None:
    used = await assert_customer_led(bills, await page_find(bills, listing(), newest=True))
    if not await on_secantus(bills):
        # The index made for it: the customer's bills newest first, across profiles.
        assert used == {"newest"}


async def test_the_supply_filter_is_answered_by_an_index_on_the_customer_code(
    bills: Db,
) -> None:
    await assert_customer_led(bills, await page_find(bills, listing(supply_id=GAS)))


async def test_the_status_filter_is_answered_by_an_index_on_the_customer_code(
    bills: Db,
) -> None:
    for status in ("unpaid", "overdue", "paid"):
        await assert_customer_led(bills, await page_find(bills, listing(status=status)))


async def test_a_listing_without_billings_indexes_is_seen_as_a_scan(database: Db) -> None:
    # The checks above can fail: with only the `_id` index, explain shows the scan.
    await database.bills.insert_many(bills_of(CUSTOMER, (GAS, POWER)))
    for query in (listing(), listing(supply_id=GAS), listing(status="unpaid")):
        assert await indexes_answering(database, await page_find(database, query)) == set()


async def test_the_next_page_is_answered_by_an_index_on_the_customer_code(bills: Db) -> None:
    # Each range after the cursor is a query of its own, never a top-level `$or`: SecantusDB
    # answers one of those by scanning the whole collection.
    records = BillRecords(bills.bills, None)
    for newest in (False, True):
        first = await records.page(listing(), None, 5, newest=newest)
        last = first[-1]
        position = (last.billing_profile, last.issued_on, last.bill_number)
        finds = await page_finds(bills, listing(), position, newest=newest)
        assert finds
        for find in finds:
            assert "$or" not in find["filter"]
            await assert_customer_led(bills, find)


async def test_pages_walked_with_the_cursor_are_the_whole_listing_in_order(bills: Db) -> None:
    records = BillRecords(bills.bills, None)
    for newest in (False, True):
        whole = [b.bill_number for b in await records.page(listing(), None, 100, newest=newest)]
        walked: list[str] = []
        after: Position | None = None
        while True:
            page = await records.page(listing(), after, 4, newest=newest)
            walked += [b.bill_number for b in page]
            if len(page) < 4:
                break
            last = page[-1]
            after = (last.billing_profile, last.issued_on, last.bill_number)
        assert walked == whole
        assert len(whole) == 30
    # Grouped by profile: all of the first profile's bills, then the second's.
    grouped = [b.billing_profile for b in await records.page(listing(), None, 100)]
    assert grouped == sorted(grouped)
