"""How billing's values are kept in BSON: dates as midnight UTC, contract values as JSON."""

from datetime import UTC, date, datetime
from typing import Any

from sportello_billing.domain.profiles import (
    BillDelivery,
    DirectDebit,
    EmailBills,
    PagoPa,
    PaymentMethod,
    PostalBills,
)
from sportello_contracts.supplies import PostalAddress


def day(value: date) -> datetime:
    """BSON has no date: a day is kept as its midnight, UTC."""
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def maybe_day(value: date | None) -> datetime | None:
    return None if value is None else day(value)


def as_date(value: datetime | None) -> date | None:
    return None if value is None else value.date()


def aware(value: datetime) -> datetime:
    # PyMongo gives naive UTC times unless the client is tz-aware.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def delivery_doc(delivery: BillDelivery) -> dict[str, Any]:
    if isinstance(delivery, EmailBills):
        return {"channel": "email", "email": delivery.email}
    return {"channel": "post", "address": delivery.address.model_dump(mode="json")}


def delivery_from_doc(doc: dict[str, Any]) -> BillDelivery:
    if doc["channel"] == "email":
        return EmailBills(doc["email"])
    return PostalBills(PostalAddress.model_validate(doc["address"]))


def payment_doc(payment: PaymentMethod) -> dict[str, Any]:
    if isinstance(payment, DirectDebit):
        return {
            "method": "direct_debit",
            "holder_name": payment.holder_name,
            "holder_fiscal_code": payment.holder_fiscal_code,
            "iban_masked": payment.iban_masked,
            "iban_key": payment.iban_key,
            "mandate_reference": payment.mandate_reference,
        }
    return {"method": "pagopa"}


def payment_from_doc(doc: dict[str, Any]) -> PaymentMethod:
    if doc["method"] == "direct_debit":
        return DirectDebit(
            holder_name=doc["holder_name"],
            holder_fiscal_code=doc["holder_fiscal_code"],
            iban_masked=doc["iban_masked"],
            iban_key=doc["iban_key"],
            mandate_reference=doc["mandate_reference"],
        )
    return PagoPa()
