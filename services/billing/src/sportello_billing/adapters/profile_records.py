"""Billing profiles, one document each (`_id` the `BP-` number), and the counter numbering them."""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from sportello_billing.adapters.codec import (
    aware,
    delivery_doc,
    delivery_from_doc,
    payment_doc,
    payment_from_doc,
)
from sportello_billing.adapters.session import Session
from sportello_billing.domain.profiles import BillingProfile, format_number

COUNTER = "billing_profile"


class ProfileRecords:
    def __init__(
        self,
        collection: AsyncCollection[dict[str, Any]],
        counters: AsyncCollection[dict[str, Any]],
        session: Session,
    ) -> None:
        self.collection = collection
        self.counters = counters
        self.session = session

    async def next_number(self) -> str:
        """A number no profile has had. Inside a transaction two openings racing write the same
        counter document: one of them conflicts and is retried whole, so none share a number
        (and the unique `_id` would refuse it if one ever did)."""
        await self.counters.update_one(
            {"_id": COUNTER}, {"$inc": {"value": 1}}, upsert=True, session=self.session
        )
        counter = await self.counters.find_one({"_id": COUNTER}, session=self.session)
        assert counter is not None
        return format_number(int(counter["value"]))

    async def insert(self, profile: BillingProfile) -> None:
        await self.collection.insert_one(profile_doc(profile), session=self.session)

    async def close(self, number: str, at: datetime) -> None:
        await self.collection.update_one(
            {"_id": number, "status": "active"},
            {"$set": {"status": "closed", "closed_at": at}},
            session=self.session,
        )

    async def get(self, number: str, scope: dict[str, Any] | None = None) -> BillingProfile | None:
        doc = await self.collection.find_one({"_id": number, **(scope or {})}, session=self.session)
        return None if doc is None else profile_of(doc)

    async def of_customers(
        self, customer_codes: list[str], status: str | None = None
    ) -> list[BillingProfile]:
        query: dict[str, Any] = {"customer_code": {"$in": customer_codes}}
        if status is not None:
            query["status"] = status
        cursor = self.collection.find(query, session=self.session).sort([("_id", 1)])
        return [profile_of(doc) async for doc in cursor]

    async def active_with_pair(self, customer_code: str, pair: str) -> BillingProfile | None:
        doc = await self.collection.find_one(
            {"customer_code": customer_code, "status": "active", "pair_key": pair},
            session=self.session,
        )
        return None if doc is None else profile_of(doc)


def profile_doc(profile: BillingProfile) -> dict[str, Any]:
    return {
        "_id": profile.number,
        "customer_code": profile.customer_code,
        "pair_key": profile.pair,
        "status": profile.status,
        "delivery": delivery_doc(profile.delivery),
        "payment": payment_doc(profile.payment),
        "opened_at": profile.opened_at,
        "closed_at": profile.closed_at,
    }


def profile_of(doc: dict[str, Any]) -> BillingProfile:
    return BillingProfile(
        number=doc["_id"],
        customer_code=doc["customer_code"],
        delivery=delivery_from_doc(doc["delivery"]),
        payment=payment_from_doc(doc["payment"]),
        status=doc["status"],
        opened_at=aware(doc["opened_at"]),
        closed_at=aware(doc["closed_at"]) if doc.get("closed_at") else None,
    )
