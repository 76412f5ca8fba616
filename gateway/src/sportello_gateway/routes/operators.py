"""Operators' routes: creating operators (and, with their permissions, what operators do)."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel

from sportello_contracts.operators import CREATE_OPERATOR, CreateOperatorRequest
from sportello_contracts.rpc import Caller
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses
from sportello_gateway.staff import FORBIDDEN, operator_with

router = APIRouter(prefix="/v1/operators", tags=["operators"])

if TYPE_CHECKING:
    OperatorCreate = CreateOperatorRequest
else:
    OperatorCreate = http_model(
        CreateOperatorRequest,
        "OperatorCreate",
        example={
            "username": "op.rossi",
            "email": "paolo.rossi@fornitore.example.it",
            "full_name": "Paolo Rossi",
            "password": "Sportello-Turno-2026",
            "permissions": ["accounts.read", "administrator_codes.issue"],
        },
    )


class OperatorPublic(BaseModel):
    account_id: str
    username: str
    email: str
    full_name: str
    permissions: list[str]


OperatorsManager = Annotated[Caller, Depends(operator_with("operators.manage"))]
AUTHENTICATED = {401: ("unauthenticated", "account_not_found")}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=responses(
        WITH_BODY,
        AUTHENTICATED,
        FORBIDDEN,
        {
            409: ("username_taken", "email_taken", "idempotency_key_reused"),
            422: ("weak_password",),
        },
    ),
    summary="Create an operator (operators.manage)",
)
async def create_operator(
    body: OperatorCreate, caller: OperatorsManager, send: Forward, idempotency_key: IdempotencyKey
) -> OperatorPublic:
    """The new operator logs in with this password and must enrol TOTP before anything else."""
    reply = await send(CREATE_OPERATOR, body, caller=caller, idempotency_key=idempotency_key)
    return OperatorPublic.model_validate(reply.model_dump())
