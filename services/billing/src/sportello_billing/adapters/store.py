"""Billing's MongoDB collections: the customers that own supplies and billing profiles."""

from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from sportello_billing.domain.customers import Customer
from sportello_kit.guards import apply_if_newer

Session = AsyncClientSession | None


class BillingStore:
    """Billing's database: its collections and their indexes."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.db = db

    async def create_indexes(self) -> None:
        await self.db.customers.create_index("fiscal_code")

    def customers(self, session: Session = None) -> "CustomerRecords":
        """The customers, read and written in `session` (a handler's transaction) if given."""
        return CustomerRecords(self.db.customers, session)


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

    async def get(self, customer_code: str) -> Customer | None:
        doc = await self.collection.find_one({"_id": customer_code}, session=self.session)
        return None if doc is None else _customer(doc)


def _customer(doc: dict[str, Any]) -> Customer:
    return Customer(
        customer_code=doc["_id"], fiscal_code=doc.get("fiscal_code"), full_name=doc.get("full_name")
    )
