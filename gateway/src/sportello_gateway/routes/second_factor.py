"""Second factors: TOTP enrolment and removal, recovery codes, and a log-in's second step."""

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from sportello_contracts.second_factor import (
    COMPLETE_LOG_IN,
    CONFIRM_TOTP,
    DISABLE_TOTP,
    REGENERATE_RECOVERY_CODES,
    START_TOTP_ENROLMENT,
    CompleteLogInRequest,
    ConfirmTotpRequest,
    DisableTotpRequest,
    RegenerateRecoveryCodesRequest,
)
from sportello_gateway.auth import CurrentCaller, forget_scope
from sportello_gateway.dependencies import IdempotencyKey, NoStore
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses
from sportello_gateway.routes.auth import SessionPublic

router = APIRouter(tags=["second factor"])

if TYPE_CHECKING:
    TotpConfirm = ConfirmTotpRequest
    TotpDisable = DisableTotpRequest
    RecoveryCodesCreate = RegenerateRecoveryCodesRequest
    SecondFactorCreate = CompleteLogInRequest
else:
    TotpConfirm = http_model(ConfirmTotpRequest, "TotpConfirm", example={"code": "492039"})
    TotpDisable = http_model(DisableTotpRequest, "TotpDisable", example={"code": "492039"})
    RecoveryCodesCreate = http_model(
        RegenerateRecoveryCodesRequest, "RecoveryCodesCreate", example={"code": "492039"}
    )
    SecondFactorCreate = http_model(
        CompleteLogInRequest,
        "SecondFactorCreate",
        example={"challenge": "ch_Qm9uZ2lvcm5vLWNoZS1iZWxsYS1naW9ybmF0YQ", "code": "492039"},
    )


class TotpEnrolmentPublic(BaseModel):
    otpauth_uri: str
    secret: str


class RecoveryCodesPublic(BaseModel):
    recovery_codes: list[str]


AUTHENTICATED = {401: ("unauthenticated", "account_not_found")}
CODE_CHECKED = {422: ("wrong_second_factor",), 429: ("too_many_attempts",)}


@router.post(
    "/v1/me/totp",
    responses=responses(
        AUTHENTICATED, {409: ("totp_already_enabled",)}, success=200, no_store=True
    ),
    summary="Start enrolling TOTP",
)
async def start_totp(caller: CurrentCaller, send: Forward, _: NoStore) -> TotpEnrolmentPublic:
    """A new secret, shown this once (`otpauth_uri` for a QR code, `secret` to type); TOTP is
    on once a first code confirms it. Starting again replaces a secret not yet confirmed."""
    reply = await send(START_TOTP_ENROLMENT, caller=caller)
    return TotpEnrolmentPublic.model_validate(reply.model_dump())


@router.post(
    "/v1/me/totp/confirm",
    responses=responses(
        WITH_BODY,
        AUTHENTICATED,
        CODE_CHECKED,
        {409: ("totp_already_enabled", "totp_not_enabled")},
        success=200,
        no_store=True,
    ),
    summary="Confirm TOTP with a first code",
)
async def confirm_totp(
    body: TotpConfirm, caller: CurrentCaller, send: Forward, _: NoStore, request: Request
) -> RecoveryCodesPublic:
    """Turns TOTP on; the recovery codes (each works once, instead of a code) are shown this
    once. From now on a log-in asks for a code after the password. An operator's permissions
    are in force from the next request."""
    reply = await send(CONFIRM_TOTP, body, caller=caller)
    forget_scope(request, caller)
    return RecoveryCodesPublic.model_validate(reply.model_dump())


@router.post(
    "/v1/me/totp/disable",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(
        WITH_BODY,
        AUTHENTICATED,
        CODE_CHECKED,
        {409: ("totp_not_enabled", "totp_required", "idempotency_key_reused")},
    ),
    summary="Turn TOTP off",
)
async def disable_totp(
    body: TotpDisable, caller: CurrentCaller, send: Forward, idempotency_key: IdempotencyKey
) -> Response:
    """With a current code (or a recovery code). Operators cannot: it is required for them."""
    await send(DISABLE_TOTP, body, caller=caller, idempotency_key=idempotency_key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/me/totp/recovery-codes",
    responses=responses(
        WITH_BODY,
        AUTHENTICATED,
        CODE_CHECKED,
        {409: ("totp_not_enabled",)},
        success=200,
        no_store=True,
    ),
    summary="New recovery codes",
)
async def regenerate_recovery_codes(
    body: RecoveryCodesCreate, caller: CurrentCaller, send: Forward, _: NoStore
) -> RecoveryCodesPublic:
    """With a current code: ten new recovery codes, shown this once; the old ones stop working."""
    reply = await send(REGENERATE_RECOVERY_CODES, body, caller=caller)
    return RecoveryCodesPublic.model_validate(reply.model_dump())


@router.post(
    "/v1/auth/login/second-factor",
    responses=responses(
        WITH_BODY,
        {401: ("challenge_ended",), 409: ("totp_not_enabled",)},
        CODE_CHECKED,
        success=200,
        no_store=True,
    ),
    summary="Log in: the second step",
)
async def complete_login(body: SecondFactorCreate, send: Forward, _: NoStore) -> SessionPublic:
    """After `POST /v1/auth/login` answered 401 `second_factor_required`: its
    `details.challenge` (minutes, once) with a TOTP code or a recovery code."""
    reply = await send(COMPLETE_LOG_IN, body)
    return SessionPublic.model_validate(reply.model_dump())
