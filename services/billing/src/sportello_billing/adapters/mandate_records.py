"""Direct-debit mandates asked of the bank, one document each (`_id` the mandate reference)."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from sportello_billing.adapters.codec import as_date, aware, maybe_day
from sportello_billing.adapters.session import Session
from sportello_billing.domain.mandates import Mandate
from sportello_contracts.payments import MandateState


class MandateRecords:
    def __init__(self, collection: AsyncCollection[dict[str, Any]], session: Session) -> None:
        self.collection = collection
        self.session = session

    async def insert_new(self, mandate: Mandate) -> bool:
        try:
            await self.collection.insert_one(mandate_doc(mandate), session=self.session)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, reference: str) -> Mandate | None:
        doc = await self.collection.find_one({"_id": reference}, session=self.session)
        return None if doc is None else mandate_of(doc)

    async def of_references(self, references: Sequence[str]) -> dict[str, Mandate]:
        if not references:
            return {}
        cursor = self.collection.find({"_id": {"$in": list(references)}}, session=self.session)
        return {doc["_id"]: mandate_of(doc) async for doc in cursor}

    async def decide(
        self, reference: str, state: MandateState, on: date, reason: str | None
    ) -> bool:
        """Keep the bank's answer; False if the mandate was in that state already."""
        result = await self.collection.update_one(
            {"_id": reference, "state": {"$ne": state}},
            {"$set": {"state": state, "decided_on": maybe_day(on), "reason": reason}},
            session=self.session,
        )
        return result.modified_count == 1


def mandate_doc(mandate: Mandate) -> dict[str, Any]:
    return {
        "_id": mandate.reference,
        "account_id": mandate.account_id,
        "customer_codes": list(mandate.customer_codes),
        "billing_profiles": list(mandate.billing_profiles),
        "holder_name": mandate.holder_name,
        "iban_masked": mandate.iban_masked,
        "state": mandate.state,
        "requested_at": mandate.requested_at,
        "decided_on": maybe_day(mandate.decided_on),
        "reason": mandate.reason,
    }


def mandate_of(doc: dict[str, Any]) -> Mandate:
    decided: datetime | None = doc.get("decided_on")
    return Mandate(
        reference=doc["_id"],
        account_id=doc["account_id"],
        customer_codes=tuple(doc["customer_codes"]),
        billing_profiles=tuple(doc["billing_profiles"]),
        holder_name=doc["holder_name"],
        iban_masked=doc["iban_masked"],
        state=doc["state"],
        requested_at=aware(doc["requested_at"]),
        decided_on=as_date(decided),
        reason=doc.get("reason"),
    )
