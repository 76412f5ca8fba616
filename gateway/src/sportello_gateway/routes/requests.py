"""Service requests: filing one (each type its own form), the caller's list (*Richieste*) and
a supply's (*Operazioni*), one request with its history, cancelling it, and the operators'
list of written answers due."""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from sportello_contracts.requests import (
    CANCEL_REQUEST,
    GET_REQUEST,
    LIST_DUE_ANSWERS,
    LIST_REQUESTS,
    SUBMIT_REQUEST,
    CancelRequestRequest,
    GetRequestRequest,
    ListDueAnswersRequest,
    ListRequestsRequest,
    RequestDetail,
    RequestId,
    RequestsPage,
    SubmitRequestRequest,
)
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import GATEWAY_FIELDS, Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses
from sportello_gateway.routes.readings import SupplyIdInPath
from sportello_gateway.routes.supplies import AUTHENTICATED, SCOPED

router = APIRouter(tags=["requests"])

REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    "complaint": {
        "summary": "A complaint about a bill, disputing part of it",
        "value": {
            "form": {
                "type": "complaint",
                "subject": "Bolletta troppo alta",
                "bill_number": "B202611-FG10001",
                "text": "Il consumo fatturato è il triplo del solito.",
                "disputed_cents": 5000,
            }
        },
    },
    "power_change": {
        "summary": "A higher power on an electricity supply",
        "value": {"form": {"type": "power_change", "supply_id": "FE10001", "power_kw": "4.5"}},
    },
}
# Why a request is refused: the codes are API (clients branch on them).
FILING_REFUSALS: dict[int, tuple[str, ...]] = {
    404: ("supply_not_found", "bill_not_found", "customer_not_found"),
    409: (
        "supply_ceased",
        "supply_active",
        "not_electricity",
        "already_supplied",
        "bill_paid",
        "bill_in_plan",
        "idempotency_key_reused",
    ),
    422: (
        "customer_code_required",
        "date_in_the_past",
        "date_too_far",
        "same_holder",
        "plan_too_small",
        "disputed_above_total",
    ),
}
ONE_REQUEST: dict[int, tuple[str, ...]] = {404: ("request_not_found",), 422: ("invalid_request",)}

if TYPE_CHECKING:
    RequestCreate = SubmitRequestRequest
    RequestsQuery = ListRequestsRequest
    SupplyRequestsQuery = ListRequestsRequest
    RequestsLookup = ListRequestsRequest
    RequestLookup = GetRequestRequest
    Cancellation = CancelRequestRequest
    DueQuery = ListDueAnswersRequest
    DueLookup = ListDueAnswersRequest
else:
    RequestCreate = http_model(
        SubmitRequestRequest,
        "RequestCreate",
        example=REQUEST_EXAMPLES["complaint"]["value"],
    )
    RequestsQuery = http_model(ListRequestsRequest, "RequestsQuery")
    SupplyRequestsQuery = http_model(
        ListRequestsRequest, "SupplyRequestsQuery", exclude=GATEWAY_FIELDS | {"supply_id"}
    )
    RequestsLookup = http_model(ListRequestsRequest, "RequestsLookup")
    RequestLookup = http_model(GetRequestRequest, "RequestLookup")
    Cancellation = http_model(CancelRequestRequest, "Cancellation")
    DueQuery = http_model(ListDueAnswersRequest, "DueQuery")
    DueLookup = http_model(ListDueAnswersRequest, "DueLookup")
for _example in REQUEST_EXAMPLES.values():
    SubmitRequestRequest.model_validate(_example["value"])  # a refused example is a bug here

RequestIdInPath = Annotated[RequestId, Path(description="As the request's receipt gives it.")]


@router.post(
    "/v1/requests",
    status_code=201,
    responses={
        201: {
            "description": "Filed: the request, its status and, for a complaint, an information "
            "request or a bill correction, the day the supplier must answer by.",
            "headers": {
                "Location": {
                    "description": "`/v1/requests/{request_id}`",
                    "schema": {"type": "string"},
                }
            },
        },
        **responses(AUTHENTICATED, WITH_BODY, FILING_REFUSALS),
    },
    summary="File a request",
)
async def submit_request(
    body: Annotated[RequestCreate, Body(openapi_examples=REQUEST_EXAMPLES)],
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
    response: Response,
) -> RequestDetail:
    """`form.type` says which request, and the rest of `form` is that type's: a power change
    (electricity, the standard steps), a deactivation, a holder change (voltura), a takeover
    (subentro) of a ceased supply, a supplier switch, an instalment plan of unpaid bills, a
    bill correction, a complaint or an information request. `customer_code` says for whom,
    for a caller acting for several customers. The back-office receives the whole form."""
    reply = await send(SUBMIT_REQUEST, body, caller=caller, idempotency_key=idempotency_key)
    response.headers["Location"] = f"/v1/requests/{reply.request.request_id}"
    return reply.request


@router.get(
    "/v1/requests",
    responses=responses(AUTHENTICATED, SCOPED, {422: ("invalid_cursor",)}),
    summary="My requests, newest first",
)
async def list_requests(
    query: Annotated[RequestsQuery, Query()], caller: CurrentCaller, send: Forward
) -> RequestsPage:
    """Every request of the caller's customers (*Richieste*), by `type` and `status`;
    `next_cursor`, sent back as `cursor`, is the next page."""
    return await send(LIST_REQUESTS, query, caller=caller)


@router.get(
    "/v1/supplies/{supply_id}/requests",
    responses=responses(AUTHENTICATED, {422: ("invalid_cursor", "invalid_request")}),
    summary="A supply's requests (Operazioni)",
)
async def list_supply_requests(
    supply_id: SupplyIdInPath,
    query: Annotated[SupplyRequestsQuery, Query()],
    caller: CurrentCaller,
    send: Forward,
) -> RequestsPage:
    """The requests about one supply, newest first; another customer's supply lists none."""
    lookup = RequestsLookup(supply_id=supply_id, **query.model_dump())
    return await send(LIST_REQUESTS, lookup, caller=caller)


@router.get(
    "/v1/requests/{request_id}",
    responses=responses(AUTHENTICATED, ONE_REQUEST),
    summary="One request and its history",
)
async def get_request(
    request_id: RequestIdInPath, caller: CurrentCaller, send: Forward
) -> RequestDetail:
    """The form as filed, where it stands, each change with its time and the back-office's
    words, and the regulator's clock (due day, overdue, a late answer's compensation)."""
    reply = await send(GET_REQUEST, RequestLookup(request_id=request_id), caller=caller)
    return reply.request


@router.post(
    "/v1/requests/{request_id}/cancel",
    responses=responses(
        AUTHENTICATED,
        WITH_BODY,
        {
            404: ("request_not_found",),
            409: ("request_in_progress", "request_closed", "request_changed"),
            422: ("invalid_request",),
        },
    ),
    summary="Cancel a request",
)
async def cancel_request(
    request_id: RequestIdInPath,
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
) -> RequestDetail:
    """Only while nobody has started on it (`can_cancel`); cancelling twice changes nothing."""
    reply = await send(
        CANCEL_REQUEST,
        Cancellation(request_id=request_id),
        caller=caller,
        idempotency_key=idempotency_key,
    )
    return reply.request


@router.get(
    "/v1/operators/requests/due",
    responses=responses(AUTHENTICATED, {403: ("operators_only",), 422: ("invalid_request",)}),
    summary="Written answers due soon and overdue (operators)",
)
async def list_due_answers(
    query: Annotated[DueQuery, Query()], caller: CurrentCaller, send: Forward
) -> RequestsPage:
    """Complaints, information requests and bill corrections still unanswered whose due day
    is within `within_days` or past, the soonest first."""
    return await send(LIST_DUE_ANSWERS, query, caller=caller)
