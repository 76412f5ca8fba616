"""The signed-in user's contact details: the e-mail address, confirmed by a link; the mobile
number, confirmed by a code."""

from typing import TYPE_CHECKING

from fastapi import APIRouter, status
from pydantic import AwareDatetime, BaseModel

from sportello_contracts.contacts import (
    CHANGE_EMAIL,
    CHANGE_PHONE,
    CONFIRM_EMAIL,
    CONFIRM_PHONE,
    ChangeEmailRequest,
    ChangePhoneRequest,
    ConfirmEmailRequest,
    ConfirmPhoneRequest,
)
from sportello_contracts.formats import Email
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses

router = APIRouter(prefix="/v1")

if TYPE_CHECKING:
    EmailChangeCreate = ChangeEmailRequest
    EmailConfirmationCreate = ConfirmEmailRequest
    PhoneChangeCreate = ChangePhoneRequest
    PhoneConfirmationCreate = ConfirmPhoneRequest
else:
    PhoneChangeCreate = http_model(
        ChangePhoneRequest, "PhoneChangeCreate", example={"phone": "+39 333 123 4567"}
    )
    PhoneConfirmationCreate = http_model(
        ConfirmPhoneRequest, "PhoneConfirmationCreate", example={"code": "480213"}
    )
    EmailChangeCreate = http_model(
        ChangeEmailRequest,
        "EmailChangeCreate",
        example={"email": "giulia@bianchi.example", "current_password": "Sole-e-Luna-77"},
    )
    EmailConfirmationCreate = http_model(
        ConfirmEmailRequest,
        "EmailConfirmationCreate",
        example={"confirmation_token": "ec_Qm4nT8vXz2LkP6wR1yHc9bJd3sFa7uEo5iGt0eKyBwN"},
    )


class EmailChangePublic(BaseModel):
    pending_email: Email
    expires_at: AwareDatetime
    detail: str


class EmailConfirmedPublic(BaseModel):
    email: Email


@router.put(
    "/me/email",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(
        WITH_BODY,
        {
            401: ("unauthenticated", "account_not_found"),
            404: ("account_not_found",),
            409: ("email_taken", "idempotency_key_reused"),
            422: ("wrong_current_password",),
            429: ("account_locked", "too_many_attempts"),
        },
    ),
    summary="Change my e-mail address",
    tags=["profile"],
)
async def change_email(
    body: EmailChangeCreate, caller: CurrentCaller, send: Forward, idempotency_key: IdempotencyKey
) -> EmailChangePublic:
    """Sends a confirmation link to the new address; until it is followed, mail goes where it
    went, and that address is told. A newer request voids the earlier link."""
    reply = await send(CHANGE_EMAIL, body, caller=caller, idempotency_key=idempotency_key)
    return EmailChangePublic(
        pending_email=reply.pending_email,
        expires_at=reply.expires_at,
        detail=f"Ti abbiamo inviato un link a {reply.pending_email}: aprilo per confermare il "
        "nuovo indirizzo. Fino ad allora le comunicazioni arrivano all'indirizzo attuale.",
    )


@router.post(
    "/auth/email-confirmation",
    responses=responses(
        WITH_BODY,
        {409: ("email_taken", "idempotency_key_reused"), 422: ("link_invalid",)},
        success=200,
    ),
    summary="Confirm an e-mail address with its link",
    tags=["auth"],
)
async def confirm_email(
    body: EmailConfirmationCreate, send: Forward, idempotency_key: IdempotencyKey
) -> EmailConfirmedPublic:
    """The token of the latest confirmation link (after `#token=`) makes its address the
    account's, once; no log-in needed. The address mail went to before is told."""
    reply = await send(CONFIRM_EMAIL, body, idempotency_key=idempotency_key)
    return EmailConfirmedPublic(email=reply.email)


class PhoneChangePublic(BaseModel):
    pending_phone: str
    expires_at: AwareDatetime
    detail: str


class PhoneConfirmedPublic(BaseModel):
    phone: str


_SIGNED_IN: dict[int, tuple[str, ...]] = {
    401: ("unauthenticated", "account_not_found"),
    404: ("account_not_found",),
}


@router.put(
    "/me/phone",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(
        WITH_BODY,
        _SIGNED_IN,
        {409: ("idempotency_key_reused",), 429: ("too_many_requests",)},
    ),
    summary="Change my mobile number",
    tags=["profile"],
)
async def change_phone(
    body: PhoneChangeCreate, caller: CurrentCaller, send: Forward, idempotency_key: IdempotencyKey
) -> PhoneChangePublic:
    """Texts a 6-digit code to the new number (E.164, separators allowed); the number is the
    account's once the code is entered. A newer request voids the earlier code. A few texts per
    number and per account are free; then `too_many_requests`, with a `Retry-After`."""
    reply = await send(CHANGE_PHONE, body, caller=caller, idempotency_key=idempotency_key)
    return PhoneChangePublic(
        pending_phone=reply.pending_phone,
        expires_at=reply.expires_at,
        detail=f"Ti abbiamo inviato un SMS con un codice al numero {reply.pending_phone}: "
        "inseriscilo per confermare il nuovo numero.",
    )


@router.post(
    "/me/phone/confirmation",
    responses=responses(
        WITH_BODY,
        _SIGNED_IN,
        {
            409: ("idempotency_key_reused",),
            422: ("code_invalid", "code_attempts_exhausted"),
        },
        success=200,
    ),
    summary="Confirm my new mobile number with its code",
    tags=["profile"],
)
async def confirm_phone(
    body: PhoneConfirmationCreate,
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
) -> PhoneConfirmedPublic:
    """A wrong or expired code is `code_invalid`; after 5 wrong ones the code is void
    (`code_attempts_exhausted`) and a new one must be asked for. The account's address is told
    of the change."""
    reply = await send(CONFIRM_PHONE, body, caller=caller, idempotency_key=idempotency_key)
    return PhoneConfirmedPublic(phone=reply.phone)
