"""What the signed-in user sets directly (how and when to be contacted), and changes of
registered personal data, which become requests for the back-office."""

from typing import TYPE_CHECKING

from fastapi import APIRouter, status
from pydantic import AwareDatetime, BaseModel

from sportello_contracts.personal_data import (
    REQUEST_PERSONAL_DATA_CHANGE,
    UPDATE_CONTACT_PREFERENCES,
    ContactChannel,
    ContactTime,
    RequestPersonalDataChange,
    UpdateContactPreferencesRequest,
)
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses

router = APIRouter(prefix="/v1/me", tags=["profile"])

# What the answer to a change of registered data says: it is a request, not a change.
CHANGE_REQUESTED = (
    "I dati anagrafici registrati (nome, residenza, dati fiscali) non si modificano "
    "direttamente: abbiamo inoltrato la tua richiesta al Servizio Clienti, che la verificherà. "
    "Puoi seguirne lo stato tra le tue richieste; fino ad allora i dati restano invariati."
)

if TYPE_CHECKING:
    ContactPreferencesUpdate = UpdateContactPreferencesRequest
    PersonalDataChangeCreate = RequestPersonalDataChange
else:
    ContactPreferencesUpdate = http_model(
        UpdateContactPreferencesRequest,
        "ContactPreferencesUpdate",
        example={"preferred_channel": "email", "preferred_times": ["morning", "evening"]},
    )
    PersonalDataChangeCreate = http_model(
        RequestPersonalDataChange,
        "PersonalDataChangeCreate",
        example={
            "residence": {
                "street": "Via Garibaldi 7",
                "postal_code": "20121",
                "city": "Milano",
                "province": "MI",
            },
            "note": "Trasferita a Milano da marzo.",
        },
    )

_SIGNED_IN: dict[int, tuple[str, ...]] = {
    401: ("unauthenticated", "account_not_found"),
    404: ("account_not_found",),
    409: ("idempotency_key_reused",),
}


class ContactPreferencesPublic(BaseModel):
    preferred_channel: ContactChannel
    preferred_times: list[ContactTime]


class PersonalDataChangePublic(BaseModel):
    change_id: str
    requested_at: AwareDatetime
    detail: str


@router.put(
    "/contact-preferences",
    responses=responses(WITH_BODY, _SIGNED_IN, {422: ("phone_required",)}),
    summary="Set how and when I am contacted",
)
async def update_contact_preferences(
    body: ContactPreferencesUpdate,
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
) -> ContactPreferencesPublic:
    """Changed at once. `sms` and `phone` need a confirmed mobile number (`PUT /v1/me/phone`)."""
    reply = await send(
        UPDATE_CONTACT_PREFERENCES, body, caller=caller, idempotency_key=idempotency_key
    )
    return ContactPreferencesPublic.model_validate(reply.model_dump())


@router.post(
    "/personal-data-change-requests",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(WITH_BODY, _SIGNED_IN, {422: ("invalid_fiscal_code",)}),
    summary="Ask to change my registered personal data",
)
async def request_personal_data_change(
    body: PersonalDataChangeCreate,
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
) -> PersonalDataChangePublic:
    """Name, residence and fiscal data are never changed here: the change asked becomes a
    request for the back-office, and the data stays as it is until it is handled."""
    reply = await send(
        REQUEST_PERSONAL_DATA_CHANGE, body, caller=caller, idempotency_key=idempotency_key
    )
    return PersonalDataChangePublic(
        change_id=reply.change_id, requested_at=reply.requested_at, detail=CHANGE_REQUESTED
    )
