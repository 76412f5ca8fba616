"""Condominium administrators: the code an operator issues, registering with it, condominiums."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import BaseModel

from sportello_contracts.administrators import (
    ADD_CONDOMINIUM,
    ISSUE_ADMINISTRATOR_CODE,
    REGISTER_ADMINISTRATOR,
    REMOVE_CONDOMINIUM,
    AddCondominiumRequest,
    IssueAdministratorCodeRequest,
    RegisterAdministratorRequest,
    RemoveCondominiumRequest,
)
from sportello_contracts.rpc import Caller
from sportello_gateway.auth import CurrentCaller, forget_scope
from sportello_gateway.dependencies import IdempotencyKey, NoStore
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses
from sportello_gateway.routes.auth import AccountPublic
from sportello_gateway.staff import FORBIDDEN, operator_with

router = APIRouter(tags=["administrators"])

if TYPE_CHECKING:
    AdministratorCodeCreate = IssueAdministratorCodeRequest
    AdministratorCreate = RegisterAdministratorRequest
    CondominiumCreate = AddCondominiumRequest
    CondominiumRemoval = RemoveCondominiumRequest
else:
    AdministratorCodeCreate = http_model(
        IssueAdministratorCodeRequest,
        "AdministratorCodeCreate",
        example={
            "firm_name": "Studio Amministrazioni Bianchi",
            "vat_number": "01114601006",
            "email": "studio@amministrazionibianchi.example.it",
        },
    )
    AdministratorCreate = http_model(
        RegisterAdministratorRequest,
        "AdministratorCreate",
        example={
            "administrator_code": "AMM-K7MQ-2XBT-9HZC",
            "username": "studio.bianchi",
            "password": "Condomini-in-Ordine-26",
        },
    )
    CondominiumCreate = http_model(
        AddCondominiumRequest,
        "CondominiumCreate",
        example={"customer_code": "C00010005", "registration_pin": "26485910"},
    )
    CondominiumRemoval = http_model(RemoveCondominiumRequest, "CondominiumRemoval")


class AdministratorCodePublic(BaseModel):
    code: str
    firm_name: str
    email: str
    expires_at: datetime


class CondominiumsPublic(BaseModel):
    customer_codes: list[str]


CodeIssuer = Annotated[Caller, Depends(operator_with("administrator_codes.issue"))]
AUTHENTICATED = {401: ("unauthenticated", "account_not_found")}
# The customer code in a path, as the contracts have it.
CustomerCodeInPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{6,16}$")]


@router.post(
    "/v1/operators/administrator-codes",
    status_code=status.HTTP_201_CREATED,
    responses=responses(
        WITH_BODY,
        AUTHENTICATED,
        FORBIDDEN,
        {422: ("invalid_vat_number",)},
        success=201,
        no_store=True,
    ),
    summary="Issue an administrator code (administrator_codes.issue)",
)
async def issue_administrator_code(
    body: AdministratorCodeCreate, caller: CodeIssuer, send: Forward, _: NoStore
) -> AdministratorCodePublic:
    """The code is e-mailed to the firm and shown here once; it works once, until it expires."""
    reply = await send(ISSUE_ADMINISTRATOR_CODE, body, caller=caller)
    return AdministratorCodePublic.model_validate(reply.model_dump())


@router.post(
    "/v1/auth/register/administrator",
    status_code=status.HTTP_201_CREATED,
    responses=responses(
        WITH_BODY,
        {
            409: (
                "administrator_code_used",
                "username_taken",
                "email_taken",
                "idempotency_key_reused",
            ),
            422: ("administrator_code_invalid", "administrator_code_expired", "weak_password"),
            429: ("too_many_attempts",),
        },
    ),
    summary="Register as a condominium administrator with the firm's code",
)
async def register_administrator(
    body: AdministratorCreate, send: Forward, idempotency_key: IdempotencyKey
) -> AccountPublic:
    reply = await send(REGISTER_ADMINISTRATOR, body, idempotency_key=idempotency_key)
    return AccountPublic.model_validate(reply.model_dump())


@router.post(
    "/v1/me/condominiums",
    responses=responses(
        WITH_BODY,
        AUTHENTICATED,
        {
            403: ("administrators_only",),
            409: ("condominium_held", "condominium_registered", "idempotency_key_reused"),
            422: ("registration_data_mismatch",),
            429: ("too_many_attempts",),
        },
    ),
    summary="Add a condominium (administrators)",
)
async def add_condominium(
    body: CondominiumCreate,
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
    request: Request,
) -> CondominiumsPublic:
    """With the condominium's customer code and the registration PIN of its letter or bills.
    Every condominium held is in the administrator's scope from the next request."""
    reply = await send(ADD_CONDOMINIUM, body, caller=caller, idempotency_key=idempotency_key)
    forget_scope(request, caller)
    return CondominiumsPublic.model_validate(reply.model_dump())


@router.delete(
    "/v1/me/condominiums/{customer_code}",
    responses=responses(
        AUTHENTICATED,
        {
            403: ("administrators_only",),
            404: ("condominium_not_held",),
            409: ("idempotency_key_reused",),
            422: ("invalid_request",),
        },
    ),
    summary="Remove a condominium (administrators)",
)
async def remove_condominium(
    customer_code: CustomerCodeInPath,
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
    request: Request,
) -> CondominiumsPublic:
    body = CondominiumRemoval(customer_code=customer_code)
    reply = await send(REMOVE_CONDOMINIUM, body, caller=caller, idempotency_key=idempotency_key)
    forget_scope(request, caller)
    return CondominiumsPublic.model_validate(reply.model_dump())
