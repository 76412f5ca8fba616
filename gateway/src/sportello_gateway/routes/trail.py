"""The account's trail: the user's own, and a customer's for an operator with `accounts.read`
(every such reading is itself in the customer's trail)."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from sportello_contracts.rpc import Caller
from sportello_contracts.trail import (
    GET_CUSTOMER_ACTIVITY,
    GET_MY_ACTIVITY,
    CustomerActivityRequest,
    MyActivityRequest,
)
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import responses
from sportello_gateway.staff import FORBIDDEN, operator_with

router = APIRouter(tags=["trail"])

if TYPE_CHECKING:
    ActivityQuery = MyActivityRequest
else:
    ActivityQuery = http_model(MyActivityRequest, "ActivityQuery")
CustomerActivity = http_model(CustomerActivityRequest, "CustomerActivity")


class ActivityEntryPublic(BaseModel):
    activity_id: str
    kind: str
    at: datetime
    actor_id: str | None
    client_address: str | None
    details: dict[str, str]


class ActivityPagePublic(BaseModel):
    entries: list[ActivityEntryPublic]
    next_cursor: str | None


AccountsReader = Annotated[Caller, Depends(operator_with("accounts.read"))]
AUTHENTICATED = {401: ("unauthenticated", "account_not_found")}
CURSOR = {422: ("invalid_request", "invalid_cursor")}


@router.get(
    "/v1/me/activity",
    responses=responses(AUTHENTICATED, CURSOR),
    summary="My account's trail",
)
async def my_activity(
    query: Annotated[ActivityQuery, Query()], caller: CurrentCaller, send: Forward
) -> ActivityPagePublic:
    """Log-ins (and failed ones, with the address), sessions, changes, and every operator who
    acted on or read the account: newest first; `next_cursor` as `before` for older ones."""
    reply = await send(GET_MY_ACTIVITY, query, caller=caller)
    return ActivityPagePublic.model_validate(reply.model_dump())


@router.get(
    "/v1/operators/accounts/{account_id}/activity",
    responses=responses(AUTHENTICATED, FORBIDDEN, CURSOR, {404: ("account_not_found",)}),
    summary="An account's trail (accounts.read)",
)
async def customer_activity(
    account_id: Annotated[str, Path(min_length=1, max_length=100)],
    query: Annotated[ActivityQuery, Query()],
    caller: AccountsReader,
    send: Forward,
) -> ActivityPagePublic:
    """The same trail its user sees; this reading joins it, with the operator's id."""
    body = CustomerActivity(account_id=account_id, **query.model_dump())
    reply = await send(GET_CUSTOMER_ACTIVITY, body, caller=caller)
    return ActivityPagePublic.model_validate(reply.model_dump())
