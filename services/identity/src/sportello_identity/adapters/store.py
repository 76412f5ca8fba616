"""Identity's MongoDB collections: customers, accounts, sessions, PIN attempts."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from sportello_identity.domain.accounts import Account, Customer

Session = AsyncClientSession | None


class IdentityStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.customers = db.customers
        self.accounts = db.accounts
        self.sessions = db.sessions
        self.pin_attempts = db.pin_attempts

    async def create_indexes(self) -> None:
        await self.customers.create_index("fiscal_code")
        await self.accounts.create_index("username", unique=True)
        await self.accounts.create_index("email", unique=True)
        await self.accounts.create_index("fiscal_code", unique=True)
        await self.sessions.create_index("expires_at", expireAfterSeconds=0)
        await self.sessions.create_index("family")
        await self.pin_attempts.create_index("expires_at", expireAfterSeconds=0)

    # Customers

    async def customers_of(self, fiscal_code: str, session: Session = None) -> list[Customer]:
        docs = await self.customers.find({"fiscal_code": fiscal_code}, session=session).to_list()
        return [_customer(d) for d in docs]

    async def save_onboarded(self, customer: Customer, session: AsyncClientSession) -> None:
        """Insert or update from the back-office; a PIN already used to register is kept."""
        existing = await self.customers.find_one({"_id": customer.customer_code}, session=session)
        fields: dict[str, Any] = {
            "fiscal_code": customer.fiscal_code,
            "full_name": customer.full_name,
            "email": customer.email,
        }
        if existing is None or existing.get("account_id") is None:
            fields["pin_hash"] = customer.pin_hash
        await self.customers.update_one(
            {"_id": customer.customer_code},
            {"$set": fields, "$setOnInsert": {"account_id": None}},
            upsert=True,
            session=session,
        )

    async def mark_registered(
        self, customer_codes: list[str], account_id: str, session: AsyncClientSession
    ) -> None:
        await self.customers.update_many(
            {"_id": {"$in": customer_codes}},
            {"$set": {"account_id": account_id}},
            session=session,
        )

    # Accounts

    async def insert_account(self, account: Account, session: AsyncClientSession) -> None:
        doc = asdict(account)
        doc["_id"] = doc.pop("account_id")
        doc["customer_codes"] = list(account.customer_codes)
        doc.update(login_failures=0, locked_until=None)
        await self.accounts.insert_one(doc, session=session)

    async def account(self, account_id: str) -> dict[str, Any] | None:
        return await self.accounts.find_one({"_id": account_id})

    async def account_by_username(self, username: str) -> dict[str, Any] | None:
        return await self.accounts.find_one({"username": username})

    async def account_of(self, fiscal_code: str, session: Session = None) -> dict[str, Any] | None:
        return await self.accounts.find_one({"fiscal_code": fiscal_code}, session=session)

    async def add_customer_code(
        self, account_id: str, customer_code: str, session: AsyncClientSession
    ) -> None:
        await self.accounts.update_one(
            {"_id": account_id}, {"$addToSet": {"customer_codes": customer_code}}, session=session
        )

    async def record_login(
        self, account_id: str, failures: int, locked_until: datetime | None
    ) -> None:
        await self.accounts.update_one(
            {"_id": account_id},
            {"$set": {"login_failures": failures, "locked_until": locked_until}},
        )

    async def set_password_hash(self, account_id: str, password_hash: str) -> None:
        await self.accounts.update_one(
            {"_id": account_id}, {"$set": {"password_hash": password_hash}}
        )

    # PIN attempts, per fiscal code

    async def pin_attempts_of(self, fiscal_code: str) -> dict[str, Any]:
        return await self.pin_attempts.find_one({"_id": fiscal_code}) or {}

    async def record_pin_attempts(
        self, fiscal_code: str, failures: int, locked_until: datetime | None, expires_at: datetime
    ) -> None:
        await self.pin_attempts.update_one(
            {"_id": fiscal_code},
            {
                "$set": {
                    "failures": failures,
                    "locked_until": locked_until,
                    "expires_at": expires_at,
                }
            },
            upsert=True,
        )

    # Sessions (refresh tokens)

    async def insert_session(
        self, key: str, account_id: str, family: str, expires_at: datetime
    ) -> None:
        await self.sessions.insert_one(
            {
                "_id": key,
                "account_id": account_id,
                "family": family,
                "expires_at": expires_at,
                "spent": False,
            }
        )

    async def spend_session(self, key: str) -> dict[str, Any] | None:
        """Mark a refresh token spent; returns it as it was before, or None if unknown."""
        return await self.sessions.find_one_and_update({"_id": key}, {"$set": {"spent": True}})

    async def revoke_family(self, family: str) -> None:
        await self.sessions.delete_many({"family": family})


def _customer(doc: dict[str, Any]) -> Customer:
    return Customer(
        customer_code=doc["_id"],
        fiscal_code=doc["fiscal_code"],
        full_name=doc["full_name"],
        email=doc["email"],
        pin_hash=doc["pin_hash"],
        account_id=doc.get("account_id"),
    )
