"""The caller's bills: the last 24 months by billing profile, one bill, its two PDFs, and the
plico (the bundle it was issued in) as data and as PDF."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from sportello_contracts.bills import (
    GET_BILL,
    GET_BILL_DOCUMENT,
    GET_PLICO,
    GET_PLICO_DOCUMENT,
    LIST_BILLS,
    BillDetailPublic,
    BillGroup,
    BillNumber,
    DocumentKind,
    GetBillDocumentRequest,
    GetBillRequest,
    GetPlicoRequest,
    ListBillsRequest,
    PlicoReply,
)
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.documents import IfNoneMatch, PdfResponse, document_response, pdf_responses
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import responses
from sportello_gateway.routes.supplies import AUTHENTICATED, SCOPED

router = APIRouter(prefix="/v1/bills", tags=["bills"])

if TYPE_CHECKING:
    BillsQuery = ListBillsRequest
    BillLookup = GetBillRequest
    BillDocumentLookup = GetBillDocumentRequest
    PlicoLookup = GetPlicoRequest
else:
    BillsQuery = http_model(ListBillsRequest, "BillsQuery")
    BillLookup = http_model(GetBillRequest, "BillLookup")
    BillDocumentLookup = http_model(GetBillDocumentRequest, "BillDocumentLookup")
    PlicoLookup = http_model(GetPlicoRequest, "PlicoLookup")

BillNumberInPath = Annotated[BillNumber, Path(description="The bill's number, as printed on it.")]
ONE_BILL: dict[int, tuple[str, ...]] = {404: ("bill_not_found",), 422: ("invalid_request",)}


class BillsPagePublic(BaseModel):
    groups: list[BillGroup]
    next_cursor: str | None


class PlicoPublic(PlicoReply):
    """The bills issued together with a bill (same customer, issue date and payment method)."""


@router.get(
    "",
    responses=responses(
        AUTHENTICATED, SCOPED, {404: ("supply_not_found",), 422: ("invalid_cursor",)}
    ),
    summary="My bills of the last 24 months",
)
async def list_bills(
    query: Annotated[BillsQuery, Query()], caller: CurrentCaller, send: Forward
) -> BillsPagePublic:
    """Grouped by billing profile, newest first; narrowed by customer, supply, status or year.
    `next_cursor`, sent back as `cursor`, is the next page."""
    reply = await send(LIST_BILLS, query, caller=caller)
    return BillsPagePublic(groups=list(reply.groups), next_cursor=reply.next_cursor)


@router.get("/{bill_number}", responses=responses(AUTHENTICATED, ONE_BILL), summary="One bill")
async def get_bill(
    bill_number: BillNumberInPath, caller: CurrentCaller, send: Forward
) -> BillDetailPublic:
    """The energy receipt's lines, the consumption and readings billed, the pagoPA notice; why
    it differs from the previous bill and from the same period last year; whether it may be
    paid in instalments, and amounts billed too late to be owed (time-barred)."""
    reply = await send(GET_BILL, BillLookup(bill_number=bill_number), caller=caller)
    return reply.bill


async def _bill_document(
    kind: DocumentKind,
    bill_number: str,
    caller: CurrentCaller,
    send: Forward,
    if_none_match: str | None,
) -> Response:
    lookup = BillDocumentLookup(bill_number=bill_number, kind=kind)
    document = await send(GET_BILL_DOCUMENT, lookup, caller=caller)
    return document_response(document, if_none_match)


@router.get(
    "/{bill_number}/summary.pdf",
    response_class=PdfResponse,
    responses={**pdf_responses(), **responses(AUTHENTICATED, ONE_BILL)},
    summary="A bill's summary PDF (bolletta sintetica)",
)
async def bill_summary_pdf(
    bill_number: BillNumberInPath,
    caller: CurrentCaller,
    send: Forward,
    if_none_match: IfNoneMatch,
) -> Response:
    """The bill as the customer receives it, in the regulator's 2025 format."""
    return await _bill_document("summary", bill_number, caller, send, if_none_match)


@router.get(
    "/{bill_number}/detail.pdf",
    response_class=PdfResponse,
    responses={**pdf_responses(), **responses(AUTHENTICATED, ONE_BILL)},
    summary="A bill's detail PDF (elementi di dettaglio)",
)
async def bill_detail_pdf(
    bill_number: BillNumberInPath,
    caller: CurrentCaller,
    send: Forward,
    if_none_match: IfNoneMatch,
) -> Response:
    """Every line of the bill, the readings and the consumption billed."""
    return await _bill_document("detail", bill_number, caller, send, if_none_match)


@router.get(
    "/{bill_number}/plico",
    responses=responses(AUTHENTICATED, ONE_BILL),
    summary="The plico a bill was issued in",
)
async def get_plico(
    bill_number: BillNumberInPath, caller: CurrentCaller, send: Forward
) -> PlicoPublic:
    """Its bills, their totals and what the plico asks to pay, net of previous credits."""
    reply = await send(GET_PLICO, PlicoLookup(bill_number=bill_number), caller=caller)
    return PlicoPublic.model_validate(reply.model_dump())


@router.get(
    "/{bill_number}/plico.pdf",
    response_class=PdfResponse,
    responses={**pdf_responses(), **responses(AUTHENTICATED, ONE_BILL)},
    summary="The plico a bill was issued in, as PDF",
)
async def plico_pdf(
    bill_number: BillNumberInPath,
    caller: CurrentCaller,
    send: Forward,
    if_none_match: IfNoneMatch,
) -> Response:
    document = await send(GET_PLICO_DOCUMENT, PlicoLookup(bill_number=bill_number), caller=caller)
    return document_response(document, if_none_match)
