"""Passkeys: added, listed and removed from the profile; signing in with one (WebAuthn).

Each ceremony is two calls: `.../options` hands the browser the `publicKey` options for
`navigator.credentials.create()` or `.get()`, with a challenge good once and for minutes; the
second call sends back the browser's answer (`PublicKeyCredential.toJSON()`).
"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, JsonValue

from sportello_contracts.identity import (
    BEGIN_PASSKEY_REGISTRATION,
    BEGIN_PASSKEY_SIGN_IN,
    DELETE_PASSKEY,
    FINISH_PASSKEY_REGISTRATION,
    FINISH_PASSKEY_SIGN_IN,
    LIST_PASSKEYS,
    DeletePasskeyRequest,
    FinishPasskeyRegistrationRequest,
    FinishPasskeySignInRequest,
    PasskeyReply,
)
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.dependencies import IdempotencyKey, NoStore
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses
from sportello_gateway.routes.auth import SessionPublic

router = APIRouter(tags=["passkeys"])

_ANSWER_EXAMPLE = {
    "id": "4urWQ3_QxZGyj8Zvz53624iwcqvkAd3ojxzp4GKHg-c",
    "rawId": "4urWQ3_QxZGyj8Zvz53624iwcqvkAd3ojxzp4GKHg-c",
    "type": "public-key",
    "response": {"clientDataJSON": "eyJ0eXBlIjoi...", "attestationObject": "o2NmbXRk..."},
}

if TYPE_CHECKING:
    PasskeyCreate = FinishPasskeyRegistrationRequest
    PasskeySignInCreate = FinishPasskeySignInRequest
else:
    PasskeyCreate = http_model(
        FinishPasskeyRegistrationRequest,
        "PasskeyCreate",
        example={"name": "Portatile di casa", "credential": _ANSWER_EXAMPLE},
    )
    PasskeySignInCreate = http_model(
        FinishPasskeySignInRequest, "PasskeySignInCreate", example={"credential": _ANSWER_EXAMPLE}
    )

# Answers the signed-in user gets when the token's account is gone.
_SIGNED_IN = {401: ("unauthenticated", "account_not_found")}


class PasskeyOptionsPublic(BaseModel):
    public_key: dict[str, JsonValue]


class PasskeyPublic(BaseModel):
    passkey_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    transports: list[str]


class PasskeysPublic(BaseModel):
    passkeys: list[PasskeyPublic]


def _public(reply: PasskeyReply) -> PasskeyPublic:
    return PasskeyPublic.model_validate(reply.model_dump())


@router.post(
    "/v1/me/passkeys/options",
    responses=responses(_SIGNED_IN, {404: ("account_not_found",)}),
    summary="Begin adding a passkey",
)
async def begin_passkey_registration(caller: CurrentCaller, send: Forward) -> PasskeyOptionsPublic:
    """The options for `navigator.credentials.create({publicKey})`."""
    reply = await send(BEGIN_PASSKEY_REGISTRATION, caller=caller)
    return PasskeyOptionsPublic(public_key=reply.public_key)


@router.post(
    "/v1/me/passkeys",
    status_code=status.HTTP_201_CREATED,
    responses=responses(
        WITH_BODY,
        _SIGNED_IN,
        {
            409: ("passkey_already_registered", "idempotency_key_reused"),
            422: ("passkey_challenge_invalid", "passkey_not_verified"),
        },
    ),
    summary="Finish adding a passkey",
)
async def finish_passkey_registration(
    body: PasskeyCreate, caller: CurrentCaller, send: Forward, idempotency_key: IdempotencyKey
) -> PasskeyPublic:
    """Keeps the passkey the browser created, once its attestation verified."""
    reply = await send(
        FINISH_PASSKEY_REGISTRATION, body, caller=caller, idempotency_key=idempotency_key
    )
    return _public(reply)


@router.get("/v1/me/passkeys", responses=responses(_SIGNED_IN), summary="My passkeys")
async def my_passkeys(caller: CurrentCaller, send: Forward) -> PasskeysPublic:
    reply = await send(LIST_PASSKEYS, caller=caller)
    return PasskeysPublic(passkeys=[_public(p) for p in reply.passkeys])


@router.delete(
    "/v1/me/passkeys/{passkey_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(
        _SIGNED_IN,
        {
            404: ("passkey_not_found",),
            409: ("idempotency_key_reused",),
            422: ("invalid_request",),  # an id past 64 characters
        },
    ),
    summary="Remove a passkey",
)
async def delete_passkey(
    passkey_id: Annotated[str, Path(max_length=64)],
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
) -> Response:
    body = DeletePasskeyRequest(passkey_id=passkey_id)
    await send(DELETE_PASSKEY, body, caller=caller, idempotency_key=idempotency_key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/auth/passkey/options",
    responses=responses({429: ("too_many_attempts",)}),
    summary="Begin signing in with a passkey",
)
async def begin_passkey_sign_in(send: Forward) -> PasskeyOptionsPublic:
    """The options for `navigator.credentials.get({publicKey})`: no username needed, any
    passkey of this site may answer."""
    reply = await send(BEGIN_PASSKEY_SIGN_IN)
    return PasskeyOptionsPublic(public_key=reply.public_key)


@router.post(
    "/v1/auth/passkey",
    responses=responses(
        WITH_BODY,
        {401: ("passkey_refused", "passkey_cloned"), 422: ("passkey_challenge_invalid",)},
        success=200,
        no_store=True,
    ),
    summary="Sign in with a passkey",
)
async def passkey_sign_in(body: PasskeySignInCreate, send: Forward, _: NoStore) -> SessionPublic:
    """Opens a session, as the password log-in does, with the browser's signed answer."""
    reply = await send(FINISH_PASSKEY_SIGN_IN, body)
    return SessionPublic.model_validate(reply.model_dump())
