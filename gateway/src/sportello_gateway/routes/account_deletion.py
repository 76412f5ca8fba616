"""Deleting my account: asked with the password (or a passkey) again, then confirmed.

`POST /v1/me/deletion` proves it is the user (a stolen session alone deletes nothing) and
answers with the deletion to confirm and until when; `POST /v1/me/deletion/{id}/confirm` is the
deliberate second step. The account is erased at once; the other services erase their part and
confirm by event; the user gets an e-mail at the address the account had.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from sportello_contracts.account_deletion import (
    CONFIRM_ACCOUNT_DELETION,
    REQUEST_ACCOUNT_DELETION,
    ConfirmAccountDeletionRequest,
    RequestAccountDeletionRequest,
)
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses

router = APIRouter(prefix="/v1/me/deletion", tags=["profile"])

if TYPE_CHECKING:
    DeletionCreate = RequestAccountDeletionRequest
else:
    DeletionCreate = http_model(
        RequestAccountDeletionRequest, "DeletionCreate", example={"password": "Sole-e-Luna-77"}
    )

_SIGNED_IN = {401: ("unauthenticated", "account_not_found")}


class DeletionRequestedPublic(BaseModel):
    deletion_id: str
    confirm_before: datetime = Field(description="Confirm before then, or ask again.")


class AccountDeletedPublic(BaseModel):
    deletion_id: str
    deleted_at: datetime


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=responses(
        WITH_BODY,
        _SIGNED_IN,
        {
            401: ("passkey_refused", "passkey_cloned"),
            403: ("reauthentication_failed",),
            404: ("account_not_found",),
            409: ("idempotency_key_reused",),
            422: ("passkey_challenge_invalid",),
            429: ("account_locked", "too_many_attempts"),
        },
    ),
    summary="Ask to delete my account",
)
async def request_deletion(
    body: DeletionCreate, caller: CurrentCaller, send: Forward, idempotency_key: IdempotencyKey
) -> DeletionRequestedPublic:
    """With `password`, or `passkey`: a passkey's answer to `POST /v1/auth/passkey/options`.
    Nothing is deleted until the confirmation."""
    reply = await send(
        REQUEST_ACCOUNT_DELETION, body, caller=caller, idempotency_key=idempotency_key
    )
    return DeletionRequestedPublic(
        deletion_id=reply.deletion_id, confirm_before=reply.confirm_before
    )


@router.post(
    "/{deletion_id}/confirm",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(
        _SIGNED_IN,
        {
            404: ("deletion_not_found",),
            409: ("idempotency_key_reused",),
            422: ("deletion_expired", "invalid_request"),
        },
    ),
    summary="Confirm the deletion of my account",
)
async def confirm_deletion(
    deletion_id: Annotated[str, Path(max_length=64)],
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
) -> AccountDeletedPublic:
    """Erases the account now (its tokens stop working, its customer codes can register
    again); the other services follow and confirm."""
    body = ConfirmAccountDeletionRequest(deletion_id=deletion_id)
    reply = await send(
        CONFIRM_ACCOUNT_DELETION, body, caller=caller, idempotency_key=idempotency_key
    )
    return AccountDeletedPublic(deletion_id=reply.deletion_id, deleted_at=reply.deleted_at)
