"""Identity's MongoDB collections: customers, accounts, sessions, fiscal identities, attempts."""

from contextlib import suppress
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sportello_identity.domain.accounts import Account, Customer, CustomerDetails
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.attempts import Attempts
from sportello_identity.domain.challenges import Challenge, Purpose
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
        self.identities = db.identities
        self.attempts = db.attempts
        self.activity = db.activity
        self.challenges = db.challenges

    async def create_indexes(self) -> None:
        await self.customers.create_index("fiscal_code")
        await self.accounts.create_index("username", unique=True)
        await self.accounts.create_index("email", unique=True)
        await self.accounts.create_index("onboarding_email")
        await self.accounts.create_index("fiscal_code", unique=True)
        await self.sessions.create_index("expires_at", expireAfterSeconds=0)
        await self.sessions.create_index("family")
        await self.sessions.create_index("account_id")
        await self.attempts.create_index("expires_at", expireAfterSeconds=0)
        await self.activity.create_index([("account_id", 1), ("at", -1)])
        await self.challenges.create_index("expires_at", expireAfterSeconds=0)
        await self.challenges.create_index([("account_id", 1), ("purpose", 1)])

    # Fiscal identities

    async def touch_identity(self, fiscal_code: str, session: Session) -> None:
        """Write the fiscal identity's own document inside the caller's transaction.

        Registration and both halves of onboarding write it: two of them overlapping for one
        fiscal identity then conflict (WriteConflict, a transient error), and the one retried
        sees what the other committed. Without it they touch disjoint documents, and a
        registration could miss a customer code onboarded meanwhile, for good.
        """
        await self.identities.update_one(
            {"_id": fiscal_code}, {"$inc": {"version": 1}}, upsert=True, session=session
        )

    # Customers (a customer code is registrable once both its details and its PIN are known)

    async def customers_of(self, fiscal_code: str, session: Session = None) -> list[Customer]:
        """The fiscal identity's registrable customer codes."""
        docs = await self.customers.find(
            {"fiscal_code": fiscal_code, **_REGISTRABLE}, session=session
        ).to_list()
        return [_customer(d) for d in docs]

    async def customer(self, customer_code: str, session: Session = None) -> Customer | None:
        """The customer code if it is registrable; None while its details or PIN are missing."""
        doc = await self.customers.find_one({"_id": customer_code, **_REGISTRABLE}, session=session)
        return _customer(doc) if doc is not None else None

    async def save_customer_details(self, details: CustomerDetails, session: Session) -> None:
        """Insert or update what the back-office says of a customer code (its PIN is apart)."""
        await self.customers.update_one(
            {"_id": details.customer_code},
            {
                "$set": {
                    "fiscal_code": details.fiscal_code,
                    "full_name": details.full_name,
                    "email": details.email,
                },
                "$setOnInsert": {"account_id": None},
            },
            upsert=True,
            session=session,
        )

    async def save_pin_hash(
        self, customer_code: str, fiscal_code: str, pin_hash: str, session: Session
    ) -> None:
        """Insert or replace the hash of a customer code's PIN (the caller checked it unused)."""
        await self.customers.update_one(
            {"_id": customer_code},
            {
                "$set": {"fiscal_code": fiscal_code, "pin_hash": pin_hash},
                "$setOnInsert": {"account_id": None},
            },
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

    async def set_password_hash(
        self, account_id: str, password_hash: str, session: Session = None
    ) -> None:
        await self.accounts.update_one(
            {"_id": account_id}, {"$set": {"password_hash": password_hash}}, session=session
        )

    async def accounts_reachable_at(self, email: str, session: Session = None) -> list[Account]:
        reachable = {
            "$or": [
                {"email": email, "email_verified": {"$ne": False}},
                {"onboarding_email": email, "email_verified": False},
            ]
        }
        docs = await self.accounts.find(reachable, session=session).to_list()
        return [a for a in map(_account, docs) if a is not None]

    async def confirm_email(self, account_id: str, email: str, session: Session) -> None:
        try:
            await self.accounts.update_one(
                {"_id": account_id},
                {"$set": {"email": email, "email_verified": True}},
                session=session,
            )
        except DuplicateKeyError:
            raise EmailTaken() from None

    # Guesses of passwords and PINs, per subject (outside any transaction: a refused guess
    # aborts the transaction it was made in, and its count must stay)

    async def reserve_attempt(self, subject: str, kept: timedelta, now: datetime) -> Attempts:
        """Count one more guess for `subject`, atomically, and read the count back.

        Failures are forgotten `kept` after the last one; the TTL index removes them within a
        minute or so, and until then a count past its time is started afresh here.
        """
        while True:
            counted = await self.attempts.find_one_and_update(
                {"_id": subject, "expires_at": {"$gt": now}},
                {"$inc": {"failures": 1}},
                return_document=ReturnDocument.AFTER,
            )
            if counted is not None:
                return _attempts(counted)
            # None yet, or forgotten: start a count (another guess may have just done so).
            await self.attempts.delete_one({"_id": subject, "expires_at": {"$lte": now}})
            await self._start(subject, {"last_failure_at": None, "expires_at": now + kept})

    async def release_attempt(self, subject: str) -> None:
        """Take back a counted guess that was never checked, or that was right."""
        await self.attempts.update_one(
            {"_id": subject, "failures": {"$gt": 0}}, {"$inc": {"failures": -1}}
        )

    async def record_failure(self, subject: str, kept: timedelta, now: datetime) -> None:
        """The counted guess was wrong: the delays and the lock run from now."""
        await self.attempts.update_one(
            {"_id": subject}, {"$max": {"last_failure_at": now, "expires_at": now + kept}}
        )

    async def forget_attempts(self, subject: str) -> None:
        await self.attempts.delete_one({"_id": subject})

    async def count_failure(self, subject: str, kept: timedelta, now: datetime) -> int:
        """One more failure under a subject that only counts (the minute's total); the count."""
        while True:
            counted = await self.attempts.find_one_and_update(
                {"_id": subject}, {"$inc": {"failures": 1}}, return_document=ReturnDocument.AFTER
            )
            if counted is not None:
                return int(counted["failures"])
            await self._start(subject, {"expires_at": now + kept})

    async def _start(self, subject: str, fields: dict[str, Any]) -> None:
        """A count at zero, unless another caller started it first.

        Not an upsert of the `$inc` itself: SecantusDB (0.7.0b3) answers some of several
        upserts racing on a missing document with no document, though it applied them.
        """
        with suppress(DuplicateKeyError):
            await self.attempts.insert_one({"_id": subject, "failures": 0, **fields})

    # Sessions (refresh tokens)

    async def insert_session(self, record: SessionRecord, session: Session = None) -> None:
        doc = asdict(record)
        doc["_id"] = doc.pop("key")
        await self.sessions.insert_one(doc, session=session)

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

    async def revoke_sessions_of(
        self, account_id: str, *, keep: str | None, session: Session
    ) -> None:
        spare = {"family": {"$ne": keep}} if keep is not None else {}
        await self.sessions.delete_many({"account_id": account_id, **spare}, session=session)

    # The accounts' trail

    async def insert_activity(self, entry: Activity, session: Session) -> None:
        doc = asdict(entry)
        doc["_id"] = doc.pop("activity_id")
        await self.activity.insert_one(doc, session=session)

    # Links sent to users (password resets), by their token's digest

    async def issue_challenge(self, challenge: Challenge, session: Session) -> None:
        """Keep `challenge`; every earlier one of the account for the same purpose is void."""
        same = {"account_id": challenge.account_id, "purpose": challenge.purpose.value}
        await self.challenges.delete_many(same, session=session)
        doc = asdict(challenge)
        doc["_id"] = doc.pop("key")
        doc["purpose"] = challenge.purpose.value
        await self.challenges.insert_one(doc, session=session)

    async def challenge(self, key: str) -> Challenge | None:
        return _challenge(await self.challenges.find_one({"_id": key}))

    async def pending_challenge(self, account_id: str, purpose: Purpose) -> Challenge | None:
        return _challenge(
            await self.challenges.find_one({"account_id": account_id, "purpose": purpose.value})
        )

    async def set_contact_preferences(
        self, account_id: str, channel: str, times: tuple[str, ...], session: Session
    ) -> None:
        await self.accounts.update_one(
            {"_id": account_id},
            {"$set": {"preferred_channel": channel, "preferred_times": list(times)}},
            session=session,
        )

    async def set_phone(self, account_id: str, phone: str, session: Session) -> None:
        await self.accounts.update_one(
            {"_id": account_id}, {"$set": {"phone": phone}}, session=session
        )

    async def spend_challenge(self, key: str, now: datetime, session: Session) -> bool:
        spent = await self.challenges.delete_one(
            {"_id": key, "expires_at": {"$gt": now}}, session=session
        )
        return spent.deleted_count == 1


def _clash(clash: DuplicateKeyError) -> IdentityError:
    field = next(iter((clash.details or {}).get("keyPattern", {})), "")
    if field == "username":
        return UsernameTaken()
    if field == "email":
        return EmailTaken()
    return AlreadyRegistered()


# What makes a customer document registrable: both halves of its onboarding arrived.
_REGISTRABLE = {"full_name": {"$exists": True}, "pin_hash": {"$exists": True}}


def _attempts(doc: dict[str, Any]) -> Attempts:
    return Attempts(int(doc.get("failures", 0)), doc.get("last_failure_at"))


def _customer(doc: dict[str, Any]) -> Customer:
    return Customer(
        customer_code=doc["_id"],
        fiscal_code=doc["fiscal_code"],
        full_name=doc["full_name"],
        email=doc["email"],
        pin_hash=doc["pin_hash"],
        account_id=doc.get("account_id"),
    )


def _challenge(doc: dict[str, Any] | None) -> Challenge | None:
    if doc is None:
        return None
    return Challenge(
        key=doc["_id"],
        purpose=Purpose(doc["purpose"]),
        account_id=doc["account_id"],
        expires_at=doc["expires_at"],
        target=doc.get("target"),
        code_hash=doc.get("code_hash"),
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
        email_verified=doc.get("email_verified", True),
        onboarding_email=doc.get("onboarding_email"),
        phone=doc.get("phone"),
        preferred_channel=doc.get("preferred_channel", "email"),
        preferred_times=tuple(doc.get("preferred_times", ())),
    )
