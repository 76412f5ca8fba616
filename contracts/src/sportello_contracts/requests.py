"""Requests' language: a request filed, moved by the back-office, cancelled by the customer,
and what the portal shows of it (per supply and in one list, with its history and, for what
the supplier must answer in writing, the deadline and any compensation for a late answer).

The forms themselves are in `request_forms`.
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from sportello_contracts.base import Contract
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode
from sportello_contracts.request_forms import RequestForm, RequestType
from sportello_contracts.rpc import Operation, Request
from sportello_contracts.supplies import SupplyId

RequestId = Annotated[str, StringConstraints(pattern=r"^REQ-[0-9A-F]{20}$")]
RequestStatus = Literal["submitted", "in_progress", "completed", "rejected", "cancelled"]
BackOfficeStep = Literal["in_progress", "completed", "rejected"]
Message = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=200)]
# What the portal and the mails call each type and status, in Italian.
TYPE_LABELS: dict[str, str] = {
    "power_change": "Cambio potenza",
    "deactivation": "Disattivazione",
    "holder_change": "Voltura",
    "takeover": "Subentro",
    "supplier_switch": "Cambio fornitore",
    "instalment_plan": "Rateizzazione",
    "bill_correction": "Rettifica di fatturazione",
    "complaint": "Reclamo",
    "information_request": "Richiesta di informazioni",
    "personal_data_change": "Modifica dati anagrafici",
}
STATUS_LABELS: dict[str, str] = {
    "submitted": "Inviata",
    "in_progress": "In lavorazione",
    "completed": "Completata",
    "rejected": "Respinta",
    "cancelled": "Annullata",
}


# The back-office's events.


class RequestProgressed(EventPayload):
    """The back-office took a request in hand, completed it or rejected it, with its words to
    the customer. For a complaint, an information request or a bill correction, `completed`
    is the written answer (and the day of it ends the regulator's clock)."""

    ROUTING_KEY = "backoffice.request.progressed"
    VERSION = 1

    request_id: RequestId
    customer_code: CustomerCode
    step: BackOfficeStep
    at: AwareDatetime
    message: Message | None = None


# Requests' events.


class RequestSubmitted(EventPayload):
    """A request filed through the portal, with its whole form, for the back-office to handle."""

    ROUTING_KEY = "requests.request.submitted"
    VERSION = 1

    request_id: str
    customer_code: str
    account_id: str  # who filed it
    submitted_at: AwareDatetime
    form: RequestForm
    answer_due_on: date | None = None  # what the supplier must answer in writing by then


class RequestStatusChanged(EventPayload):
    """A request moved: the customer hears of it, the back-office learns of a cancellation, the
    trail keeps it."""

    ROUTING_KEY = "requests.request.changed"
    VERSION = 1

    request_id: str
    customer_code: str
    account_id: str
    type: RequestType
    status: RequestStatus
    at: AwareDatetime
    by: Literal["customer", "backoffice"]
    message: str | None = None
    compensation_cents: int | None = None  # a late written answer's, when it is known


# What the portal shows and sends.


class RequestChangePublic(Contract):
    status: RequestStatus
    status_label: str  # in Italian
    at: AwareDatetime
    by: Literal["customer", "backoffice"]
    message: str | None = None


class RequestPublic(Contract):
    """A request in a list: what it is, where it stands, and the regulator's clock if any."""

    request_id: str
    type: RequestType
    type_label: str  # in Italian: "Cambio potenza", "Reclamo"...
    customer_code: str
    supply_id: str | None = None
    bill_number: str | None = None
    status: RequestStatus
    status_label: str
    submitted_at: AwareDatetime
    updated_at: AwareDatetime
    can_cancel: bool
    answer_due_on: date | None = None
    answered_on: date | None = None
    overdue: bool = False  # unanswered past its due day
    # The automatic compensation of a late answer: what it earned, or has earned so far.
    compensation_cents: int | None = None


class RequestDetail(RequestPublic):
    form: RequestForm
    history: tuple[RequestChangePublic, ...]


class SubmitRequestRequest(Request):
    """File a request; `customer_code` says for which customer when the caller acts for
    several (an administrator's condominiums, an operator)."""

    form: RequestForm
    customer_code: CustomerCode | None = None


class RequestReply(Contract):
    request: RequestDetail


class ListRequestsRequest(Request):
    """The caller's requests, newest first: all of them (*Richieste*) or one supply's
    (*Operazioni*), by type and status."""

    customer_code: CustomerCode | None = None
    supply_id: SupplyId | None = None
    type: RequestType | None = None
    status: RequestStatus | None = None
    cursor: Cursor | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class RequestsPage(Contract):
    requests: tuple[RequestPublic, ...]
    next_cursor: str | None = None


class GetRequestRequest(Request):
    request_id: RequestId


class CancelRequestRequest(Request):
    request_id: RequestId


class ListDueAnswersRequest(Request):
    """For operators: the written answers due within `within_days` and those overdue, the
    soonest first."""

    within_days: Annotated[int, Field(ge=0, le=90)] = 7
    limit: Annotated[int, Field(ge=1, le=100)] = 50


SUBMIT_REQUEST = Operation(
    "requests.request.submit", SubmitRequestRequest, RequestReply, command=True
)
CANCEL_REQUEST = Operation(
    "requests.request.cancel", CancelRequestRequest, RequestReply, command=True
)
LIST_REQUESTS = Operation("requests.requests.list", ListRequestsRequest, RequestsPage)
GET_REQUEST = Operation("requests.request.get", GetRequestRequest, RequestReply)
LIST_DUE_ANSWERS = Operation("requests.due_answers.list", ListDueAnswersRequest, RequestsPage)
