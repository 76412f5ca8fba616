"""Operators import accounts of the older portal, one at a time, with their old credentials."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel

from sportello_contracts.formats import Email
from sportello_contracts.identity import IMPORT_LEGACY_ACCOUNT, ImportLegacyAccountRequest
from sportello_contracts.rpc import Caller
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses
from sportello_gateway.staff import FORBIDDEN, operator_with

router = APIRouter(prefix="/v1/operators", tags=["operators"])

AccountsImporter = Annotated[Caller, Depends(operator_with("accounts.import"))]

if TYPE_CHECKING:
    LegacyAccountCreate = ImportLegacyAccountRequest
else:
    LegacyAccountCreate = http_model(
        ImportLegacyAccountRequest,
        "LegacyAccountCreate",
        example={
            "username": "Mario.Rossi@VecchioPortale",
            "password_hash": "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            "fiscal_code": "RSSMRA80A01H501U",
            "customer_codes": ["C00012345"],
            "email": "mario.rossi@example.it",
            "full_name": "Mario Rossi",
        },
    )


class LegacyAccountPublic(BaseModel):
    account_id: str
    username: str
    email: Email
    password_scheme: str


@router.post(
    "/legacy-accounts",
    status_code=status.HTTP_201_CREATED,
    responses=responses(
        WITH_BODY,
        FORBIDDEN,
        {
            401: ("unauthenticated", "account_not_found"),
            409: ("already_registered", "username_taken", "email_taken", "idempotency_key_reused"),
            422: ("unknown_hash_format", "invalid_fiscal_code", "customer_code_mismatch"),
        },
    ),
    summary="Import an account of the older portal (accounts.import)",
)
async def import_legacy_account(
    body: LegacyAccountCreate,
    caller: AccountsImporter,
    send: Forward,
    idempotency_key: IdempotencyKey,
) -> LegacyAccountPublic:
    """Creates the account with the older portal's username and password hash (bcrypt,
    PBKDF2-SHA256 as Django or passlib write it, SHA-1 or MD5 hex): the user logs in with the
    old password, which is then stored as argon2id."""
    reply = await send(IMPORT_LEGACY_ACCOUNT, body, caller=caller, idempotency_key=idempotency_key)
    return LegacyAccountPublic.model_validate(reply.model_dump())
