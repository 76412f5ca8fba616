"""The operations requests answers for the gateway."""

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
    RequestReply,
    RequestsPage,
    SubmitRequestRequest,
)
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction
from sportello_requests.bootstrap import Dependencies
from sportello_requests.usecases import views
from sportello_requests.usecases.requests import cancel_request, submit_request


def serve(service: Service, deps: Dependencies) -> None:
    needs = deps.needs

    @service.rpc(SUBMIT_REQUEST)
    async def submit(request: SubmitRequestRequest, tx: Transaction) -> RequestReply:
        """File a request: admitted against the caller's supplies and bills, sent on."""
        return await submit_request(needs, tx, request)

    @service.rpc(CANCEL_REQUEST)
    async def cancel(request: CancelRequestRequest, tx: Transaction) -> RequestReply:
        """Cancel a request nobody has started on."""
        return await cancel_request(needs, tx, request)

    @service.rpc(LIST_REQUESTS)
    async def listed(request: ListRequestsRequest) -> RequestsPage:
        """The caller's requests, newest first."""
        return await views.list_requests(needs, request)

    @service.rpc(GET_REQUEST)
    async def one(request: GetRequestRequest) -> RequestReply:
        """One request and its history."""
        return await views.get_request(needs, request)

    @service.rpc(LIST_DUE_ANSWERS)
    async def due(request: ListDueAnswersRequest) -> RequestsPage:
        """Operators: the written answers due soon and overdue."""
        return await views.due_answers(needs, request)
