"""Online payments, one document each (`_id` the payment id); the provider callbacks applied
(one document per callback event, so a replay finds its own); and the callbacks refused."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from sportello_billing.adapters.codec import aware
from sportello_billing.adapters.session import Session
from sportello_billing.domain.payments import OnlinePayment
from sportello_billing.usecases.providers import Checkout
from sportello_contracts.payments import PaymentState
from sportello_kit.inbox import ensure_ttl_index

# Refused callbacks are kept this long, for whoever looks into a forgery or a misconfiguration.
REFUSED_CALLBACKS_KEPT = timedelta(days=90)


class PaymentRecords:
    def __init__(self, collection: AsyncCollection[dict[str, Any]], session: Session) -> None:
        self.collection = collection
        self.session = session

    async def insert_new(self, payment: OnlinePayment) -> bool:
        """Keep a payment not seen before; False if its id is taken (the same pay-now)."""
        try:
            await self.collection.insert_one(payment_doc(payment), session=self.session)
        except DuplicateKeyError:
            return False
        return True

    async def get(
        self, payment_id: str, scope: dict[str, Any] | None = None
    ) -> OnlinePayment | None:
        doc = await self.collection.find_one(
            {"_id": payment_id, **(scope or {})}, session=self.session
        )
        return None if doc is None else payment_of(doc)

    async def opened(self, payment_id: str, checkout: Checkout) -> None:
        """The provider's checkout for a payment being opened."""
        await self.collection.update_one(
            {"_id": payment_id, "state": "opening"},
            {
                "$set": {
                    "state": "open",
                    "checkout_url": checkout.url,
                    "provider_reference": checkout.provider_reference,
                    "expires_at": checkout.expires_at,
                }
            },
            session=self.session,
        )

    async def move(
        self,
        payment_id: str,
        from_states: Iterable[PaymentState],
        to_state: PaymentState,
        **fields: Any,
    ) -> bool:
        """Move a payment on, if it is still in one of `from_states`; False if it was not."""
        result = await self.collection.update_one(
            {"_id": payment_id, "state": {"$in": list(from_states)}},
            {"$set": {"state": to_state, **fields}},
            session=self.session,
        )
        return result.modified_count == 1


def payment_doc(payment: OnlinePayment) -> dict[str, Any]:
    return {
        "_id": payment.payment_id,
        "bill_number": payment.bill_number,
        "customer_code": payment.customer_code,
        "account_id": payment.account_id,
        "amount_cents": payment.amount_cents,
        "method": payment.method,
        "provider": payment.provider,
        "state": payment.state,
        "started_at": payment.started_at,
        "expires_at": payment.expires_at,
        "notice_number": payment.notice_number,
        "checkout_url": payment.checkout_url,
        "provider_reference": payment.provider_reference,
        "succeeded_at": payment.succeeded_at,
        "failure_reason": payment.failure_reason,
        "registered_at": payment.registered_at,
    }


def payment_of(doc: dict[str, Any]) -> OnlinePayment:
    def moment(name: str) -> datetime | None:
        value = doc.get(name)
        return None if value is None else aware(value)

    return OnlinePayment(
        payment_id=doc["_id"],
        bill_number=doc["bill_number"],
        customer_code=doc["customer_code"],
        account_id=doc["account_id"],
        amount_cents=doc["amount_cents"],
        method=doc["method"],
        provider=doc["provider"],
        state=doc["state"],
        started_at=aware(doc["started_at"]),
        expires_at=aware(doc["expires_at"]),
        notice_number=doc.get("notice_number"),
        checkout_url=doc.get("checkout_url"),
        provider_reference=doc.get("provider_reference"),
        succeeded_at=moment("succeeded_at"),
        failure_reason=doc.get("failure_reason"),
        registered_at=moment("registered_at"),
    )


class CallbackRecords:
    """The provider callbacks applied (`_id` provider and event id) and those refused."""

    def __init__(
        self,
        applied: AsyncCollection[dict[str, Any]],
        refused: AsyncCollection[dict[str, Any]],
        session: Session,
    ) -> None:
        self.applied = applied
        self.refused = refused
        self.session = session

    async def first_time(self, provider: str, event_id: str, payment_id: str, at: datetime) -> bool:
        """Record a callback event as applied; False if it was already (a replay).

        Looked up before inserting: a duplicate key inside a transaction aborts it (MongoDB),
        and the kit's retries would then run it again for ever. Two at once conflict on the
        insert instead, and the one run again finds the other's.
        """
        key = f"{provider}:{event_id}"
        if await self.applied.find_one({"_id": key}, session=self.session) is not None:
            return False
        await self.applied.insert_one(
            {"_id": key, "payment_id": payment_id, "at": at}, session=self.session
        )
        return True

    async def refuse(
        self, provider: str, reason: str, detail: str, webhook_id: str | None, at: datetime
    ) -> None:
        """Keep why a callback was refused (never its body: it is whoever sent it's text)."""
        await self.refused.insert_one(
            {
                "provider": provider,
                "reason": reason,
                "detail": detail[:500],
                "webhook_id": (webhook_id or "")[:200],
                "at": at,
            },
            session=self.session,
        )


async def create_payment_indexes(
    payments: AsyncCollection[dict[str, Any]], refused: AsyncCollection[dict[str, Any]]
) -> None:
    await payments.create_index([("bill_number", 1), ("started_at", -1)])
    await ensure_ttl_index(refused, "at", REFUSED_CALLBACKS_KEPT)
