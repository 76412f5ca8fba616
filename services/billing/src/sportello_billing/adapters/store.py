"""Billing's MongoDB database: its collections, their indexes, and the customers' records."""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from sportello_billing.adapters.bill_records import LIST_INDEX, NEWEST_INDEX, BillRecords
from sportello_billing.adapters.documents import DocumentStore
from sportello_billing.adapters.mandate_records import MandateRecords
from sportello_billing.adapters.payment_records import (
    CallbackRecords,
    PaymentRecords,
    create_payment_indexes,
)
from sportello_billing.adapters.profile_records import ProfileRecords
from sportello_billing.adapters.session import Session
from sportello_billing.adapters.supply_records import SupplyRecords
from sportello_billing.domain.customers import Customer
from sportello_kit.guards import apply_if_newer


class BillingStore:
    """Billing's database: its collections and their indexes."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.db = db

    async def create_indexes(self) -> None:
        await self.db.customers.create_index("fiscal_code")
        await self.db.supplies.create_index([("customer_code", 1), ("activated_on", 1)])
        await self.db.supplies.create_index("profile_history.number")
        await self.db.billing_profiles.create_index(
            [("customer_code", 1), ("status", 1), ("pair_key", 1)]
        )
        # The bills' listing (grouped by profile, newest first), a supply's history, a plico.
        await self.db.bills.create_index(LIST_INDEX, name="listing")
        await self.db.bills.create_index(NEWEST_INDEX, name="newest")
        await self.db.bills.create_index(
            [("customer_code", 1), ("supply_id", 1), ("issued_on", -1), ("_id", -1)]
        )
        await self.db.bills.create_index([("supply_id", 1), ("issued_on", 1)])
        await self.db.bills.create_index(
            [("customer_code", 1), ("issued_on", 1), ("payment_method", 1)]
        )
        await create_payment_indexes(self.db.payments, self.db.payment_callbacks_refused)

    # Each takes the session of a handler's transaction, if there is one.

    def customers(self, session: Session = None) -> "CustomerRecords":
        return CustomerRecords(self.db.customers, session)

    def supplies(self, session: Session = None) -> SupplyRecords:
        return SupplyRecords(self.db.supplies, session)

    def profiles(self, session: Session = None) -> ProfileRecords:
        return ProfileRecords(self.db.billing_profiles, self.db.counters, session)

    def bills(self, session: Session = None) -> BillRecords:
        return BillRecords(self.db.bills, session)

    def payments(self, session: Session = None) -> PaymentRecords:
        return PaymentRecords(self.db.payments, session)

    def callbacks(self, session: Session = None) -> CallbackRecords:
        return CallbackRecords(
            self.db.payment_callbacks, self.db.payment_callbacks_refused, session
        )

    def mandates(self, session: Session = None) -> MandateRecords:
        return MandateRecords(self.db.mandates, session)

    def documents(self) -> DocumentStore:
        return DocumentStore(self.db.documents)


class CustomerRecords:
    """Customers, one document each: `_id` is the customer code; `applied_version` the
    `occurred_at` of the onboarding event that wrote it."""

    def __init__(self, collection: AsyncCollection[dict[str, Any]], session: Session) -> None:
        self.collection = collection
        self.session = session

    async def keep_if_newer(self, customer: Customer, as_of: datetime) -> bool:
        return await apply_if_newer(
            self.collection,
            customer.customer_code,
            as_of,
            {"$set": {"fiscal_code": customer.fiscal_code, "full_name": customer.full_name}},
            self.session,
        )

    async def pseudonymise(self, customers: list[Customer], at: datetime) -> None:
        """Keep each customer as given (`pseudonymised`); a repeat changes nothing more."""
        for customer in customers:
            await self.collection.update_one(
                {"_id": customer.customer_code},
                {
                    "$set": {
                        "fiscal_code": customer.fiscal_code,
                        "full_name": customer.full_name,
                        "pseudonymised_at": at,
                    }
                },
                session=self.session,
            )

    async def serialise(self, customer_codes: list[str]) -> None:
        """Write each customer's document, so that two transactions changing the profiles of
        one customer conflict and one is retried (write skew would let both open a profile
        for the same pair)."""
        for code in sorted(customer_codes):
            await self.collection.update_one(
                {"_id": code}, {"$inc": {"profile_changes": 1}}, session=self.session
            )

    async def known(self, customer_codes: list[str]) -> set[str]:
        cursor = self.collection.find(
            {"_id": {"$in": customer_codes}, "full_name": {"$exists": True}},
            {"_id": 1},
            session=self.session,
        )
        return {doc["_id"] async for doc in cursor}

    async def get(self, customer_code: str) -> Customer | None:
        doc = await self.collection.find_one({"_id": customer_code}, session=self.session)
        return None if doc is None else _customer(doc)


def _customer(doc: dict[str, Any]) -> Customer:
    return Customer(
        customer_code=doc["_id"], fiscal_code=doc.get("fiscal_code"), full_name=doc.get("full_name")
    )
