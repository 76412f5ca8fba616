"""Registration, log-in and session refresh: the routes that need no token."""

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, EmailStr

from sportello_contracts.backoffice import RegistrationPin
from sportello_contracts.formats import FiscalCode, Username
from sportello_contracts.identity import (
    LOG_IN,
    REFRESH_SESSION,
    REGISTER_ACCOUNT,
    LogInRequest,
    Password,
    RefreshSessionRequest,
    RegisterAccountRequest,
)
from sportello_gateway.dependencies import Bus, IdempotencyKey, RequestId
from sportello_gateway.problems_doc import responses

router = APIRouter(prefix="/v1/auth", tags=["auth"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegistrationCreate(Strict):
    fiscal_code: FiscalCode
    registration_pin: RegistrationPin
    username: Username
    password: Password
    email: EmailStr | None = None


class AccountPublic(BaseModel):
    account_id: str
    username: str
    email: EmailStr


class LoginCreate(Strict):
    username: str
    password: Password


class RefreshCreate(Strict):
    refresh_token: str


class SessionPublic(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=responses(409, 422),
    summary="Register with the PIN of the welcome letter",
)
async def register(
    body: RegistrationCreate, bus: Bus, request_id: RequestId, idempotency_key: IdempotencyKey
) -> AccountPublic:
    """Creates the account of one fiscal identity; the summary e-mail follows.

    Retried with the same `Idempotency-Key` (after a timeout, say) it answers as the first time
    did; the same key with another body is a 409 `idempotency_key_reused`.
    """
    reply = await bus.call(
        REGISTER_ACCOUNT,
        RegisterAccountRequest(**body.model_dump()),
        correlation_id=request_id,
        idempotency_key=idempotency_key,
    )
    return AccountPublic(**reply.model_dump())


@router.post("/login", responses=responses(401, 422, 429), summary="Log in")
async def login(body: LoginCreate, bus: Bus, request_id: RequestId) -> SessionPublic:
    reply = await bus.call(LOG_IN, LogInRequest(**body.model_dump()), correlation_id=request_id)
    return SessionPublic(**reply.model_dump())


@router.post("/refresh", responses=responses(401, 422), summary="Trade a refresh token")
async def refresh(body: RefreshCreate, bus: Bus, request_id: RequestId) -> SessionPublic:
    """Returns a new pair; the refresh token used is spent."""
    reply = await bus.call(
        REFRESH_SESSION, RefreshSessionRequest(**body.model_dump()), correlation_id=request_id
    )
    return SessionPublic(**reply.model_dump())
