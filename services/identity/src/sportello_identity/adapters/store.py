"""Identity's MongoDB collections: customers, accounts, sessions, PIN attempts."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sportello_identity.domain.accounts import Account, Customer
from sportello_identity.domain.attempts import PinAttempts
from sportello_identity.domain.errors import (
    AlreadyRegistered,
    EmailTaken,
    IdentityError,
    UsernameTaken,
)
from sportello_identity.domain.sessions import SessionRecord

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

    async def save_onboarded(self, customer: Customer, session: Session) -> None:
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
        self, customer_codes: list[str], account_id: str, session: Session
    ) -> None:
        await self.customers.update_many(
            {"_id": {"$in": customer_codes}},
            {"$set": {"account_id": account_id}},
            session=session,
        )

    # Accounts

    async def insert_account(self, account: Account, session: Session) -> None:
        """Raises `UsernameTaken`, `EmailTaken` or `AlreadyRegistered` on a unique-index clash."""
        doc = asdict(account)
        doc["_id"] = doc.pop("account_id")
        doc["customer_codes"] = list(account.customer_codes)
        try:
            await self.accounts.insert_one(doc, session=session)
        except DuplicateKeyError as clash:
            raise _clash(clash) from None

    async def account(self, account_id: str) -> Account | None:
        return _account(await self.accounts.find_one({"_id": account_id}))

    async def account_by_username(self, username: str) -> Account | None:
        return _account(await self.accounts.find_one({"username": username}))

    async def account_of(self, fiscal_code: str, session: Session = None) -> Account | None:
        return _account(await self.accounts.find_one({"fiscal_code": fiscal_code}, session=session))

    async def add_customer_code(
        self, account_id: str, customer_code: str, session: Session
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

    async def pin_attempts_of(self, fiscal_code: str) -> PinAttempts:
        doc = await self.pin_attempts.find_one({"_id": fiscal_code})
        if doc is None:
            return PinAttempts()
        return PinAttempts(doc.get("failures", 0), doc.get("locked_until"))

    async def record_pin_attempts(
        self, fiscal_code: str, attempts: PinAttempts, expires_at: datetime
    ) -> None:
        await self.pin_attempts.update_one(
            {"_id": fiscal_code},
            {
                "$set": {
                    "failures": attempts.failures,
                    "locked_until": attempts.locked_until,
                    "expires_at": expires_at,
                }
            },
            upsert=True,
        )

    # Sessions (refresh tokens)

    async def insert_session(self, record: SessionRecord) -> None:
        doc = asdict(record)
        doc["_id"] = doc.pop("key")
        await self.sessions.insert_one(doc)

    async def spend_session(self, key: str) -> SessionRecord | None:
        """Mark a refresh token spent; returns it as it was before, or None if unknown."""
        doc = await self.sessions.find_one_and_update({"_id": key}, {"$set": {"spent": True}})
        if doc is None:
            return None
        return SessionRecord(
            key=doc["_id"],
            account_id=doc["account_id"],
            family=doc["family"],
            expires_at=doc["expires_at"],
            spent=doc["spent"],
        )

    async def revoke_family(self, family: str) -> None:
        await self.sessions.delete_many({"family": family})


def _clash(clash: DuplicateKeyError) -> IdentityError:
    field = next(iter((clash.details or {}).get("keyPattern", {})), "")
    if field == "username":
        return UsernameTaken()
    if field == "email":
        return EmailTaken()
    return AlreadyRegistered()


def _customer(doc: dict[str, Any]) -> Customer:
    return Customer(
        customer_code=doc["_id"],
        fiscal_code=doc["fiscal_code"],
        full_name=doc["full_name"],
        email=doc["email"],
        pin_hash=doc["pin_hash"],
        account_id=doc.get("account_id"),
    )


def _account(doc: dict[str, Any] | None) -> Account | None:
    if doc is None:
        return None
    return Account(
        account_id=doc["_id"],
        username=doc["username"],
        email=doc["email"],
        full_name=doc["full_name"],
        fiscal_code=doc["fiscal_code"],
        password_hash=doc["password_hash"],
        registered_at=doc["registered_at"],
        role=doc.get("role", "customer"),
        customer_codes=tuple(doc.get("customer_codes", ())),
        login_failures=doc.get("login_failures", 0),
        locked_until=doc.get("locked_until"),
    )
