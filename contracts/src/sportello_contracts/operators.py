"""Operators (back-office and customer-service staff): their accounts and permissions."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from sportello_contracts.base import Contract
from sportello_contracts.formats import Email, Username
from sportello_contracts.identity import Password
from sportello_contracts.rpc import Operation, Request

# What an operator may do, each granted on its own. A bootstrap operator has every one.
Permission = Literal[
    "operators.manage", "administrator_codes.issue", "accounts.read", "accounts.import"
]
PERMISSIONS: tuple[Permission, ...] = (
    "operators.manage",
    "administrator_codes.issue",
    "accounts.read",
    "accounts.import",  # bring accounts of the older portal over
)

FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class CreateOperatorRequest(Request):
    """An operator (with `operators.manage`) creates another; the new one enrols TOTP first."""

    username: Username
    email: Email
    full_name: FullName
    # The first password, handed over by the creator; the new operator changes it.
    password: Password
    permissions: tuple[Permission, ...] = Field(min_length=1, max_length=len(PERMISSIONS))


class OperatorReply(Contract):
    account_id: str
    username: str
    email: Email
    full_name: str
    permissions: tuple[Permission, ...]


# What a refused caller tried: `POST /v1/operators`... (no body, no secret).
ACTION_MAX_LENGTH = 200
Action = Annotated[str, StringConstraints(min_length=1, max_length=ACTION_MAX_LENGTH)]


class RecordRefusedAccessRequest(Request):
    """The gateway refused the caller an operators' route: kept in the caller's own trail."""

    action: Action
    reason: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,60}$")]


class RefusedAccessRecorded(Contract):
    activity_id: str


CREATE_OPERATOR = Operation(
    "identity.operator.create", CreateOperatorRequest, OperatorReply, command=True
)
RECORD_REFUSED_ACCESS = Operation(
    "identity.access.refuse", RecordRefusedAccessRequest, RefusedAccessRecorded, command=True
)
