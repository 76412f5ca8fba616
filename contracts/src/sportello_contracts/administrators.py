"""Condominium administrators: the code an operator issues, registering with it, condominiums."""

from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from sportello_contracts.backoffice import RegistrationPin
from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode, Email, Username
from sportello_contracts.identity import Password, RegisterAccountReply
from sportello_contracts.rpc import Operation, Request

FirmName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
# The firm's partita IVA: 11 digits (the check digit is identity's to verify).
VatNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{11}$")]
# `AMM-` and three groups of four letters or digits, as typed (case and spaces aside).
AdministratorCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), Field(repr=False)
]


class IssueAdministratorCodeRequest(Request):
    """An operator (with `administrator_codes.issue`) issues a code for a firm."""

    firm_name: FirmName
    vat_number: VatNumber
    email: Email


class AdministratorCodeReply(Contract):
    """Shown once to the operator (and e-mailed to the firm); identity keeps only its digest."""

    code: str = Field(repr=False)
    firm_name: str
    email: Email
    expires_at: AwareDatetime


class AdministratorCodeIssued(EventPayload):
    """An administrator code to e-mail to its firm. For notifications alone: it carries the code."""

    ROUTING_KEY = "identity.administrator_code.issued"
    VERSION = 1
    SECRET = True

    firm_name: str
    vat_number: VatNumber
    email: Email
    code: str = Field(repr=False)
    expires_at: AwareDatetime


class RegisterAdministratorRequest(Request):
    administrator_code: AdministratorCode
    username: Username
    password: Password
    # Defaults to the firm's address the code was issued for.
    email: Email | None = None


class AddCondominiumRequest(Request):
    """The administrator proves a condominium is theirs with its registration PIN."""

    customer_code: CustomerCode
    registration_pin: RegistrationPin = Field(repr=False)


class RemoveCondominiumRequest(Request):
    customer_code: CustomerCode


class CondominiumsReply(Contract):
    """Every condominium the administrator holds now."""

    customer_codes: tuple[CustomerCode, ...]


# The code is shown once and kept only as a digest, so no stored reply could give it back: a
# retry issues another code (the first one still works until it expires, once).
ISSUE_ADMINISTRATOR_CODE = Operation(
    "identity.administrator_code.issue", IssueAdministratorCodeRequest, AdministratorCodeReply
)
REGISTER_ADMINISTRATOR = Operation(
    "identity.administrator.register",
    RegisterAdministratorRequest,
    RegisterAccountReply,
    needs_caller=False,
    command=True,
)
ADD_CONDOMINIUM = Operation(
    "identity.condominium.add", AddCondominiumRequest, CondominiumsReply, command=True
)
REMOVE_CONDOMINIUM = Operation(
    "identity.condominium.remove", RemoveCondominiumRequest, CondominiumsReply, command=True
)
