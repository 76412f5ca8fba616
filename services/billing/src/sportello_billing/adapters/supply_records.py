"""Supplies, one document each (`_id` the supply id), guarded by the event that last wrote it."""

from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from sportello_billing.adapters.codec import as_date, aware, day, maybe_day
from sportello_billing.adapters.session import Session
from sportello_billing.domain.supplies import Supply
from sportello_contracts.supplies import Distributor, Meter, PostalAddress
from sportello_kit.guards import as_stored, older_than


class SupplyRecords:
    def __init__(self, collection: AsyncCollection[dict[str, Any]], session: Session) -> None:
        self.collection = collection
        self.session = session

    async def get(self, supply_id: str, scope: dict[str, Any] | None = None) -> Supply | None:
        doc = await self.collection.find_one(
            {"_id": supply_id, **(scope or {})}, session=self.session
        )
        return None if doc is None else supply_of(doc)

    async def of_customers(
        self, customer_codes: list[str], status: str | None = None
    ) -> list[Supply]:
        query: dict[str, Any] = {"customer_code": {"$in": customer_codes}}
        if status == "active":
            query["ceased_on"] = None
        elif status == "ceased":
            query["ceased_on"] = {"$ne": None}
        cursor = self.collection.find(query, session=self.session).sort(
            [("customer_code", 1), ("activated_on", 1), ("_id", 1)]
        )
        return [supply_of(doc) async for doc in cursor]

    async def find(self, query: dict[str, Any]) -> list[Supply]:
        cursor = self.collection.find(query, session=self.session).sort([("_id", 1)])
        return [supply_of(doc) async for doc in cursor]

    async def insert(self, supply: Supply, version: datetime) -> None:
        doc = supply_doc(supply)
        doc["applied_version"] = as_stored(version)
        doc["profile_history"] = [
            {"number": supply.billing_profile, "since": supply.updated_at, "until": None}
        ]
        await self.collection.insert_one(doc, session=self.session)

    async def update_if_newer(
        self, supply_id: str, version: datetime, fields: dict[str, Any]
    ) -> bool:
        """Set `fields` unless a newer event changed the supply; True if applied."""
        result = await self.collection.update_one(
            {"_id": supply_id, **older_than(version)},
            {"$set": {**fields, "applied_version": as_stored(version)}},
            session=self.session,
        )
        return result.matched_count == 1

    async def cease(self, supply_id: str, version: datetime, on: date, at: datetime) -> bool:
        return await self.update_if_newer(
            supply_id, version, {"ceased_on": day(on), "updated_at": at}
        )

    async def move(self, supply_id: str, from_profile: str, to_profile: str, at: datetime) -> None:
        """Into `to_profile`, keeping the history of the profiles it was in."""
        await self.collection.update_one(
            {"_id": supply_id, "billing_profile": from_profile},
            {
                "$set": {"billing_profile": to_profile, "profile_history.$[open].until": at},
            },
            array_filters=[{"open.until": None}],
            session=self.session,
        )
        await self.collection.update_one(
            {"_id": supply_id},
            {"$push": {"profile_history": {"number": to_profile, "since": at, "until": None}}},
            session=self.session,
        )

    async def former_members(self, customer_codes: list[str]) -> dict[str, list[str]]:
        """For each profile of the customers, the supplies that were in it once and are in
        another now: one query for all of them."""
        cursor = self.collection.find(
            {"customer_code": {"$in": customer_codes}},
            {"billing_profile": 1, "profile_history.number": 1},
            session=self.session,
        ).sort([("_id", 1)])
        former: dict[str, list[str]] = {}
        async for doc in cursor:
            for number in dict.fromkeys(h["number"] for h in doc.get("profile_history", ())):
                if number != doc["billing_profile"]:
                    former.setdefault(number, []).append(doc["_id"])
        return former


def supply_doc(supply: Supply) -> dict[str, Any]:
    return {
        "_id": supply.supply_id,
        "customer_code": supply.customer_code,
        "commodity": supply.commodity,
        "point_id": supply.point_id,
        "address": supply.address.model_dump(mode="json"),
        "use": supply.use,
        "contracted_power_kw": supply.contracted_power_kw,
        "offer_code": supply.offer_code,
        "offer_name": supply.offer_name,
        "meter": supply.meter.model_dump(mode="json"),
        "distributor": supply.distributor.model_dump(mode="json"),
        "activated_on": day(supply.activated_on),
        "ceased_on": maybe_day(supply.ceased_on),
        "billing_profile": supply.billing_profile,
        "updated_at": supply.updated_at,
    }


def supply_of(doc: dict[str, Any]) -> Supply:
    return Supply(
        supply_id=doc["_id"],
        customer_code=doc["customer_code"],
        commodity=doc["commodity"],
        point_id=doc["point_id"],
        address=PostalAddress.model_validate(doc["address"]),
        use=doc["use"],
        contracted_power_kw=doc.get("contracted_power_kw"),
        offer_code=doc["offer_code"],
        offer_name=doc["offer_name"],
        meter=Meter.model_validate(doc["meter"]),
        distributor=Distributor.model_validate(doc["distributor"]),
        activated_on=doc["activated_on"].date(),
        ceased_on=as_date(doc.get("ceased_on")),
        billing_profile=doc["billing_profile"],
        updated_at=aware(doc["updated_at"]),
    )
