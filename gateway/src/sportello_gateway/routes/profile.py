"""The signed-in user's own profile."""

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from sportello_contracts.identity import GET_PROFILE, ProfileRequest
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.dependencies import Bus, RequestId
from sportello_gateway.problems_doc import responses

router = APIRouter(prefix="/v1", tags=["profile"])


class ProfilePublic(BaseModel):
    account_id: str
    username: str
    email: str
    full_name: str
    fiscal_code: str
    role: str
    customer_codes: list[str]
    registered_at: datetime


@router.get("/me", responses=responses(401), summary="My profile")
async def my_profile(caller: CurrentCaller, bus: Bus, request_id: RequestId) -> ProfilePublic:
    reply = await bus.call(GET_PROFILE, ProfileRequest(caller=caller), correlation_id=request_id)
    return ProfilePublic(**reply.model_dump())
