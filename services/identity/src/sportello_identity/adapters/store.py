"""Identity's MongoDB collections: customers, accounts, sessions, fiscal identities, attempts."""

from contextlib import suppress
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from sportello_identity.adapters.sealing import KeySealer
from sportello_identity.domain.accounts import Account, Customer, CustomerDetails
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.administrators import AdministratorCode
from sportello_identity.domain.attempts import Attempts
from sportello_identity.domain.challenges import Challenge, Purpose
from sportello_identity.domain.errors import (
    AlreadyRegistered,
    EmailTaken,
    IdentityError,
    UsernameTaken,
)
from sportello_identity.domain.second_factor import LoginChallenge, TotpState
from sportello_identity.domain.sessions import SessionLine, SessionRecord

Session = AsyncClientSession | None


class IdentityStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], totp_sealer: KeySealer) -> None:
        self.totp_sealer = totp_sealer  # TOTP secrets are kept sealed (`sealing.TOTP_SECRETS`)
        self.customers = db.customers
        self.accounts = db.accounts
        self.sessions = db.sessions
        self.identities = db.identities
        self.attempts = db.attempts
        self.activity = db.activity
        self.session_lines = db.session_lines
        self.totp = db.totp
        self.login_challenges = db.login_challenges
        self.administrator_codes = db.administrator_codes
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
        await self.session_lines.create_index("forget_at", expireAfterSeconds=0)
        await self.session_lines.create_index("account_id")
        await self.login_challenges.create_index("expires_at", expireAfterSeconds=0)
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
        doc["permissions"] = list(account.permissions)
        if not account.fiscal_code:
            # Staff have no fiscal identity, and the fiscal code's index is unique: a value of
            # their own that no fiscal code can be (read back as "").
            doc["fiscal_code"] = _STAFF_FISCAL_CODE + account.account_id
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

    async def spend_session(self, key: str, now: datetime) -> SessionRecord | None:
        """Mark a refresh token spent, atomically; returns it as it was before, or None.

        `spent_at` keeps the first spending: a double submit is judged from it.
        """
        # Guarded by `spent: False`: of racing spends one matches. (An unguarded update would
        # do on MongoDB, but SecantusDB 0.7 then hands several racers the unspent pre-image.)
        doc = await self.sessions.find_one_and_update(
            {"_id": key, "spent": False}, {"$set": {"spent": True, "spent_at": now}}
        )
        if doc is None:
            doc = await self.sessions.find_one({"_id": key})
            if doc is None:
                return None
        return SessionRecord(
            key=doc["_id"],
            account_id=doc["account_id"],
            family=doc["family"],
            expires_at=doc["expires_at"],
            spent=doc["spent"],
            spent_at=doc.get("spent_at"),
        )

    # Sessions as their users see them (lines of refresh tokens)

    async def insert_line(self, line: SessionLine, session: Session = None) -> None:
        doc = asdict(line)
        doc["_id"] = doc.pop("session_id")
        doc["forget_at"] = line.expires_at
        await self.session_lines.insert_one(doc, session=session)

    async def line(self, session_id: str, session: Session = None) -> SessionLine | None:
        doc = await self.session_lines.find_one({"_id": session_id}, session=session)
        return _line(doc) if doc is not None else None

    async def touch_line(
        self,
        session_id: str,
        now: datetime,
        *,
        client_address: str | None,
        user_agent: str | None,
        session: Session = None,
    ) -> bool:
        """A refresh: the line's last use, from where and with what; False if it ended.

        It writes the line's document, as ending it does: a refresh and an ending that overlap
        conflict, and the one retried sees the other."""
        seen: dict[str, Any] = {"last_used_at": now}
        if client_address is not None:
            seen["client_address"] = client_address
        if user_agent is not None:
            seen["user_agent"] = user_agent
        touched = await self.session_lines.update_one(
            {"_id": session_id, "ended_at": None}, {"$set": seen}, session=session
        )
        return touched.matched_count == 1

    async def lines_of(self, account_id: str, now: datetime) -> list[SessionLine]:
        """The account's live sessions, the most recently used first."""
        docs = self.session_lines.find(
            {"account_id": account_id, "ended_at": None, "expires_at": {"$gt": now}}
        ).sort("last_used_at", -1)
        return [_line(doc) async for doc in docs]

    async def end_lines(
        self,
        account_id: str,
        now: datetime,
        forget_at: datetime,
        *,
        only: str | None = None,
        keep: str | None = None,
        session: Session = None,
    ) -> list[str]:
        """End the account's live sessions (`only` that one; all but `keep`); their ids.

        Their refresh tokens go; the lines stay, ended, until `forget_at`: until then the
        scope lists them, so their access tokens are refused before they expire.
        """
        which: dict[str, Any] = {"account_id": account_id, "ended_at": None}
        if only is not None:
            which["_id"] = only
        elif keep is not None:
            which["_id"] = {"$ne": keep}
        found = self.session_lines.find(which, {"_id": 1}, session=session)
        ids = [doc["_id"] async for doc in found]
        if not ids:
            return []
        await self.session_lines.update_many(
            {"_id": {"$in": ids}, "ended_at": None},
            {"$set": {"ended_at": now, "forget_at": forget_at}},
            session=session,
        )
        await self.sessions.delete_many({"family": {"$in": ids}}, session=session)
        return ids

    async def ended_lines_of(self, account_id: str, since: datetime) -> list[str]:
        """The account's sessions ended after `since`."""
        docs = self.session_lines.find(
            {"account_id": account_id, "ended_at": {"$gt": since}}, {"_id": 1}
        )
        return [doc["_id"] async for doc in docs]

    # The accounts' trail

    async def insert_activity(self, entry: Activity, session: Session) -> None:
        doc = asdict(entry)
        doc["_id"] = doc.pop("activity_id")
        await self.activity.insert_one(doc, session=session)

    async def activity_of(
        self, account_id: str, before: tuple[datetime, str] | None, limit: int
    ) -> list[Activity]:
        """The account's entries newest first, older than `before` (a time and an id)."""
        query: dict[str, Any] = {"account_id": account_id}
        if before is not None:
            at, activity_id = before
            query["$or"] = [{"at": {"$lt": at}}, {"at": at, "_id": {"$lt": activity_id}}]
        found = self.activity.find(query).sort([("at", -1), ("_id", -1)]).limit(limit)
        return [_activity(doc) async for doc in found]

    # Second factors: TOTP secrets (pending, then confirmed), spent steps, recovery codes

    async def totp_of(self, account_id: str, session: Session = None) -> TotpState | None:
        doc = await self.totp.find_one({"_id": account_id}, session=session)
        if doc is None:
            return None
        return TotpState(
            account_id=doc["_id"],
            secret=self._open_totp(account_id, doc.get("secret")),
            pending_secret=self._open_totp(account_id, doc.get("pending_secret")),
            last_step=int(doc.get("last_step", -1)),
            recovery_digests=tuple(doc.get("recovery_digests", ())),
        )

    async def set_pending_totp(self, account_id: str, secret: str, session: Session) -> None:
        """Start (or start again) an enrolment: the secret waits for its first code."""
        sealed = self.totp_sealer.seal(account_id, secret.encode())
        await self.totp.update_one(
            {"_id": account_id}, {"$set": {"pending_secret": sealed}}, upsert=True, session=session
        )

    async def enable_totp(
        self,
        account_id: str,
        secret: str,
        step: int,
        recovery_digests: list[str],
        session: Session,
    ) -> bool:
        """The pending `secret` becomes the account's, with its first step spent; False if it
        is no longer the pending one (confirmed already, or replaced by a new enrolment)."""
        doc = await self.totp.find_one({"_id": account_id}, session=session)
        pending = doc.get("pending_secret") if doc else None
        if pending is None or self._open_totp(account_id, pending) != secret:
            return False
        # Guarded by the sealed value read: a new enrolment meanwhile makes this match nothing.
        confirmed = await self.totp.update_one(
            {"_id": account_id, "pending_secret": pending},
            {
                "$set": {
                    "secret": pending,
                    "last_step": step,
                    "recovery_digests": recovery_digests,
                },
                "$unset": {"pending_secret": ""},
            },
            session=session,
        )
        if confirmed.modified_count != 1:
            return False
        await self.accounts.update_one(
            {"_id": account_id}, {"$set": {"totp_enabled": True}}, session=session
        )
        return True

    def _open_totp(self, account_id: str, sealed: bytes | None) -> str | None:
        return None if sealed is None else self.totp_sealer.open(account_id, sealed).decode()

    async def spend_totp_step(self, account_id: str, step: int, session: Session = None) -> bool:
        """Mark `step` used, atomically: False if it (or a later one) was used already."""
        spent = await self.totp.update_one(
            {"_id": account_id, "secret": {"$exists": True}, "last_step": {"$lt": step}},
            {"$set": {"last_step": step}},
            session=session,
        )
        return spent.modified_count == 1

    async def spend_recovery_code(
        self, account_id: str, digest: str, session: Session = None
    ) -> bool:
        """Take the recovery code out, atomically: False if unknown or spent already."""
        spent = await self.totp.update_one(
            {"_id": account_id, "recovery_digests": digest},
            {"$pull": {"recovery_digests": digest}},
            session=session,
        )
        return spent.modified_count == 1

    async def replace_recovery_codes(
        self, account_id: str, recovery_digests: list[str], session: Session
    ) -> None:
        await self.totp.update_one(
            {"_id": account_id},
            {"$set": {"recovery_digests": recovery_digests}},
            session=session,
        )

    async def disable_totp(self, account_id: str, session: Session) -> None:
        await self.totp.delete_one({"_id": account_id}, session=session)
        await self.accounts.update_one(
            {"_id": account_id}, {"$set": {"totp_enabled": False}}, session=session
        )

    # Log-in challenges: the password step's proof, waiting for the second factor

    async def insert_login_challenge(self, challenge: LoginChallenge) -> None:
        doc = asdict(challenge)
        doc["_id"] = doc.pop("key")
        await self.login_challenges.insert_one(doc)

    async def login_challenge(self, key: str, now: datetime) -> LoginChallenge | None:
        """The challenge if it is live (the TTL index removes expired ones within a minute)."""
        doc = await self.login_challenges.find_one({"_id": key, "expires_at": {"$gt": now}})
        if doc is None:
            return None
        return LoginChallenge(
            key=doc["_id"], account_id=doc["account_id"], expires_at=doc["expires_at"]
        )

    async def spend_login_challenge(self, key: str) -> bool:
        """Single use: True for the one caller that takes it."""
        taken = await self.login_challenges.delete_one({"_id": key})
        return taken.deleted_count == 1

    # Administrator codes, and which administrator holds which condominium (customer code)

    async def insert_administrator_code(self, code: AdministratorCode, session: Session) -> None:
        doc = asdict(code)
        doc["_id"] = doc.pop("key")
        await self.administrator_codes.insert_one(doc, session=session)

    async def administrator_code(self, key: str, session: Session) -> AdministratorCode | None:
        doc = await self.administrator_codes.find_one({"_id": key}, session=session)
        if doc is None:
            return None
        doc["key"] = doc.pop("_id")
        return AdministratorCode(**doc)

    async def use_administrator_code(self, key: str, account_id: str, session: Session) -> bool:
        """Single use: True for the one registration that takes it."""
        used = await self.administrator_codes.update_one(
            {"_id": key, "used_by": None}, {"$set": {"used_by": account_id}}, session=session
        )
        return used.modified_count == 1

    async def hold_condominium(
        self, customer_code: str, administrator_id: str, session: Session
    ) -> bool:
        """The administrator takes the condominium, unless someone has it: True if taken."""
        taken = await self.customers.update_one(
            {"_id": customer_code, "account_id": None, "administrator_id": None},
            {"$set": {"administrator_id": administrator_id}},
            session=session,
        )
        return taken.modified_count == 1

    async def release_condominium(
        self, customer_code: str, administrator_id: str, session: Session
    ) -> None:
        await self.customers.update_one(
            {"_id": customer_code, "administrator_id": administrator_id},
            {"$set": {"administrator_id": None}},
            session=session,
        )

    async def remove_customer_code(
        self, account_id: str, customer_code: str, session: Session
    ) -> None:
        await self.accounts.update_one(
            {"_id": account_id}, {"$pull": {"customer_codes": customer_code}}, session=session
        )

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
        administrator_id=doc.get("administrator_id"),
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
        fiscal_code="" if doc["fiscal_code"].startswith(_STAFF_FISCAL_CODE) else doc["fiscal_code"],
        password_hash=doc["password_hash"],
        registered_at=doc["registered_at"],
        role=doc.get("role", "customer"),
        customer_codes=tuple(doc.get("customer_codes", ())),
        permissions=tuple(doc.get("permissions", ())),
        totp_enabled=bool(doc.get("totp_enabled", False)),
        email_verified=doc.get("email_verified", True),
        onboarding_email=doc.get("onboarding_email"),
        phone=doc.get("phone"),
        preferred_channel=doc.get("preferred_channel", "email"),
        preferred_times=tuple(doc.get("preferred_times", ())),
    )


def _line(doc: dict[str, Any]) -> SessionLine:
    return SessionLine(
        session_id=doc["_id"],
        account_id=doc["account_id"],
        created_at=doc["created_at"],
        expires_at=doc["expires_at"],
        last_used_at=doc["last_used_at"],
        client_address=doc.get("client_address"),
        user_agent=doc.get("user_agent"),
        ended_at=doc.get("ended_at"),
    )


def _activity(doc: dict[str, Any]) -> Activity:
    return Activity(
        activity_id=doc["_id"],
        account_id=doc["account_id"],
        kind=doc["kind"],
        at=doc["at"],
        actor_id=doc.get("actor_id"),
        client_address=doc.get("client_address"),
        details=dict(doc.get("details", {})),
    )


# What stands for the fiscal code of a staff account in the database (see `insert_account`).
_STAFF_FISCAL_CODE = "staff:"
