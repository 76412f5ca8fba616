"""Deliveries and payment methods from the bus's terms into billing's, checked on the way in."""

import hashlib
import hmac

from sportello_billing.domain.addresses import check_postal_address
from sportello_billing.domain.ibans import mask_iban, normalise_iban
from sportello_billing.domain.profiles import (
    BillDelivery,
    DirectDebit,
    EmailBills,
    NewDelivery,
    NewPayment,
    PagoPa,
    PaymentMethod,
    PostalBills,
    ProfileChange,
)
from sportello_contracts.billing_profiles import (
    Change,
    DeliveryPublic,
    DirectDebitChange,
    EbillChange,
    IbanChange,
    PagoPaChange,
    PaymentPublic,
    PostalDeliveryChange,
)
from sportello_contracts.supplies import Delivery, DirectDebitPayment, EmailDelivery, Payment


def iban_key(secret: str, iban: str) -> str:
    """A keyed digest of the IBAN: tells two apart, and gives nothing back without the key."""
    return hmac.new(secret.encode(), iban.encode(), hashlib.sha256).hexdigest()


def direct_debit(
    secret: str, holder_name: str, holder_fiscal_code: str, raw_iban: str, mandate: str
) -> DirectDebit:
    """`InvalidIban` if the IBAN's format or check digits are wrong."""
    iban = normalise_iban(raw_iban)
    return DirectDebit(
        holder_name=" ".join(holder_name.split()),
        holder_fiscal_code=holder_fiscal_code.upper(),
        iban_masked=mask_iban(iban),
        iban_key=iban_key(secret, iban),
        mandate_reference=mandate,
    )


def delivery_of(delivery: Delivery) -> BillDelivery:
    if isinstance(delivery, EmailDelivery):
        return EmailBills(delivery.email.lower())
    return PostalBills(check_postal_address(delivery.address))


def payment_of(payment: Payment, secret: str, mandate: str) -> PaymentMethod:
    if isinstance(payment, DirectDebitPayment):
        return direct_debit(
            secret, payment.holder_name, payment.holder_fiscal_code, payment.iban, mandate
        )
    return PagoPa()


def change_of(change: Change, secret: str, mandate: str) -> ProfileChange:
    """The domain's change; `InvalidIban` or `InvalidAddress` for what cannot be kept."""
    if isinstance(change, PostalDeliveryChange):
        return NewDelivery(PostalBills(check_postal_address(change.address)))
    if isinstance(change, EbillChange):
        return NewDelivery(EmailBills(change.email.lower()))
    if isinstance(change, DirectDebitChange | IbanChange):
        payment = direct_debit(
            secret, change.holder_name, change.holder_fiscal_code, change.iban, mandate
        )
        return NewPayment(payment, only_direct_debit=isinstance(change, IbanChange))
    assert isinstance(change, PagoPaChange)
    return NewPayment(PagoPa())


def delivery_public(delivery: BillDelivery) -> DeliveryPublic:
    if isinstance(delivery, EmailBills):
        return DeliveryPublic(channel="email", email=delivery.email)
    return DeliveryPublic(channel="post", address=delivery.address)


def payment_public(payment: PaymentMethod) -> PaymentPublic:
    if isinstance(payment, DirectDebit):
        return PaymentPublic(
            method="direct_debit",
            holder_name=payment.holder_name,
            holder_fiscal_code=payment.holder_fiscal_code,
            iban_masked=payment.iban_masked,
            mandate_reference=payment.mandate_reference,
        )
    return PaymentPublic(method="pagopa")
