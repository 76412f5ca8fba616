"""The caller's supplies (points of delivery): the list, narrowed to one customer or a status,
and one supply."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from sportello_contracts.supplies import (
    GET_SUPPLY,
    LIST_SUPPLIES,
    GetSupplyRequest,
    ListSuppliesRequest,
    SupplyId,
    SupplyPublic,
)
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import responses

router = APIRouter(prefix="/v1/supplies", tags=["supplies"])

if TYPE_CHECKING:
    SuppliesQuery = ListSuppliesRequest
    SupplyLookup = GetSupplyRequest
else:
    SuppliesQuery = http_model(ListSuppliesRequest, "SuppliesQuery")
    SupplyLookup = http_model(GetSupplyRequest, "SupplyLookup")

# What every billing route can answer: no token, or one no longer good; an operator without
# `accounts.read` (billing refuses it too).
AUTHENTICATED: dict[int, tuple[str, ...]] = {
    401: ("unauthenticated", "account_not_found", "session_ended"),
    403: ("permission_missing",),
}
# A customer code outside the caller's scope is one billing does not know, for the caller; an
# operator names the one customer they look at.
SCOPED: dict[int, tuple[str, ...]] = {
    404: ("customer_not_found",),
    422: ("invalid_request", "customer_code_required"),
}


class SuppliesPublic(BaseModel):
    supplies: list[SupplyPublic]


@router.get("", responses=responses(AUTHENTICATED, SCOPED), summary="My supplies")
async def list_supplies(
    query: Annotated[SuppliesQuery, Query()], caller: CurrentCaller, send: Forward
) -> SuppliesPublic:
    """Every supply of the caller (an administrator's: of every condominium), active and
    ceased; `customer_code` narrows them to one customer (the condominium selector)."""
    reply = await send(LIST_SUPPLIES, query, caller=caller)
    return SuppliesPublic(supplies=list(reply.supplies))


@router.get(
    "/{supply_id}",
    responses=responses(AUTHENTICATED, {404: ("supply_not_found",), 422: ("invalid_request",)}),
    summary="One of my supplies",
)
async def get_supply(
    supply_id: Annotated[
        SupplyId, Path(description="The supply's id, as its bills and letters print it.")
    ],
    caller: CurrentCaller,
    send: Forward,
) -> SupplyPublic:
    """A supply of another customer is `supply_not_found`, like one that does not exist."""
    reply = await send(GET_SUPPLY, SupplyLookup(supply_id=supply_id), caller=caller)
    return reply.supply
