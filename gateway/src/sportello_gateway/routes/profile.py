"""The signed-in user's own profile."""

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from sportello_contracts.identity import GET_PROFILE
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.forward import Forward
from sportello_gateway.problems_doc import responses

router = APIRouter(prefix="/v1", tags=["profile"])


class ProfilePublic(BaseModel):
    account_id: str
    username: str
    email: str
    full_name: str
    fiscal_code: str | None  # None for operators and administrators
    role: str
    customer_codes: list[str]
    registered_at: datetime
    totp_enabled: bool
    permissions: list[str]  # an operator's, once TOTP is on
    # An address waiting for its confirmation link to be followed; `email` is where mail goes.
    pending_email: str | None = None
    phone: str | None = None  # the mobile number, once confirmed by its code
    preferred_channel: str = "email"  # how customer service contacts the user
    preferred_times: list[str] = []  # when: morning, afternoon, evening


@router.get(
    "/me",
    responses=responses(
        # `account_not_found` as a 401: the token's account is gone (asked for its scope); as a
        # 404 if it goes between that and the profile.
        {
            401: ("unauthenticated", "session_ended", "account_not_found"),
            404: ("account_not_found",),
        }
    ),
    summary="My profile",
)
async def my_profile(caller: CurrentCaller, send: Forward) -> ProfilePublic:
    reply = await send(GET_PROFILE, caller=caller)
    return ProfilePublic.model_validate(reply.model_dump())
