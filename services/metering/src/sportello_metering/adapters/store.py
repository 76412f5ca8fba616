"""Metering's MongoDB database: supplies as metering knows them, meters, readings, interval days,
prices and billed consumption. Days are kept as ISO strings ("2026-11-29"): exact, and they sort
as dates do."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReplaceOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from sportello_kit.mongo import find_in
from sportello_metering.domain.intervals import Prices
from sportello_metering.domain.meters import Meter
from sportello_metering.domain.readings import Reading, Step

Session = AsyncClientSession | None
# A supply's readings newest first: the history's pages, and "the last reading that counts".
HISTORY_INDEX = [("supply_id", ASCENDING), ("read_on", DESCENDING), ("_id", DESCENDING)]
DUPLICATE_KEY = 11000
# One supply's interval days in a range: a month is one query on it.
INTERVALS_INDEX = [("supply_id", ASCENDING), ("day", ASCENDING)]


@dataclass(frozen=True)
class MeteredSupply:
    """A supply as metering knows it: whose it is, what it delivers, whether it is ceased, and
    the reading window its latest bill printed."""

    supply_id: str
    customer_code: str
    commodity: str | None
    point_id: str | None
    ceased_on: date | None = None
    window: tuple[date, date] | None = None


@dataclass(frozen=True)
class BilledConsumption:
    bill_number: str
    supply_id: str
    period_start: date
    period_end: date
    quantity: Decimal


def _day(value: date) -> str:
    return value.isoformat()


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


@dataclass(frozen=True)
class OwnedMeter:
    meter: Meter
    customer_code: str
    customer_read_on: date | None  # the latest customer's reading, if any


class MeteringStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.db = db

    async def create_indexes(self) -> None:
        await self.db.supplies.create_index("customer_code")
        await self.db.meters.create_index([("supply_id", ASCENDING), ("installed_on", ASCENDING)])
        await self.db.readings.create_index(HISTORY_INDEX, name="history")
        await self.db.readings.create_index(
            [("supply_id", ASCENDING), ("source", ASCENDING), ("status", ASCENDING)]
        )
        await self.db.intervals.create_index(INTERVALS_INDEX, name="supply_days", unique=True)
        await self.db.prices.create_index([("supply_id", ASCENDING), ("valid_from", ASCENDING)])
        await self.db.billed.create_index([("supply_id", ASCENDING), ("period_end", ASCENDING)])

    # Supplies.

    async def supply(
        self, supply_id: str, scope: dict[str, Any] | None = None, session: Session = None
    ) -> MeteredSupply | None:
        doc = await self.db.supplies.find_one({"_id": supply_id, **(scope or {})}, session=session)
        return None if doc is None else _supply_of(doc)

    async def supplies_by_id(
        self, supply_ids: Iterable[str], session: Session = None
    ) -> dict[str, MeteredSupply]:
        docs = await find_in(self.db.supplies, "_id", supply_ids, session)
        return {doc["_id"]: _supply_of(doc) for doc in docs}

    async def supplies(self, query: dict[str, Any]) -> list[MeteredSupply]:
        cursor = self.db.supplies.find(query).sort([("customer_code", 1), ("_id", 1)]).limit(500)
        return [_supply_of(doc) async for doc in cursor]

    async def keep_supply(
        self,
        supply_id: str,
        customer_code: str,
        session: Session,
        *,
        commodity: str | None = None,
        point_id: str | None = None,
    ) -> None:
        # Only what is given is set: a bill knows the commodity, not the meter's point.
        fields: dict[str, Any] = {"customer_code": customer_code}
        if commodity is not None:
            fields["commodity"] = commodity
        if point_id is not None:
            fields["point_id"] = point_id
        await self.db.supplies.update_one(
            {"_id": supply_id}, {"$set": fields}, upsert=True, session=session
        )
        # Meters carry their holder (a batch of readings needs no look at the supplies).
        await self.db.meters.update_many(
            {"supply_id": supply_id, "customer_code": {"$ne": customer_code}},
            {"$set": {"customer_code": customer_code}},
            session=session,
        )

    async def cease(self, supply_id: str, customer_code: str, on: date, session: Session) -> None:
        await self.keep_supply(supply_id, customer_code, session)
        await self.db.supplies.update_one(
            {"_id": supply_id}, {"$set": {"ceased_on": _day(on)}}, session=session
        )

    async def set_window(
        self,
        supply_id: str,
        customer_code: str,
        window: tuple[date, date],
        issued_on: date,
        session: Session,
    ) -> None:
        """Keep the window of the newest bill: an older bill arriving late changes nothing.
        The supply is kept already (`keep_supply`, by the bill's handler)."""
        await self.db.supplies.update_one(
            {
                "_id": supply_id,
                "$or": [
                    {"window_issued_on": {"$lte": _day(issued_on)}},
                    {"window_issued_on": None},
                ],
            },
            {
                "$set": {
                    "window": [_day(window[0]), _day(window[1])],
                    "window_issued_on": _day(issued_on),
                }
            },
            session=session,
        )

    # Meters.

    async def meters(self, supply_ids: Iterable[str], session: Session = None) -> list[Meter]:
        return [owned.meter for owned in await self.owned_meters(supply_ids, session)]

    async def owned_meters(
        self, supply_ids: Iterable[str], session: Session = None
    ) -> list["OwnedMeter"]:
        """The supplies' meters with what a batch needs besides: the holder, and the day of
        the latest customer's reading."""
        docs = await find_in(self.db.meters, "supply_id", supply_ids, session)
        docs.sort(key=lambda doc: (doc["supply_id"], doc["installed_on"]))
        return [
            OwnedMeter(_meter_of(d), d["customer_code"], _date(d.get("customer_read_on")))
            for d in docs
        ]

    async def note_customer_reading(
        self, supply_id: str, serial: str, on: date, session: Session
    ) -> None:
        """Remember the day of the meter's latest customer reading: a distributor's reading
        far from it supersedes nothing, and a batch need not look."""
        await self.db.meters.update_one(
            {"_id": f"{supply_id}:{serial}"},
            {"$max": {"customer_read_on": _day(on)}},
            session=session,
        )

    async def keep_meter(self, meter: Meter, customer_code: str, session: Session) -> None:
        # A replacement may have ended it already (its installation sent again): that stays.
        doc = _meter_doc(meter) | {"customer_code": customer_code}
        ended = {"removed_on": doc.pop("removed_on"), "removal": doc.pop("removal")}
        await self.db.meters.update_one(
            {"_id": f"{meter.supply_id}:{meter.serial}"},
            {"$set": doc, "$setOnInsert": ended},
            upsert=True,
            session=session,
        )

    async def remove_meter(
        self, supply_id: str, serial: str, on: date, removal: dict[str, int], session: Session
    ) -> None:
        await self.db.meters.update_one(
            {"_id": f"{supply_id}:{serial}"},
            {"$set": {"removed_on": _day(on), "removal": removal}},
            session=session,
        )

    # Readings.

    async def reading(
        self, reading_id: str, scope: dict[str, Any] | None = None, session: Session = None
    ) -> Reading | None:
        doc = await self.db.readings.find_one({"_id": reading_id, **(scope or {})}, session=session)
        return None if doc is None else _reading_of(doc)

    async def readings(
        self, query: dict[str, Any], limit: int = 0, session: Session = None
    ) -> list[Reading]:
        cursor = self.db.readings.find(query, session=session).sort(
            [("read_on", DESCENDING), ("_id", DESCENDING)]
        )
        if limit:
            cursor = cursor.limit(limit)
        return [_reading_of(doc) async for doc in cursor]

    async def readings_of(
        self, supply_ids: Iterable[str], query: dict[str, Any], session: Session = None
    ) -> list[Reading]:
        """The readings of any of `supply_ids` that match `query`."""
        docs = await find_in(self.db.readings, "supply_id", supply_ids, session, query)
        return [_reading_of(doc) for doc in docs]

    async def add_reading(self, reading: Reading, session: Session) -> None:
        await self.db.readings.insert_one(
            {"_id": reading.reading_id, **_reading_doc(reading)}, session=session
        )

    async def save_reading(self, reading: Reading, session: Session) -> None:
        await self.db.readings.replace_one(
            {"_id": reading.reading_id}, _reading_doc(reading), session=session
        )

    async def save_readings(self, readings: Sequence[Reading], session: Session) -> None:
        if readings:
            await self.db.readings.bulk_write(
                [ReplaceOne({"_id": r.reading_id}, _reading_doc(r)) for r in readings],
                ordered=False,
                session=session,
            )

    async def keep_readings(self, readings: Sequence[Reading]) -> list[Reading]:
        """Store readings once each (see `_keep`): new ones inserted, changed ones replaced,
        the same ones left alone. Returns those written."""
        return await self._keep(
            "readings",
            {r.reading_id: _reading_doc(r) for r in readings},
            {r.reading_id: r for r in readings},
        )

    async def keep_days(self, days: Sequence[tuple[str, date, Sequence[int]]]) -> int:
        """Store supply-days of 15-minute data once each (see `_keep`); how many written."""
        docs = {
            f"{supply_id}:{_day(day)}": {
                "supply_id": supply_id,
                "day": _day(day),
                "quarter_wh": list(quarters),
                "total_wh": sum(quarters),
            }
            for supply_id, day, quarters in days
        }
        return len(await self._keep("intervals", docs, dict.fromkeys(docs, None)))

    async def _keep(
        self, collection: str, docs: dict[str, dict[str, Any]], items: dict[str, Any]
    ) -> list[Any]:
        """Insert `docs` by their ids, outside the batch's transaction; the ones there already
        are replaced if they changed. Each id is its row's key (a meter's day, a supply's
        day), so a batch written again (redelivered after a crash, or sent twice) finds its
        rows and leaves them: the write is idempotent without the transaction. Inside it, a
        duplicate would abort the transaction, and looking first costs a lookup per row that
        the common case, all rows new, does not need."""
        if not docs:
            return []
        keys = list(docs)
        try:
            await self.db[collection].insert_many(
                [{"_id": key, **docs[key]} for key in keys], ordered=False
            )
            return [items[key] for key in keys]
        except BulkWriteError as error:
            failures = error.details.get("writeErrors", [])
            if any(f.get("code") != DUPLICATE_KEY for f in failures):
                raise
            there = {keys[f["index"]] for f in failures}
        found = await find_in(self.db[collection], "_id", there, None)
        stored = {doc["_id"]: doc for doc in found}
        changed = [key for key in there if _content(stored[key]) != _content(docs[key])]
        if changed:
            await self.db[collection].bulk_write(
                [ReplaceOne({"_id": key}, docs[key]) for key in changed], ordered=False
            )
        return [items[key] for key in keys if key not in there or key in changed]

    # Interval days and prices.

    async def days(self, supply_id: str, first: date, last: date) -> dict[date, list[int]]:
        """A supply's days of 15-minute data from `first` to `last`: one indexed query."""
        cursor = self.db.intervals.find(
            _days_between(supply_id, first, last), {"day": 1, "quarter_wh": 1}
        ).sort("day", ASCENDING)
        return {date.fromisoformat(doc["day"]): doc["quarter_wh"] async for doc in cursor}

    async def day_totals(self, supply_id: str, first: date, last: date) -> dict[date, int]:
        cursor = self.db.intervals.find(
            _days_between(supply_id, first, last), {"day": 1, "total_wh": 1}
        ).sort("day", ASCENDING)
        return {date.fromisoformat(doc["day"]): doc["total_wh"] async for doc in cursor}

    async def keep_prices(self, supply_id: str, prices: Prices, session: Session) -> None:
        await self.db.prices.replace_one(
            {"_id": f"{supply_id}:{_day(prices.valid_from)}"},
            {
                "supply_id": supply_id,
                "valid_from": _day(prices.valid_from),
                "euro_per_kwh": {band: str(p) for band, p in prices.euro_per_kwh.items()},
            },
            upsert=True,
            session=session,
        )

    async def prices(self, supply_id: str) -> list[Prices]:
        cursor = self.db.prices.find({"supply_id": supply_id}).sort("valid_from", ASCENDING)
        return [
            Prices(
                valid_from=date.fromisoformat(doc["valid_from"]),
                euro_per_kwh={band: Decimal(p) for band, p in doc["euro_per_kwh"].items()},
            )
            async for doc in cursor
        ]

    # What bills billed.

    async def keep_billed(self, billed: BilledConsumption, session: Session) -> None:
        await self.db.billed.replace_one(
            {"_id": billed.bill_number},
            {
                "supply_id": billed.supply_id,
                "period_start": _day(billed.period_start),
                "period_end": _day(billed.period_end),
                "quantity": str(billed.quantity),
            },
            upsert=True,
            session=session,
        )

    async def billed(self, supply_id: str) -> list[BilledConsumption]:
        cursor = self.db.billed.find({"supply_id": supply_id}).sort("period_end", ASCENDING)
        return [
            BilledConsumption(
                bill_number=doc["_id"],
                supply_id=doc["supply_id"],
                period_start=date.fromisoformat(doc["period_start"]),
                period_end=date.fromisoformat(doc["period_end"]),
                quantity=Decimal(doc["quantity"]),
            )
            async for doc in cursor
        ]


# When a record was written says nothing of its content: the same row sent again is no change.
_NOT_CONTENT = ("_id", "recorded_at")


def _content(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in _NOT_CONTENT}


def _days_between(supply_id: str, first: date, last: date) -> dict[str, Any]:
    return {"supply_id": supply_id, "day": {"$gte": _day(first), "$lte": _day(last)}}


def _supply_of(doc: dict[str, Any]) -> MeteredSupply:
    window = doc.get("window")
    return MeteredSupply(
        supply_id=doc["_id"],
        customer_code=doc["customer_code"],
        commodity=doc.get("commodity"),
        point_id=doc.get("point_id"),
        ceased_on=_date(doc.get("ceased_on")),
        window=None
        if not window
        else (date.fromisoformat(window[0]), date.fromisoformat(window[1])),
    )


def _meter_doc(meter: Meter) -> dict[str, Any]:
    return {
        "supply_id": meter.supply_id,
        "serial": meter.serial,
        "digits": meter.digits,
        "unit": meter.unit,
        "registers": list(meter.registers),
        "smart": meter.smart,
        "correction_factor": None
        if meter.correction_factor is None
        else str(meter.correction_factor),
        "installed_on": _day(meter.installed_on),
        "initial": meter.initial,
        "removed_on": None if meter.removed_on is None else _day(meter.removed_on),
        "removal": meter.removal,
    }


def _meter_of(doc: dict[str, Any]) -> Meter:
    factor = doc.get("correction_factor")
    return Meter(
        supply_id=doc["supply_id"],
        serial=doc["serial"],
        digits=doc["digits"],
        unit=doc["unit"],
        registers=tuple(doc["registers"]),
        smart=doc["smart"],
        correction_factor=None if factor is None else Decimal(factor),
        installed_on=date.fromisoformat(doc["installed_on"]),
        initial=doc["initial"],
        removed_on=_date(doc.get("removed_on")),
        removal=doc.get("removal"),
    )


def _reading_doc(reading: Reading) -> dict[str, Any]:
    return {
        "supply_id": reading.supply_id,
        "customer_code": reading.customer_code,
        "meter_serial": reading.meter_serial,
        "read_on": _day(reading.read_on),
        "values": reading.values,
        "source": reading.source,
        "status": reading.status,
        "recorded_at": reading.recorded_at,
        "account_id": reading.account_id,
        "consumption": reading.consumption,
        "rolled_over": reading.rolled_over,
        "flagged": reading.flagged,
        "flag_reason": reading.flag_reason,
        "in_window": reading.in_window,
        "answer_by": None if reading.answer_by is None else _day(reading.answer_by),
        "bill_number": reading.bill_number,
        "reason": reading.reason,
        "steps": [
            {"status": s.status, "on": _day(s.on), "explanation": s.explanation}
            for s in reading.steps
        ],
    }


def _reading_of(doc: dict[str, Any]) -> Reading:
    return Reading(
        reading_id=doc["_id"],
        supply_id=doc["supply_id"],
        customer_code=doc["customer_code"],
        meter_serial=doc["meter_serial"],
        read_on=date.fromisoformat(doc["read_on"]),
        values=doc["values"],
        source=doc["source"],
        status=doc["status"],
        recorded_at=doc["recorded_at"],
        account_id=doc.get("account_id"),
        consumption=doc.get("consumption"),
        rolled_over=doc.get("rolled_over", False),
        flagged=doc.get("flagged", False),
        flag_reason=doc.get("flag_reason"),
        in_window=doc.get("in_window", True),
        answer_by=_date(doc.get("answer_by")),
        bill_number=doc.get("bill_number"),
        reason=doc.get("reason"),
        steps=tuple(
            Step(status=s["status"], on=date.fromisoformat(s["on"]), explanation=s["explanation"])
            for s in doc.get("steps", ())
        ),
    )
