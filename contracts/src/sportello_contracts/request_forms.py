"""The forms of the requests a customer files (*Operazioni*, *Richieste*): one model per type,
told apart by `type`, each checked here as far as a form can be without the customer's data.

What needs the data (the supply is electricity, the bills are the caller's and unpaid, the
supply is ceased) is checked by the requests service, which knows them. A change of registered
personal data is filed with identity (`personal_data.py`) and joins the requests list from
its event.
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from sportello_contracts.base import Contract
from sportello_contracts.bills import BillNumber
from sportello_contracts.formats import Email, FiscalCode
from sportello_contracts.supplies import (
    Commodity,
    OfferCode,
    PhoneNumber,
    PointId,
    PostalAddress,
    ShortText,
    SupplyId,
)

# What a customer writes: a complaint's grounds, a question, why a bill is wrong.
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=4000)]
ReadingDigits = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{1,10}$")]
# The contractual powers a household meter is set to, in kW (the distributor's standard steps).
_STEPS = "1.5 2 2.5 3 3.5 4 4.5 5 5.5 6 7 8 9 10 15 20 25 30"
POWER_STEPS_KW: tuple[Decimal, ...] = tuple(Decimal(p) for p in _STEPS.split())
PowerKw = Annotated[Decimal, Field(ge=Decimal("1.5"), le=Decimal("30"))]
MOST_INSTALMENTS = 36
MOST_BILLS_IN_A_PLAN = 10


class PowerChange(Contract):
    """A higher or lower contractual power on an electricity supply."""

    type: Literal["power_change"] = "power_change"
    supply_id: SupplyId
    power_kw: PowerKw

    @model_validator(mode="after")
    def _standard(self) -> Self:
        if self.power_kw not in POWER_STEPS_KW:
            steps = ", ".join(str(p) for p in POWER_STEPS_KW)
            raise ValueError(f"power_kw is one of the standard steps: {steps}")
        return self


class Deactivation(Contract):
    """Closing a supply: from when, the meter's last digits if the customer has them, and where
    the last bill goes."""

    type: Literal["deactivation"] = "deactivation"
    supply_id: SupplyId
    on: date
    final_reading: ReadingDigits | None = None
    last_bill_address: PostalAddress


class NewHolder(Contract):
    """Who takes a supply over in a holder change (voltura)."""

    fiscal_code: FiscalCode
    name: ShortText  # a person's full name, or a company's
    email: Email
    phone: PhoneNumber | None = None


class HolderChange(Contract):
    """Voltura: the supply passes to another holder, without interruption."""

    type: Literal["holder_change"] = "holder_change"
    supply_id: SupplyId
    new_holder: NewHolder
    on: date


class Takeover(Contract):
    """Subentro: the caller takes over a ceased supply of theirs at the same point."""

    type: Literal["takeover"] = "takeover"
    supply_id: SupplyId
    on: date


class SupplierSwitch(Contract):
    """A point supplied by another company comes to this one."""

    type: Literal["supplier_switch"] = "supplier_switch"
    commodity: Commodity
    point_id: PointId  # POD or PDR, as the current supplier's bills print it
    current_supplier: ShortText
    offer_code: OfferCode | None = None


class InstalmentPlan(Contract):
    """Paying unpaid bills of the caller in instalments."""

    type: Literal["instalment_plan"] = "instalment_plan"
    bill_numbers: Annotated[tuple[BillNumber, ...], Field(min_length=1, max_length=10)]
    instalments: Annotated[int, Field(ge=2, le=MOST_INSTALMENTS)]

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        if len(set(self.bill_numbers)) != len(self.bill_numbers):
            raise ValueError("bill_numbers lists a bill twice")
        return self


class BillCorrection(Contract):
    """A bill of the caller that is wrong, and why (answered within 60 days)."""

    type: Literal["bill_correction"] = "bill_correction"
    bill_number: BillNumber
    reason: LongText


class Complaint(Contract):
    """A written complaint (answered within 30 days); about a supply or a bill if it says so.
    A disputed amount is not collected until the answer."""

    type: Literal["complaint"] = "complaint"
    subject: ShortText
    text: LongText
    supply_id: SupplyId | None = None
    bill_number: BillNumber | None = None
    disputed_cents: Annotated[int, Field(gt=0, le=100_000_000)] | None = None

    @model_validator(mode="after")
    def _disputed_bill(self) -> Self:
        if self.disputed_cents is not None and self.bill_number is None:
            raise ValueError("disputed_cents goes with the bill_number it disputes")
        return self


class InformationRequest(Contract):
    """A question in writing (answered within 30 days)."""

    type: Literal["information_request"] = "information_request"
    subject: ShortText
    text: LongText
    supply_id: SupplyId | None = None


RequestForm = Annotated[
    PowerChange
    | Deactivation
    | HolderChange
    | Takeover
    | SupplierSwitch
    | InstalmentPlan
    | BillCorrection
    | Complaint
    | InformationRequest,
    Field(discriminator="type"),
]
RequestType = Literal[
    "power_change",
    "deactivation",
    "holder_change",
    "takeover",
    "supplier_switch",
    "instalment_plan",
    "bill_correction",
    "complaint",
    "information_request",
    "personal_data_change",  # filed with identity: listed among the requests from its event
]
# The types the supplier must answer in writing within the regulator's deadline (TIQV).
ANSWERED_IN_WRITING: dict[str, Literal["complaint", "information", "bill_correction"]] = {
    "complaint": "complaint",
    "information_request": "information",
    "bill_correction": "bill_correction",
}
