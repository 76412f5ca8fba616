"""Billing profiles (`BP-xxxxxx`): the caller's, one of them, and changing how bills are delivered
or paid for some supplies, a whole profile or every condominium of an administrator."""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel

from sportello_contracts.billing_profiles import (
    CHANGE_BILLING,
    GET_BILLING_PROFILE,
    LIST_BILLING_PROFILES,
    BillingChangedReply,
    BillingProfilePublic,
    ChangeBillingRequest,
    GetBillingProfileRequest,
    ListBillingProfilesRequest,
)
from sportello_contracts.supplies import BillingProfileNumber
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses
from sportello_gateway.routes.supplies import AUTHENTICATED, SCOPED

router = APIRouter(prefix="/v1/billing-profiles", tags=["billing profiles"])

_ADDRESS = {
    "recipient": "c/o Studio Bianchi",
    "street": "Via Roma",
    "number": "12/B",
    "post_code": "20121",
    "city": "Milano",
    "province": "MI",
}
_HOLDER = {"holder_name": "Giulia Bianchi", "holder_fiscal_code": "BNCGLI85M41F205B"}
# One example per kind of change: what a client's developer copies first.
CHANGE_EXAMPLES: dict[str, dict[str, Any]] = {
    "postal_delivery": {
        "summary": "Bills by post to a new address, for every condominium (administrators)",
        "value": {
            "target": {"all_condominiums": True},
            "change": {"kind": "postal_delivery", "address": _ADDRESS},
        },
    },
    "e_bill": {
        "summary": "E-bill for every supply of a billing profile",
        "value": {
            "target": {"billing_profile": "BP-000123"},
            "change": {"kind": "e_bill", "email": "giulia@bianchi.example"},
        },
    },
    "direct_debit": {
        "summary": "Direct debit for two supplies",
        "value": {
            "target": {"supply_ids": ["FOR-000101", "FOR-000102"]},
            "change": {
                "kind": "direct_debit",
                **_HOLDER,
                "iban": "IT60 X054 2811 1010 0000 0123 456",
            },
        },
    },
    "iban": {
        "summary": "Another IBAN for a profile already paid by direct debit",
        "value": {
            "target": {"billing_profile": "BP-000124"},
            "change": {"kind": "iban", **_HOLDER, "iban": "IT36A0301503200000003517230"},
        },
    },
    "pagopa": {
        "summary": "Back to pagoPA payment notices for one supply",
        "value": {"target": {"supply_ids": ["FOR-000101"]}, "change": {"kind": "pagopa"}},
    },
}

if TYPE_CHECKING:
    BillingProfilesQuery = ListBillingProfilesRequest
    BillingProfileLookup = GetBillingProfileRequest
    BillingChangeCreate = ChangeBillingRequest
else:
    BillingProfilesQuery = http_model(ListBillingProfilesRequest, "BillingProfilesQuery")
    BillingProfileLookup = http_model(GetBillingProfileRequest, "BillingProfileLookup")
    BillingChangeCreate = http_model(
        ChangeBillingRequest,
        "BillingChangeCreate",
        example=CHANGE_EXAMPLES["e_bill"]["value"],
    )
for _example in CHANGE_EXAMPLES.values():
    BillingChangeCreate.model_validate(_example["value"])  # an example that fails is a bug here


class BillingProfilesPublic(BaseModel):
    profiles: list[BillingProfilePublic]


class BillingChangePublic(BillingChangedReply):
    """What the change did, and the same said in a sentence for the customer."""

    detail: str


@router.get("", responses=responses(AUTHENTICATED, SCOPED), summary="My billing profiles")
async def list_billing_profiles(
    query: Annotated[BillingProfilesQuery, Query()], caller: CurrentCaller, send: Forward
) -> BillingProfilesPublic:
    """Each profile with its delivery, its payment (the IBAN masked) and its active and ceased
    supplies; closed profiles too (their bills stay visible), unless `status` says otherwise."""
    reply = await send(LIST_BILLING_PROFILES, query, caller=caller)
    return BillingProfilesPublic(profiles=list(reply.profiles))


@router.get(
    "/{number}",
    responses=responses(
        AUTHENTICATED, {404: ("billing_profile_not_found",), 422: ("invalid_request",)}
    ),
    summary="One of my billing profiles",
)
async def get_billing_profile(
    number: Annotated[BillingProfileNumber, Path(description="`BP-` and 6 digits.")],
    caller: CurrentCaller,
    send: Forward,
) -> BillingProfilePublic:
    """A profile of another customer is `billing_profile_not_found`, like one that does not
    exist."""
    reply = await send(GET_BILLING_PROFILE, BillingProfileLookup(number=number), caller=caller)
    return reply.profile


@router.post(
    "/changes",
    responses=responses(
        WITH_BODY,
        AUTHENTICATED,
        {
            403: ("administrators_only",),
            404: ("supply_not_found", "billing_profile_not_found", "customer_not_found"),
            409: (
                "supply_ceased",
                "not_on_direct_debit",
                "condominium_change_failed",
                "billing_profile_closed",
                "no_active_supply",
                "idempotency_key_reused",
            ),
            422: ("invalid_iban", "invalid_address", "invalid_fiscal_code"),
        },
        success=200,
    ),
    summary="Change how bills are delivered or paid",
)
async def change_billing(
    body: Annotated[BillingChangeCreate, Body(openapi_examples=CHANGE_EXAMPLES)],
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
) -> BillingChangePublic:
    """`target` is exactly one of `supply_ids`, `billing_profile` or (administrators)
    `all_condominiums`; `change` is the new delivery or payment. The supplies move to the
    customer's billing profile with the new pair, opened if the customer has none; a profile
    left empty is closed. All or nothing: one supply or condominium refused, nothing changes
    (`details` names it). The IBAN is only ever shown back masked."""
    reply = await send(CHANGE_BILLING, body, caller=caller, idempotency_key=idempotency_key)
    return BillingChangePublic(**reply.model_dump(), detail=change_detail(reply))


def change_detail(reply: BillingChangedReply) -> str:
    """The change in Italian: where the supplies went, the profiles opened and closed."""
    moved: dict[str, int] = {}
    for move in reply.moves:
        moved[move.to_profile] = moved.get(move.to_profile, 0) + 1
    if not moved:
        return "Fatto: nessuna fornitura da spostare, i dati indicati erano già questi."
    parts = [
        f"{_supplies(count)} al profilo {profile}"
        + (" (nuovo)" if profile in reply.opened_profiles else "")
        for profile, count in moved.items()
    ]
    sentences = ["Fatto: " + "; ".join(parts) + "."]
    if reply.closed_profiles:
        closed = ", ".join(reply.closed_profiles)
        if len(reply.closed_profiles) == 1:
            sentences.append(
                f"Il profilo {closed} è rimasto senza forniture ed è chiuso: "
                "le sue bollette restano consultabili."
            )
        else:
            sentences.append(
                f"I profili {closed} sono rimasti senza forniture e sono chiusi: "
                "le loro bollette restano consultabili."
            )
    if reply.mandate_reference is not None:
        sentences.append(
            f"Abbiamo chiesto l'attivazione della domiciliazione bancaria "
            f"(mandato {reply.mandate_reference})."
        )
    return " ".join(sentences)


def _supplies(count: int) -> str:
    return "1 fornitura passa" if count == 1 else f"{count} forniture passano"
