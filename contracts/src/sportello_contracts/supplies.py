"""Supplies (points of delivery): the back-office's events, and how the portal reads them."""

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode, Email, FiscalCode
from sportello_contracts.rpc import Operation, Request

Commodity = Literal["gas", "electricity"]
# The back-office's id of one supply contract (a point of delivery may change hands: each
# holder's contract is a supply of its own).
SupplyId = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9-]{4,30}$")
]
# Gas: the PDR, 14 digits. Electricity: the POD, `IT`, the distributor's 3 digits, `E`, then 8
# or 9 letters or digits. Checked for the commodity by the supply (`point_matches_commodity`).
PDR_PATTERN = r"^[0-9]{14}$"
POD_PATTERN = r"^IT[0-9]{3}E[0-9A-Z]{8,9}$"
PointId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_upper=True,
        pattern=r"^([0-9]{14}|[Ii][Tt][0-9]{3}[Ee][0-9A-Za-z]{8,9})$",
    ),
]
OfferCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9_-]{2,30}$")
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
PhoneNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ]{3,20}$")]
# A CAP: 5 digits. A province: its 2-letter sigla (checked against the list by billing).
PostCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{5}$")]
Province = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")
]
SupplyStatus = Literal["active", "ceased"]
Use = Literal["domestic", "non_domestic"]


HouseNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z/ -]{1,10}$")
]
MeterSerial = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,30}$")
]


class PostalAddress(Contract):
    """An Italian postal address, as bills are posted to it."""

    recipient: ShortText | None = None  # "c/o Studio Bianchi", a name other than the holder's
    street: ShortText  # "Via Roma"
    number: HouseNumber
    post_code: PostCode
    city: ShortText
    province: Province
    country: Literal["IT"] = "IT"


class PostalDelivery(Contract):
    """Bills go by post to `address`."""

    channel: Literal["post"] = "post"
    address: PostalAddress


class EmailDelivery(Contract):
    """E-bill: bills go by e-mail to `email` (*bolletta digitale*)."""

    channel: Literal["email"] = "email"
    email: Email


Delivery = Annotated[PostalDelivery | EmailDelivery, Field(discriminator="channel")]

# An IBAN as typed: spaces allowed; its check digits are billing's to verify (python-stdnum).
Iban = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9 ]{15,42}$"),
    Field(repr=False),
]
HolderName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=120)]


class PagoPaPayment(Contract):
    """Bills carry a pagoPA payment notice."""

    method: Literal["pagopa"] = "pagopa"


class DirectDebitPayment(Contract):
    """Bills are collected from the account holder's bank account (SEPA direct debit)."""

    method: Literal["direct_debit"] = "direct_debit"
    holder_name: HolderName
    holder_fiscal_code: FiscalCode
    iban: Iban


Payment = Annotated[PagoPaPayment | DirectDebitPayment, Field(discriminator="method")]


class Distributor(Contract):
    name: ShortText
    emergency_number: PhoneNumber  # the *pronto intervento* number printed on bills


class Meter(Contract):
    serial: MeterSerial
    smart: bool = False  # remotely read (2G electricity meters, gas smart meters)


class SupplyActivated(EventPayload):
    """A supply contract started: its point, where it is, its offer, and how its bills go and
    are paid (billing puts it in the customer's billing profile for that pair).

    For billing alone: a direct debit carries the whole IBAN (a test keeps other services off
    it), so its dead letters are kept for hours, like those of other secrets.
    """

    ROUTING_KEY = "backoffice.supply.activated"
    VERSION = 1
    SECRET = True

    supply_id: SupplyId
    customer_code: CustomerCode
    commodity: Commodity
    point_id: PointId
    address: PostalAddress
    use: Use = "domestic"
    contracted_power_kw: Annotated[float, Field(gt=0, le=10_000)] | None = None
    offer_code: OfferCode
    offer_name: ShortText
    meter: Meter
    distributor: Distributor
    activated_on: date
    delivery: Delivery
    payment: Payment

    @model_validator(mode="after")
    def _point_matches_commodity(self) -> "SupplyActivated":
        check_point(self.commodity, self.point_id, self.contracted_power_kw)
        return self


class SupplyUpdated(EventPayload):
    """What the back-office changed on an active supply: an older update never overwrites a
    newer one (`occurred_at` decides)."""

    ROUTING_KEY = "backoffice.supply.updated"
    VERSION = 1

    supply_id: SupplyId
    customer_code: CustomerCode
    address: PostalAddress | None = None
    contracted_power_kw: Annotated[float, Field(gt=0, le=10_000)] | None = None
    offer_code: OfferCode | None = None
    offer_name: ShortText | None = None
    meter: Meter | None = None
    distributor: Distributor | None = None


class SupplyCeased(EventPayload):
    """A supply contract ended; its bills stay visible, nothing more can be changed on it."""

    ROUTING_KEY = "backoffice.supply.ceased"
    VERSION = 1

    supply_id: SupplyId
    customer_code: CustomerCode
    ceased_on: date


def check_point(commodity: str, point_id: str, contracted_power_kw: float | None) -> None:
    """A PDR for gas, a POD for electricity; contracted power only for electricity."""
    pattern = PDR_PATTERN if commodity == "gas" else POD_PATTERN
    if not re.match(pattern, point_id):
        what = "a PDR (14 digits)" if commodity == "gas" else "a POD (IT, 3 digits, E, 8-9 more)"
        raise ValueError(f"a {commodity} supply is identified by {what}")
    if commodity == "gas" and contracted_power_kw is not None:
        raise ValueError("a gas supply has no contracted power")


# What the portal shows.

BillingProfileNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[Bb][Pp]-[0-9]{6}$")
]


class SupplyPublic(Contract):
    supply_id: str
    customer_code: str
    commodity: Commodity
    point_id: str
    address: PostalAddress
    use: Use
    contracted_power_kw: float | None = None
    offer_code: str
    offer_name: str
    meter: Meter
    distributor: Distributor
    status: SupplyStatus
    activated_on: date
    ceased_on: date | None = None
    billing_profile: str  # BP-xxxxxx
    updated_at: AwareDatetime


class ListSuppliesRequest(Request):
    """The caller's supplies; `customer_code` narrows them to one (an administrator's
    condominium selector), `status` to active or ceased ones."""

    customer_code: CustomerCode | None = None
    status: SupplyStatus | None = None


class SuppliesReply(Contract):
    supplies: tuple[SupplyPublic, ...]


class GetSupplyRequest(Request):
    supply_id: SupplyId


class SupplyReply(Contract):
    supply: SupplyPublic


LIST_SUPPLIES = Operation("billing.supplies.list", ListSuppliesRequest, SuppliesReply)
GET_SUPPLY = Operation("billing.supply.get", GetSupplyRequest, SupplyReply)
