"""Bills, one document each (`_id` the bill number), and the indexed queries that list them."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from sportello_billing.adapters.codec import as_date, aware, day, maybe_day
from sportello_billing.adapters.session import Session
from sportello_billing.domain.bill_pages import Position
from sportello_billing.domain.bills import Bill, settled_state
from sportello_billing.domain.payments import Instalment, InstalmentPlan, Registration
from sportello_contracts.bills import BillLine, BillStatus, ConsumptionBilled, ReadingUsed

# What the listing sorts by: grouped by profile, newest first (and the index that serves it).
LIST_ORDER = [("billing_profile", 1), ("issued_on", -1), ("_id", -1)]
LIST_INDEX = [("customer_code", 1), *LIST_ORDER]
# Newest first across profiles (the home page's latest bills).
NEWEST_ORDER = [("issued_on", -1), ("_id", -1)]
NEWEST_INDEX = [("customer_code", 1), *NEWEST_ORDER]


class BillRecords:
    def __init__(self, collection: AsyncCollection[dict[str, Any]], session: Session) -> None:
        self.collection = collection
        self.session = session

    async def insert_new(self, bill: Bill) -> bool:
        """Keep a bill not seen before; False if its number is taken (a re-sent issue)."""
        try:
            await self.collection.insert_one(bill_doc(bill), session=self.session)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, bill_number: str, scope: dict[str, Any] | None = None) -> Bill | None:
        doc = await self.collection.find_one(
            {"_id": bill_number, **(scope or {})}, session=self.session
        )
        return None if doc is None else bill_of(doc)

    async def cancel(self, bill_number: str, on: date, reason: str, at: datetime) -> bool:
        result = await self.collection.update_one(
            {"_id": bill_number, "cancelled_on": None},
            {"$set": {"cancelled_on": day(on), "cancelled_reason": reason, "updated_at": at}},
            session=self.session,
        )
        return result.modified_count == 1

    async def credit(
        self, bill_number: str, credit_note: str, amount_cents: int, at: datetime
    ) -> bool:
        """Take a credit note off the bill, once per credit note."""
        result = await self.collection.update_one(
            {"_id": bill_number, "credit_notes": {"$ne": credit_note}},
            {
                "$inc": {"credited_cents": amount_cents},
                "$push": {"credit_notes": credit_note},
                "$set": {"updated_at": at},
            },
            session=self.session,
        )
        return result.modified_count == 1

    async def take_for_payment(
        self, bill_number: str, held_by: str | None, payment_id: str
    ) -> bool:
        """Make `payment_id` the bill's one online payment, if `held_by` still holds it (None:
        nobody); False if another payment got there first."""
        result = await self.collection.update_one(
            {"_id": bill_number, "online_payment_id": held_by},
            {"$set": {"online_payment_id": payment_id}},
            session=self.session,
        )
        return result.modified_count == 1

    async def release_payment(self, bill_number: str, payment_id: str) -> None:
        """The payment ended without paying: the bill is free for another."""
        await self.collection.update_one(
            {"_id": bill_number, "online_payment_id": payment_id},
            {"$set": {"online_payment_id": None}},
            session=self.session,
        )

    async def paid_online(self, bill_number: str, payment_id: str, amount_cents: int) -> None:
        """An online payment succeeded: shown paid until the back-office registers it."""
        await self.collection.update_one(
            {"_id": bill_number},
            {"$inc": {"pending_online_cents": amount_cents}},
            session=self.session,
        )
        # It holds the bill until registered, unless another payment holds it meanwhile (a
        # success reported after its checkout had expired and another had started).
        await self.take_for_payment(bill_number, None, payment_id)

    async def register(self, bill_number: str, registration: Registration, at: datetime) -> bool:
        """Add a registered payment, once per registration id; False if it was added already."""
        result = await self.collection.update_one(
            {
                "_id": bill_number,
                "registrations.registration_id": {"$ne": registration.registration_id},
            },
            {
                "$push": {"registrations": registration_doc(registration)},
                "$inc": {"paid_cents": registration.amount_cents},
                "$set": {"updated_at": at},
            },
            session=self.session,
        )
        return result.modified_count == 1

    async def online_registered(self, bill_number: str, payment_id: str, amount_cents: int) -> None:
        """The back-office registered an online payment that had succeeded: no longer pending."""
        await self.collection.update_one(
            {"_id": bill_number},
            {"$inc": {"pending_online_cents": -amount_cents}},
            session=self.session,
        )
        await self.release_payment(bill_number, payment_id)

    async def set_plan(self, bill_number: str, plan: InstalmentPlan, at: datetime) -> None:
        await self.collection.update_one(
            {"_id": bill_number},
            {"$set": {"instalment_plan": plan_doc(plan), "updated_at": at}},
            session=self.session,
        )

    async def settle(self, bill_number: str) -> Bill:
        """Keep the state the bill's amounts now give it (what the status filter reads), after
        a change to them; the bill as it is now."""
        bill = await self.get(bill_number)
        assert bill is not None, bill_number  # settled only after a change to a known bill
        await self.collection.update_one(
            {"_id": bill_number},
            {"$set": {"state": settled_state(bill)}},
            session=self.session,
        )
        return bill

    async def page(
        self,
        query: dict[str, Any],
        after: Position | None,
        limit: int,
        newest: bool = False,
    ) -> list[Bill]:
        """Up to `limit` bills matching `query`, in `LIST_ORDER` (or `NEWEST_ORDER`), after
        `after`.

        The bills after a position are read as the ranges that follow it, one query each, in
        order, until the page is full: each range is a prefix of an index. One query with an
        `$or` of them would be simpler, and MongoDB would serve each branch from the index, but
        SecantusDB answers a top-level `$or` by scanning the collection (bench/README.md).
        """
        order = NEWEST_ORDER if newest else LIST_ORDER
        ranges = [query] if after is None else _ranges_after(query, after, newest)
        bills: list[Bill] = []
        for filter_ in ranges:
            if len(bills) >= limit:
                break
            cursor = self.collection.find(filter_, session=self.session).sort(order)
            bills += [bill_of(doc) async for doc in cursor.limit(limit - len(bills))]
        return bills

    async def of_supply(self, supply_id: str, since: date) -> list[Bill]:
        """The supply's bills issued since `since`, oldest first (what comparisons look at)."""
        cursor = self.collection.find(
            {"supply_id": supply_id, "issued_on": {"$gte": day(since)}}, session=self.session
        ).sort([("issued_on", 1), ("_id", 1)])
        return [bill_of(doc) async for doc in cursor]

    async def bundle(self, customer_code: str, issued_on: date, payment_method: str) -> list[Bill]:
        cursor = self.collection.find(
            {
                "customer_code": customer_code,
                "issued_on": day(issued_on),
                "payment_method": payment_method,
            },
            session=self.session,
        ).sort([("supply_id", 1), ("_id", 1)])
        return [bill_of(doc) async for doc in cursor]

    async def open_of(self, customer_codes: Sequence[str], since: date) -> list[Bill]:
        """Bills that may still ask for money (not cancelled), issued since `since`."""
        cursor = self.collection.find(
            {
                "customer_code": {"$in": list(customer_codes)},
                "issued_on": {"$gte": day(since)},
                "cancelled_on": None,
            },
            session=self.session,
        )
        return [bill_of(doc) async for doc in cursor]


def bill_doc(bill: Bill) -> dict[str, Any]:
    return {
        "_id": bill.bill_number,
        "customer_code": bill.customer_code,
        "supply_id": bill.supply_id,
        "billing_profile": bill.billing_profile,
        "period_start": day(bill.period_start),
        "period_end": day(bill.period_end),
        "issued_on": day(bill.issued_on),
        "due_on": day(bill.due_on),
        "year": bill.issued_on.year,
        "total_cents": bill.total_cents,
        "credit_applied_cents": bill.credit_applied_cents,
        "lines": [line.model_dump(mode="json") for line in bill.lines],
        "consumption": bill.consumption.model_dump(mode="json"),
        "readings": [reading.model_dump(mode="json") for reading in bill.readings],
        "payment_method": bill.payment_method,
        "notice_position": bill.notice_position,
        "after_billing_gap": bill.after_billing_gap,
        "after_meter_fault": bill.after_meter_fault,
        "paid_cents": bill.paid_cents,
        "credited_cents": bill.credited_cents,
        "credit_notes": list(bill.credit_notes),
        "cancelled_on": maybe_day(bill.cancelled_on),
        "cancelled_reason": bill.cancelled_reason,
        "state": settled_state(bill),
        "updated_at": bill.updated_at,
        "registrations": [registration_doc(r) for r in bill.registrations],
        "pending_online_cents": bill.pending_online_cents,
        "online_payment_id": bill.online_payment_id,
        "instalment_plan": plan_doc(bill.instalment_plan) if bill.instalment_plan else None,
    }


def registration_doc(registration: Registration) -> dict[str, Any]:
    return {
        "registration_id": registration.registration_id,
        "amount_cents": registration.amount_cents,
        "paid_on": day(registration.paid_on),
        "registered_on": day(registration.registered_on),
        "channel": registration.channel,
        "payment_id": registration.payment_id,
    }


def registration_of(doc: dict[str, Any]) -> Registration:
    return Registration(
        registration_id=doc["registration_id"],
        amount_cents=doc["amount_cents"],
        paid_on=doc["paid_on"].date(),
        registered_on=doc["registered_on"].date(),
        channel=doc["channel"],
        payment_id=doc.get("payment_id"),
    )


def plan_doc(plan: InstalmentPlan) -> dict[str, Any]:
    return {
        "plan_id": plan.plan_id,
        "approved_on": day(plan.approved_on),
        "interest_cents": plan.interest_cents,
        "instalments": [
            {"number": i.number, "due_on": day(i.due_on), "amount_cents": i.amount_cents}
            for i in plan.instalments
        ],
    }


def plan_of(doc: dict[str, Any]) -> InstalmentPlan:
    return InstalmentPlan(
        plan_id=doc["plan_id"],
        approved_on=doc["approved_on"].date(),
        interest_cents=doc["interest_cents"],
        instalments=tuple(
            Instalment(i["number"], i["due_on"].date(), i["amount_cents"])
            for i in doc["instalments"]
        ),
    )


def bill_of(doc: dict[str, Any]) -> Bill:
    return Bill(
        bill_number=doc["_id"],
        customer_code=doc["customer_code"],
        supply_id=doc["supply_id"],
        billing_profile=doc["billing_profile"],
        period_start=doc["period_start"].date(),
        period_end=doc["period_end"].date(),
        issued_on=doc["issued_on"].date(),
        due_on=doc["due_on"].date(),
        total_cents=doc["total_cents"],
        credit_applied_cents=doc["credit_applied_cents"],
        lines=tuple(BillLine.model_validate(line) for line in doc["lines"]),
        consumption=ConsumptionBilled.model_validate(doc["consumption"]),
        readings=tuple(ReadingUsed.model_validate(r) for r in doc["readings"]),
        payment_method=doc["payment_method"],
        notice_position=doc.get("notice_position"),
        after_billing_gap=doc["after_billing_gap"],
        after_meter_fault=doc["after_meter_fault"],
        paid_cents=doc.get("paid_cents", 0),
        credited_cents=doc.get("credited_cents", 0),
        credit_notes=tuple(doc.get("credit_notes", ())),
        cancelled_on=as_date(doc.get("cancelled_on")),
        cancelled_reason=doc.get("cancelled_reason"),
        updated_at=aware(doc["updated_at"]) if doc.get("updated_at") else None,
        registrations=tuple(registration_of(r) for r in doc.get("registrations", ())),
        pending_online_cents=doc.get("pending_online_cents", 0),
        online_payment_id=doc.get("online_payment_id"),
        instalment_plan=plan_of(doc["instalment_plan"]) if doc.get("instalment_plan") else None,
    )


def status_filter(status: BillStatus, today: date) -> dict[str, Any]:
    """The stored fields a status is: "overdue" is "unpaid" with its due date gone by."""
    if status == "unpaid":
        return {"state": "unpaid", "due_on": {"$gte": day(today)}}
    if status == "overdue":
        return {"state": "unpaid", "due_on": {"$lt": day(today)}}
    return {"state": status}


def listing_query(
    customer_codes: Sequence[str],
    *,
    since: date,
    supply_id: str | None,
    year: int | None,
    status: BillStatus | None,
    today: date,
) -> dict[str, Any]:
    """The bills a listing shows: the caller's codes, issued since `since`, and the filters."""
    issued: dict[str, Any] = {"$gte": day(since)}
    if year is not None:
        issued = {"$gte": max(day(date(year, 1, 1)), day(since)), "$lt": day(date(year + 1, 1, 1))}
    query: dict[str, Any] = {"customer_code": {"$in": list(customer_codes)}, "issued_on": issued}
    if supply_id is not None:
        query["supply_id"] = supply_id
    if status is not None:
        query.update(status_filter(status, today))
    return query


def _ranges_after(query: dict[str, Any], after: Position, newest: bool) -> list[dict[str, Any]]:
    """The filters of what follows `after`, in the listing's order (see `BillRecords.page`)."""
    profile, issued_on, number = after
    same_day = _narrowed(query, {"$gte": day(issued_on), "$lte": day(issued_on)})
    earlier = _narrowed(query, {"$lt": day(issued_on)})
    if newest:
        ranges = [{**same_day, "_id": {"$lt": number}}, earlier]
    else:
        ranges = [
            {**same_day, "billing_profile": profile, "_id": {"$lt": number}},
            {**earlier, "billing_profile": profile},
            {**query, "billing_profile": {"$gt": profile}},
        ]
    return ranges


def _narrowed(query: dict[str, Any], issued_on: dict[str, Any]) -> dict[str, Any]:
    """`query` with its issue-date range narrowed by `issued_on` (both bounds kept: a cursor
    never reaches outside the listing's window)."""
    bounds = dict(query.get("issued_on", {}))
    for operator, value in issued_on.items():
        current = bounds.get(operator)
        if current is None:
            bounds[operator] = value
        elif operator in ("$gte", "$gt"):
            bounds[operator] = max(current, value)
        else:
            bounds[operator] = min(current, value)
    return {**query, "issued_on": bounds}
