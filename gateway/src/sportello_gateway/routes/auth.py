"""Registration, log-in, session refresh and log-out: the routes that need no access token."""

from typing import TYPE_CHECKING

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from sportello_contracts.formats import Email
from sportello_contracts.identity import (
    END_SESSION,
    LOG_IN,
    REFRESH_SESSION,
    REGISTER_ACCOUNT,
    EndSessionRequest,
    LogInRequest,
    RefreshSessionRequest,
    RegisterAccountRequest,
)
from sportello_gateway.dependencies import IdempotencyKey, NoStore
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses

router = APIRouter(prefix="/v1/auth", tags=["auth"])

# The bodies are the contracts' requests minus what the gateway fills in. To the type checker
# they are those contracts (the classes `create_model` makes are not types it can follow).
if TYPE_CHECKING:
    RegistrationCreate = RegisterAccountRequest
    LoginCreate = LogInRequest
    RefreshCreate = RefreshSessionRequest
    LogoutCreate = EndSessionRequest
else:
    RegistrationCreate = http_model(
        RegisterAccountRequest,
        "RegistrationCreate",
        example={
            "fiscal_code": "BNCGLI85M52F205H",
            "registration_pin": "40271963",
            "username": "giulia.b",
            "password": "Sole-e-Luna-77",
            "email": "giulia.bianchi@example.it",
        },
    )
    LoginCreate = http_model(
        LogInRequest, "LoginCreate", example={"username": "giulia.b", "password": "Sole-e-Luna-77"}
    )
    RefreshCreate = http_model(
        RefreshSessionRequest,
        "RefreshCreate",
        example={"refresh_token": "rt_4mZk3yTqR7pW2vXn9bLcQe5sHdJf8uAg1oIy6tEwKzM"},
    )
    LogoutCreate = http_model(
        EndSessionRequest,
        "LogoutCreate",
        example={"refresh_token": "rt_4mZk3yTqR7pW2vXn9bLcQe5sHdJf8uAg1oIy6tEwKzM"},
    )


class AccountPublic(BaseModel):
    account_id: str
    username: str
    email: Email  # where the account's mail goes
    # The address typed at registration, until its confirmation link is followed.
    pending_email: Email | None = None


class SessionPublic(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=responses(
        WITH_BODY,
        {
            409: (
                "pin_already_used",
                "already_registered",
                "username_taken",
                "email_taken",
                "idempotency_key_reused",
            ),
            422: ("invalid_fiscal_code", "registration_data_mismatch", "weak_password"),
            429: ("too_many_attempts",),
        },
    ),
    summary="Register with the PIN of the welcome letter",
)
async def register(
    body: RegistrationCreate, send: Forward, idempotency_key: IdempotencyKey
) -> AccountPublic:
    """Creates the account of one fiscal identity; the summary e-mail follows.

    Retried with the same `Idempotency-Key` (after a timeout, say) it answers as the first time
    did; the same key with another body is a 409 `idempotency_key_reused`.
    """
    reply = await send(REGISTER_ACCOUNT, body, idempotency_key=idempotency_key)
    return AccountPublic.model_validate(reply.model_dump())


@router.post(
    "/login",
    responses=responses(
        WITH_BODY,
        {
            401: ("wrong_credentials", "second_factor_required"),
            429: ("account_locked", "too_many_attempts"),
        },
        success=200,
        no_store=True,
    ),
    summary="Log in",
)
async def login(body: LoginCreate, send: Forward, _: NoStore) -> SessionPublic:
    """With TOTP on, a right password answers 401 `second_factor_required` with
    `details.challenge`: finish at `POST /v1/auth/login/second-factor`."""
    reply = await send(LOG_IN, body)
    return SessionPublic.model_validate(reply.model_dump())


@router.post(
    "/refresh",
    responses=responses(
        WITH_BODY,
        {401: ("session_ended",)},
        success=200,
        no_store=True,
    ),
    summary="Trade a refresh token",
)
async def refresh(body: RefreshCreate, send: Forward, _: NoStore) -> SessionPublic:
    """Returns a new pair; the refresh token used is spent. Presented again within seconds
    (a lost answer retried) it still gets a pair; later, the whole session ends. No refresh
    extends a session beyond its absolute lifetime from the log-in."""
    reply = await send(REFRESH_SESSION, body)
    return SessionPublic.model_validate(reply.model_dump())


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(WITH_BODY),
    summary="Log out",
)
async def logout(body: LogoutCreate, send: Forward) -> Response:
    """Ends the session the refresh token belongs to: it and every token traded from it stop
    working, and its access tokens from the next request on (within a moment on every
    gateway). The same answer for any token, live or not."""
    await send(END_SESSION, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
