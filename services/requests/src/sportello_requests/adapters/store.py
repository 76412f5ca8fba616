"""Requests' own database: the requests with their history, and what the service knows of the
customers' supplies and bills (from billing's events) to admit a request.

Days are ISO strings, as in metering: a calendar day, not an instant.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from sportello_contracts.request_forms import RequestForm
from sportello_kit.mongo import find_in
from sportello_requests.domain.admission import KnownBill, KnownSupply
from sportello_requests.domain.lifecycle import Change, Life

Session = AsyncClientSession | None
FORMS: TypeAdapter[RequestForm] = TypeAdapter(RequestForm)
# A customer's requests newest first: the lists (all, one supply's), and their pages.
NEWEST_INDEX = [("customer_code", ASCENDING), ("submitted_at", DESCENDING), ("_id", DESCENDING)]


@dataclass(frozen=True)
class StoredRequest:
    request_id: str
    customer_code: str
    account_id: str
    form: RequestForm
    life: Life
    submitted_at: datetime
    answer_due_on: date | None = None  # the written answer's deadline, for the types with one
    answered_on: date | None = None

    @property
    def supply_id(self) -> str | None:
        return getattr(self.form, "supply_id", None)

    @property
    def bill_number(self) -> str | None:
        numbers = getattr(self.form, "bill_numbers", None)
        return numbers[0] if numbers else getattr(self.form, "bill_number", None)


class RequestsStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.db = db

    async def create_indexes(self) -> None:
        await self.db.requests.create_index(NEWEST_INDEX, name="newest")
        await self.db.requests.create_index(
            [("customer_code", ASCENDING), ("supply_id", ASCENDING), ("submitted_at", DESCENDING)]
        )
        # Operators' list: unanswered written requests by due day.
        await self.db.requests.create_index(
            [("answered_on", ASCENDING), ("answer_due_on", ASCENDING)],
            partialFilterExpression={"answer_due_on": {"$type": "string"}},
        )
        await self.db.supplies.create_index("customer_code")
        await self.db.bills.create_index("customer_code")

    # Requests.

    async def add(self, request: StoredRequest, session: Session) -> None:
        await self.db.requests.insert_one(
            {"_id": request.request_id, **_request_doc(request)}, session=session
        )

    async def get(
        self, request_id: str, scope: dict[str, Any] | None = None, session: Session = None
    ) -> StoredRequest | None:
        doc = await self.db.requests.find_one({"_id": request_id, **(scope or {})}, session=session)
        return None if doc is None else _request_of(doc)

    async def save(self, request: StoredRequest, seen: int, session: Session) -> bool:
        """Replace the request if it still has the `seen` changes it was read with; False if
        another change came in between (the caller reads it again)."""
        result = await self.db.requests.replace_one(
            {"_id": request.request_id, "changes": seen},
            _request_doc(request),
            session=session,
        )
        return result.modified_count == 1

    async def page(
        self, query: dict[str, Any], after: tuple[datetime, str] | None, limit: int
    ) -> list[StoredRequest]:
        """Newest first; `after` is the (submitted_at, id) of the last one of the page before.

        A range on the time and the ties of its millisecond skipped here, rather than an `$or`
        of the two (which SecantusDB answers by scanning the collection)."""
        if after is None:
            cursor = self._newest(query).limit(limit)
            return [_request_of(doc) async for doc in cursor]
        at, last_id = after
        found: list[StoredRequest] = []
        cursor = self._newest({**query, "submitted_at": {"$lte": at}})
        async for doc in cursor:
            if doc["submitted_at"] == at and doc["_id"] >= last_id:
                continue  # shown on the page before
            found.append(_request_of(doc))
            if len(found) == limit:
                break
        await cursor.close()
        return found

    def _newest(self, query: dict[str, Any]) -> Any:
        return self.db.requests.find(query).sort(
            [("submitted_at", DESCENDING), ("_id", DESCENDING)]
        )

    async def due(self, until: date, limit: int) -> list[StoredRequest]:
        """Unanswered written requests due by `until` (overdue ones included), soonest first."""
        cursor = (
            self.db.requests.find(
                {
                    "answered_on": None,
                    "answer_due_on": {"$type": "string", "$lte": _day(until)},
                    "status": {"$in": ["submitted", "in_progress"]},
                }
            )
            .sort([("answer_due_on", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [_request_of(doc) async for doc in cursor]

    # What requests knows of supplies and bills.

    async def keep_supply(self, supply: KnownSupply, session: Session) -> None:
        await self.db.supplies.replace_one(
            {"_id": supply.supply_id}, _supply_doc(supply), upsert=True, session=session
        )

    async def cease_supply(self, supply_id: str, on: date, session: Session) -> None:
        await self.db.supplies.update_one(
            {"_id": supply_id}, {"$set": {"ceased_on": _day(on)}}, session=session
        )

    async def keep_bill(self, bill: KnownBill, session: Session) -> None:
        """Keep a bill as issued; a plan granted for it already stays granted."""
        doc = _bill_doc(bill)
        in_plan = doc.pop("in_plan")
        await self.db.bills.update_one(
            {"_id": bill.bill_number},
            {"$set": doc, "$setOnInsert": {"in_plan": in_plan}},
            upsert=True,
            session=session,
        )

    async def bill_paid(self, bill_number: str, amount_due_cents: int, session: Session) -> None:
        await self.db.bills.update_one(
            {"_id": bill_number}, {"$set": {"amount_due_cents": amount_due_cents}}, session=session
        )

    async def bill_in_plan(self, bill_number: str, session: Session) -> None:
        await self.db.bills.update_one(
            {"_id": bill_number}, {"$set": {"in_plan": True}}, session=session
        )

    async def supplies_of(
        self, customer_codes: Sequence[str], session: Session = None
    ) -> dict[str, KnownSupply]:
        docs = await find_in(self.db.supplies, "customer_code", customer_codes, session)
        return {doc["_id"]: _supply_of(doc) for doc in docs}

    async def bills(
        self, bill_numbers: Iterable[str], scope: dict[str, Any], session: Session = None
    ) -> dict[str, KnownBill]:
        docs = await find_in(self.db.bills, "_id", bill_numbers, session, scope)
        return {doc["_id"]: _bill_of(doc) for doc in docs}


def _day(value: date) -> str:
    return value.isoformat()


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _request_doc(request: StoredRequest) -> dict[str, Any]:
    life = request.life
    return {
        "customer_code": request.customer_code,
        "account_id": request.account_id,
        "type": request.form.type,
        "supply_id": request.supply_id,
        "bill_number": request.bill_number,
        "form": FORMS.dump_python(request.form, mode="json"),
        "status": life.status,
        "changes": len(life.changes),  # the guard of `save`
        "history": [
            {
                "change_id": c.change_id,
                "status": c.status,
                "at": c.at,
                "by": c.by,
                "message": c.message,
            }
            for c in life.changes
        ],
        "submitted_at": request.submitted_at,
        "updated_at": life.changes[-1].at,
        "answer_due_on": None if request.answer_due_on is None else _day(request.answer_due_on),
        "answered_on": None if request.answered_on is None else _day(request.answered_on),
    }


def _request_of(doc: dict[str, Any]) -> StoredRequest:
    changes = tuple(
        Change(
            change_id=c["change_id"],
            status=c["status"],
            at=c["at"],
            by=c["by"],
            message=c["message"],
        )
        for c in doc["history"]
    )
    return StoredRequest(
        request_id=doc["_id"],
        customer_code=doc["customer_code"],
        account_id=doc["account_id"],
        form=FORMS.validate_python(doc["form"]),
        life=Life(status=doc["status"], changes=changes),
        submitted_at=doc["submitted_at"],
        answer_due_on=_date(doc.get("answer_due_on")),
        answered_on=_date(doc.get("answered_on")),
    )


def _supply_doc(supply: KnownSupply) -> dict[str, Any]:
    return {
        "customer_code": supply.customer_code,
        "commodity": supply.commodity,
        "point_id": supply.point_id,
        "ceased_on": None if supply.ceased_on is None else _day(supply.ceased_on),
    }


def _supply_of(doc: dict[str, Any]) -> KnownSupply:
    return KnownSupply(
        supply_id=doc["_id"],
        customer_code=doc["customer_code"],
        commodity=doc["commodity"],
        point_id=doc["point_id"],
        ceased_on=_date(doc.get("ceased_on")),
    )


def _bill_doc(bill: KnownBill) -> dict[str, Any]:
    return {
        "customer_code": bill.customer_code,
        "supply_id": bill.supply_id,
        "total_cents": bill.total_cents,
        "amount_due_cents": bill.amount_due_cents,
        "in_plan": bill.in_plan,
    }


def _bill_of(doc: dict[str, Any]) -> KnownBill:
    return KnownBill(
        bill_number=doc["_id"],
        customer_code=doc["customer_code"],
        supply_id=doc["supply_id"],
        total_cents=doc["total_cents"],
        amount_due_cents=doc["amount_due_cents"],
        in_plan=doc["in_plan"],
    )
