"""Billing's MongoDB collections: the customers that own supplies and billing profiles."""

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from sportello_contracts.backoffice import CustomerOnboarded


class BillingStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.customers = db.customers

    async def create_indexes(self) -> None:
        await self.customers.create_index("fiscal_code")

    async def save_customer(self, customer: CustomerOnboarded, session: AsyncClientSession) -> None:
        # Billing keeps who the customer is, never the registration PIN.
        await self.customers.update_one(
            {"_id": customer.customer_code},
            {"$set": {"fiscal_code": customer.fiscal_code, "full_name": customer.full_name}},
            upsert=True,
            session=session,
        )

    async def customer(self, customer_code: str) -> dict[str, Any] | None:
        return await self.customers.find_one({"_id": customer_code})
