"""Requests' store against the real database server: a request and its history kept whole,
a change lost to a concurrent one refused, pages without gaps or repeats, the due answers."""

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest_asyncio
from pymongo import AsyncMongoClient

from sportello_contracts.request_forms import Complaint, PowerChange
from sportello_kit.mongo import connect
from sportello_requests.adapters.store import RequestsStore, StoredRequest
from sportello_requests.domain.admission import KnownBill, KnownSupply
from sportello_requests.domain.lifecycle import Change, move, submitted

T0 = datetime(2026, 12, 1, 9, 0, 0, 123000, tzinfo=UTC)


@pytest_asyncio.fixture(loop_scope="session")
async def store(servers: Any) -> AsyncIterator[RequestsStore]:
    client: AsyncMongoClient[dict[str, Any]] = connect(servers.mongo_url)
    name = f"requests_test_{uuid4().hex[:8]}"
    try:
        kept = RequestsStore(client[name])
        await kept.create_indexes()
        yield kept
    finally:
        await client.drop_database(name)
        await client.close()


def complaint(n: int, at: datetime, customer: str = "C00010001") -> StoredRequest:
    return StoredRequest(
        request_id=f"REQ-{n:020X}",
        customer_code=customer,
        account_id="acc-1",
        form=Complaint(subject="Ritardo", text="Nessuna risposta da un mese.", bill_number="B1-X1"),
        life=submitted(f"sub-{n}", at),
        submitted_at=at,
        answer_due_on=(at + timedelta(days=30)).date(),
    )


async def test_a_request_is_kept_whole_and_read_back_only_in_its_customers_scope(
    store: RequestsStore,
) -> None:
    request = StoredRequest(
        request_id="REQ-00000000000000000ABC",
        customer_code="C00010001",
        account_id="acc-1",
        form=PowerChange(supply_id="FE10001", power_kw="4.5"),  # type: ignore[arg-type]
        life=submitted("sub-1", T0),
        submitted_at=T0,
    )
    await store.add(request, None)
    assert await store.get(request.request_id, {"customer_code": "C00010001"}) == request
    assert await store.get(request.request_id, {"customer_code": "C00010002"}) is None
    assert request.supply_id == "FE10001"


async def test_a_change_made_meanwhile_by_another_is_not_overwritten(store: RequestsStore) -> None:
    request = complaint(1, T0)
    await store.add(request, None)
    started = move(
        request.life, Change("ch-1", "in_progress", T0 + timedelta(hours=1), "backoffice")
    )
    assert started is not None
    seen = len(request.life.changes)
    assert await store.save(StoredRequest(**{**request.__dict__, "life": started}), seen, None)
    cancelled = move(request.life, Change("ch-2", "cancelled", T0, "customer"))
    assert cancelled is not None
    # Read before the back-office's change: refused, nothing lost.
    assert not await store.save(
        StoredRequest(**{**request.__dict__, "life": cancelled}), seen, None
    )
    kept = await store.get(request.request_id)
    assert kept is not None
    assert kept.life.status == "in_progress"


async def test_pages_go_newest_first_without_gaps_or_repeats_even_within_a_millisecond(
    store: RequestsStore,
) -> None:
    customer = "C00010009"
    # Three in the same millisecond, then one a minute later each.
    times = [T0] * 3 + [T0 + timedelta(minutes=n) for n in range(1, 5)]
    for n, at in enumerate(times, 100):
        await store.add(complaint(n, at, customer), None)
    shown: list[str] = []
    after = None
    while True:
        page = await store.page({"customer_code": customer}, after, 2)
        if not page:
            break
        shown += [r.request_id for r in page]
        after = (page[-1].submitted_at, page[-1].request_id)
    assert len(shown) == len(set(shown)) == len(times)
    stored = await store.page({"customer_code": customer}, None, 100)
    assert [r.request_id for r in stored] == shown


async def test_the_due_answers_are_the_unanswered_ones_due_by_then_soonest_first(
    store: RequestsStore,
) -> None:
    late = complaint(200, T0 - timedelta(days=40))
    soon = complaint(201, T0 - timedelta(days=25))
    later = complaint(202, T0)
    answered = StoredRequest(**{**complaint(203, T0 - timedelta(days=50)).__dict__,
                                "answered_on": date(2026, 11, 1)})  # fmt: skip
    for request in (later, soon, late, answered):
        await store.add(request, None)
    due = await store.due(T0.date() + timedelta(days=7), 50)
    assert [r.request_id for r in due] == [late.request_id, soon.request_id]


async def test_supplies_and_bills_are_kept_as_billing_tells_them(store: RequestsStore) -> None:
    await store.keep_supply(KnownSupply("FE10001", "C00010001", "electricity", "IT001E1"), None)
    await store.keep_supply(KnownSupply("FG10001", "C00010001", "gas", "0088"), None)
    await store.cease_supply("FG10001", date(2026, 11, 30), None)
    supplies = await store.supplies_of(["C00010001"])
    assert supplies["FG10001"].ceased_on == date(2026, 11, 30)
    assert supplies["FE10001"].ceased_on is None
    await store.keep_bill(KnownBill("B1-FE10001", "C00010001", "FE10001", 9000, 9000), None)
    await store.keep_bill(KnownBill("B1-FE10001", "C00010001", "FE10001", 9000, 0), None)
    bills = await store.bills(["B1-FE10001", "B9-NONE"], {"customer_code": "C00010001"})
    assert list(bills) == ["B1-FE10001"]
    assert bills["B1-FE10001"].amount_due_cents == 0
    assert await store.bills(["B1-FE10001"], {"customer_code": "C00010002"}) == {}
