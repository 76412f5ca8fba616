"""Getting back in and changing the password: lost password or username, reset, change."""

from typing import TYPE_CHECKING

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from sportello_contracts.credentials import (
    CHANGE_PASSWORD,
    RECOVER_ACCOUNT,
    RESET_PASSWORD,
    ChangePasswordRequest,
    RecoverAccountRequest,
    ResetPasswordRequest,
)
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses

router = APIRouter(prefix="/v1")

# What the answer to a lost-password request says, whether or not an account has the address.
RECOVERY_ASKED = (
    "Se l'indirizzo appartiene a un account dell'Area Clienti, riceverai a breve un'e-mail con "
    "il nome utente e un link per scegliere una nuova password."
)

if TYPE_CHECKING:
    RecoveryCreate = RecoverAccountRequest
    PasswordResetCreate = ResetPasswordRequest
    PasswordChangeCreate = ChangePasswordRequest
else:
    RecoveryCreate = http_model(
        RecoverAccountRequest, "RecoveryCreate", example={"email": "giulia.bianchi@example.it"}
    )
    PasswordResetCreate = http_model(
        ResetPasswordRequest,
        "PasswordResetCreate",
        example={
            "reset_token": "pr_Vb3k9QxT2mWz8LcR5nYp1aHs7dJf4uEg6oIt0eKyBwM",
            "new_password": "Autunno-a-Trieste-31",
        },
    )
    PasswordChangeCreate = http_model(
        ChangePasswordRequest,
        "PasswordChangeCreate",
        example={"current_password": "Sole-e-Luna-77", "new_password": "Autunno-a-Trieste-31"},
    )


class RecoveryAskedPublic(BaseModel):
    detail: str


@router.post(
    "/auth/recovery",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(WITH_BODY, {409: ("idempotency_key_reused",), 429: ("too_many_requests",)}),
    summary="Lost password or username",
    tags=["auth"],
)
async def ask_recovery(
    body: RecoveryCreate, send: Forward, idempotency_key: IdempotencyKey
) -> RecoveryAskedPublic:
    """E-mails the username and a single-use reset link to the address, if an account has it.

    The same answer, as fast, whether or not one does. A few requests per address (and per
    client) are free; then `too_many_requests`, with a `Retry-After`.
    """
    await send(RECOVER_ACCOUNT, body, idempotency_key=idempotency_key)
    return RecoveryAskedPublic(detail=RECOVERY_ASKED)


@router.post(
    "/auth/password-reset",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(
        WITH_BODY,
        {409: ("idempotency_key_reused",), 422: ("link_invalid", "weak_password")},
    ),
    summary="Choose a new password with a reset link",
    tags=["auth"],
)
async def reset_password(
    body: PasswordResetCreate, send: Forward, idempotency_key: IdempotencyKey
) -> Response:
    """Sets the password with the token of the latest reset link (after `#token=`), once.

    Every session of the account ends, and so does a lock from wrong passwords. An expired,
    used or replaced link is `link_invalid`; a refused password leaves the link usable.
    """
    await send(RESET_PASSWORD, body, idempotency_key=idempotency_key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(
        WITH_BODY,
        {
            401: ("unauthenticated", "account_not_found"),
            404: ("account_not_found",),
            409: ("idempotency_key_reused",),
            422: ("wrong_current_password", "weak_password"),
            429: ("account_locked", "too_many_attempts"),
        },
    ),
    summary="Change my password",
    tags=["profile"],
)
async def change_password(
    body: PasswordChangeCreate,
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Needs the current password (a wrong one counts as a wrong log-in). Every other session
    ends, and the account's address is told."""
    await send(CHANGE_PASSWORD, body, caller=caller, idempotency_key=idempotency_key)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
