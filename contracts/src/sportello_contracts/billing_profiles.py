"""Billing profiles (`BP-xxxxxx`): how they read, how a customer changes delivery or payment,
and what billing announces of a change."""

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, model_validator

from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode, Email, FiscalCode
from sportello_contracts.rpc import Operation, Request
from sportello_contracts.supplies import (
    BillingProfileNumber,
    HolderName,
    Iban,
    PostalAddress,
    SupplyId,
    SupplyPublic,
)

ProfileStatus = Literal["active", "closed"]


class DeliveryPublic(Contract):
    channel: Literal["post", "email"]
    address: PostalAddress | None = None
    email: Email | None = None


class PaymentPublic(Contract):
    """How bills are paid; the IBAN only ever shown masked (`IT** **** … 4567`)."""

    method: Literal["pagopa", "direct_debit"]
    holder_name: str | None = None
    holder_fiscal_code: str | None = None
    iban_masked: str | None = None
    mandate_reference: str | None = None
    # Where the mandate stands with the bank: pending until the back-office says (a mandate
    # set up with the supply's contract is active from the start).
    mandate_status: Literal["pending", "active", "refused"] | None = None
    mandate_refusal_reason: str | None = None


class BillingProfilePublic(Contract):
    number: str
    customer_code: str
    status: ProfileStatus
    delivery: DeliveryPublic
    payment: PaymentPublic
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    active_supplies: tuple[SupplyPublic, ...]
    ceased_supplies: tuple[SupplyPublic, ...]
    # Supplies that were in it once and moved to another profile (its history).
    former_supplies: tuple[str, ...] = ()


class ListBillingProfilesRequest(Request):
    customer_code: CustomerCode | None = None
    status: ProfileStatus | None = None


class BillingProfilesReply(Contract):
    profiles: tuple[BillingProfilePublic, ...]


class GetBillingProfileRequest(Request):
    number: BillingProfileNumber


class BillingProfileReply(Contract):
    profile: BillingProfilePublic


# A change: what it sets, and which supplies it is for.


class PostalDeliveryChange(Contract):
    """Bills go by post to this address (e-bill ends)."""

    kind: Literal["postal_delivery"] = "postal_delivery"
    address: PostalAddress


class EbillChange(Contract):
    """E-bill: bills go by e-mail to this address."""

    kind: Literal["e_bill"] = "e_bill"
    email: Email


class DirectDebitChange(Contract):
    """Pay by direct debit from this account (from pagoPA, or to another holder)."""

    kind: Literal["direct_debit"] = "direct_debit"
    holder_name: HolderName
    holder_fiscal_code: FiscalCode
    iban: Iban


class IbanChange(Contract):
    """A new IBAN for supplies already paid by direct debit (the holder may change with it)."""

    kind: Literal["iban"] = "iban"
    holder_name: HolderName
    holder_fiscal_code: FiscalCode
    iban: Iban


class PagoPaChange(Contract):
    """Back to pagoPA payment notices (direct debit ends)."""

    kind: Literal["pagopa"] = "pagopa"


Change = Annotated[
    PostalDeliveryChange | EbillChange | DirectDebitChange | IbanChange | PagoPaChange,
    Field(discriminator="kind"),
]
ChangeKind = Literal["postal_delivery", "e_bill", "direct_debit", "iban", "pagopa"]


class ChangeTarget(Contract):
    """Exactly one of: some supplies, every active supply of a billing profile, or (for an
    administrator) every active supply of every condominium they administer."""

    supply_ids: Annotated[tuple[SupplyId, ...], Field(min_length=1, max_length=50)] | None = None
    billing_profile: BillingProfileNumber | None = None
    all_condominiums: Literal[True] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "ChangeTarget":
        given = [
            self.supply_ids is not None,
            self.billing_profile is not None,
            self.all_condominiums is not None,
        ]
        if sum(given) != 1:
            raise ValueError("give exactly one of supply_ids, billing_profile, all_condominiums")
        return self


class ChangeBillingRequest(Request):
    target: ChangeTarget
    change: Change


class SupplyMove(Contract):
    supply_id: str
    customer_code: str
    from_profile: str
    to_profile: str
    new_profile: bool  # `to_profile` was opened by this change


class BillingChangedReply(Contract):
    change_id: str
    kind: ChangeKind
    moves: tuple[SupplyMove, ...]
    opened_profiles: tuple[str, ...]
    closed_profiles: tuple[str, ...]
    # For a direct debit: the mandate the back-office is asked to set up.
    mandate_reference: str | None = None


class BillingProfilesChanged(EventPayload):
    """Supplies moved between billing profiles after a user's change. No whole IBAN: the user's
    trail, the confirming e-mail and the back-office read it (the back-office gets the IBAN on
    `DirectDebitRequested`)."""

    ROUTING_KEY = "billing.billing_profiles.changed"
    VERSION = 1

    change_id: str
    account_id: str  # who asked (the user, or the operator on their behalf)
    actor_role: Literal["customer", "administrator", "operator"]
    client_address: str | None = None
    kind: ChangeKind
    customer_codes: tuple[str, ...]
    moves: tuple[SupplyMove, ...]
    opened_profiles: tuple[str, ...]
    closed_profiles: tuple[str, ...]
    delivery: DeliveryPublic
    payment: PaymentPublic
    at: AwareDatetime


class DirectDebitRequested(EventPayload):
    """A direct debit to set up with the bank (the mandate): for the back-office alone."""

    ROUTING_KEY = "billing.direct_debit.requested"
    VERSION = 1
    SECRET = True

    change_id: str
    mandate_reference: str
    customer_codes: tuple[str, ...]
    supply_ids: tuple[str, ...]
    billing_profiles: tuple[str, ...]
    holder_name: str
    holder_fiscal_code: str
    iban: str = Field(repr=False)
    requested_on: date


LIST_BILLING_PROFILES = Operation(
    "billing.billing_profiles.list", ListBillingProfilesRequest, BillingProfilesReply
)
GET_BILLING_PROFILE = Operation(
    "billing.billing_profile.get", GetBillingProfileRequest, BillingProfileReply
)
CHANGE_BILLING = Operation(
    "billing.billing_profiles.change", ChangeBillingRequest, BillingChangedReply, command=True
)
