"""What a supply consumed: by month against the year before, and a smart meter's 15-minute data
by day, week or month, split by time band, and as CSV."""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.exceptions import RequestValidationError

from sportello_contracts.readings import (
    EXPORT_INTERVALS,
    GET_CONSUMPTION,
    GET_INTERVALS,
    ConsumptionReply,
    ExportIntervalsRequest,
    GetConsumptionRequest,
    GetIntervalsRequest,
    IntervalsReply,
)
from sportello_contracts.rpc import Document
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.documents import CACHE_CONTROL, IfNoneMatch, etag, safe_filename, unchanged
from sportello_gateway.forward import GATEWAY_FIELDS, Forward, http_model
from sportello_gateway.problems_doc import responses
from sportello_gateway.routes.readings import ONE_SUPPLY, SupplyIdInPath
from sportello_gateway.routes.supplies import AUTHENTICATED

router = APIRouter(tags=["readings"])

CSV = "text/csv; charset=utf-8"
# Interval data come from smart meters only.
SMART_ONLY: dict[int, tuple[str, ...]] = {409: ("not_smart",)}
_IN_PATH = GATEWAY_FIELDS | {"supply_id"}

if TYPE_CHECKING:
    ConsumptionQuery = GetConsumptionRequest
    ConsumptionLookup = GetConsumptionRequest
    IntervalsQuery = GetIntervalsRequest
    IntervalsLookup = GetIntervalsRequest
    IntervalsExportQuery = ExportIntervalsRequest
    IntervalsExportLookup = ExportIntervalsRequest
else:
    ConsumptionQuery = http_model(GetConsumptionRequest, "ConsumptionQuery", exclude=_IN_PATH)
    ConsumptionLookup = http_model(GetConsumptionRequest, "ConsumptionLookup")
    IntervalsQuery = http_model(GetIntervalsRequest, "IntervalsQuery", exclude=_IN_PATH)
    IntervalsLookup = http_model(GetIntervalsRequest, "IntervalsLookup")
    IntervalsExportQuery = http_model(
        ExportIntervalsRequest, "IntervalsExportQuery", exclude=_IN_PATH
    )
    IntervalsExportLookup = http_model(ExportIntervalsRequest, "IntervalsExportLookup")


class CsvResponse(Response):
    """The response class of a route answering CSV: what its OpenAPI 200 says."""

    media_type = CSV


@router.get(
    "/v1/supplies/{supply_id}/consumption",
    responses=responses(AUTHENTICATED, ONE_SUPPLY),
    summary="A supply's consumption by month, against the year before",
)
async def get_consumption(
    supply_id: SupplyIdInPath,
    query: Annotated[ConsumptionQuery, Query()],
    caller: CurrentCaller,
    send: Forward,
) -> ConsumptionReply:
    """`months` months up to `until` (`YYYY-MM`, this month if not given), oldest first, each
    with the same month of the year before: in Smc for gas, kWh for electricity, from validated
    readings, billed consumption or (smart meters) interval data, as `source` says. A month
    with no data is a gap (`null`), never a zero."""
    lookup = ConsumptionLookup(supply_id=supply_id, **query.model_dump())
    return await send(GET_CONSUMPTION, lookup, caller=caller)


@router.get(
    "/v1/supplies/{supply_id}/intervals",
    responses=responses(AUTHENTICATED, ONE_SUPPLY, SMART_ONLY),
    summary="A smart meter's data of a day, a week or a month",
)
async def get_intervals(
    supply_id: SupplyIdInPath,
    query: Annotated[IntervalsQuery, Query()],
    caller: CurrentCaller,
    send: Forward,
) -> IntervalsReply:
    """The day holding `on` by quarter hour, its week (Monday to Sunday) by hour, or its month
    by day, each point split by time band (F1, F2, F3), with the totals of each band and their
    cost at the supply's energy prices (before taxes and fixed charges). A point without data
    is a gap (`kwh` null). Only supplies with a smart meter have these data (`not_smart`)."""
    lookup = IntervalsLookup(supply_id=supply_id, **query.model_dump())
    return await send(GET_INTERVALS, lookup, caller=caller)


def csv_responses() -> dict[int | str, dict[str, Any]]:
    """The OpenAPI of the CSV's 200 and 304 (the problems come from `problems_doc.responses`)."""
    string = {"schema": {"type": "string"}}
    headers = {
        "ETag": {"description": "The SHA-256 of the file, quoted.", **string},
        "Cache-Control": {"description": f"`{CACHE_CONTROL}`.", **string},
        "Content-Disposition": {"description": '`attachment; filename="..."`.', **string},
    }
    return {
        200: {
            "description": "The CSV: one row per quarter hour.",
            "content": {CSV: {"schema": {"type": "string"}}},
            "headers": headers,
        },
        304: {
            "description": "Not Modified: the `If-None-Match` ETag is the file's.",
            "headers": {k: headers[k] for k in ("ETag", "Cache-Control")},
        },
    }


@router.get(
    "/v1/supplies/{supply_id}/intervals.csv",
    response_class=CsvResponse,
    responses={**csv_responses(), **responses(AUTHENTICATED, ONE_SUPPLY, SMART_ONLY)},
    summary="A smart meter's 15-minute data as CSV",
)
async def export_intervals(
    supply_id: SupplyIdInPath,
    query: Annotated[IntervalsExportQuery, Query()],
    caller: CurrentCaller,
    send: Forward,
    if_none_match: IfNoneMatch,
) -> Response:
    """Every quarter hour from `first_day` to `last_day` (both included, at most 366 days), to
    open in a spreadsheet. A span longer than that, or reversed, is `invalid_request`."""
    lookup = IntervalsExportLookup(supply_id=supply_id, **query.model_dump())
    try:
        document = await send(EXPORT_INTERVALS, lookup, caller=caller)
    except RequestValidationError as error:
        raise _of_the_query(error) from None
    return csv_response(document, if_none_match)


def _of_the_query(error: RequestValidationError) -> RequestValidationError:
    # The contract's check of the span is of the whole request, which `Forward` names the
    # body's; this route has no body, its days are in the query.
    return RequestValidationError(
        [
            {**e, "loc": ("query", *e["loc"][1:])} if tuple(e["loc"][:1]) == ("body",) else e
            for e in error.errors()
        ]
    )


def csv_response(document: Document, if_none_match: str | None) -> Response:
    """The CSV's bytes to download (`attachment`), tagged with its SHA-256 as a bill's PDF is;
    a 304 when the client's copy is it. Always said to be UTF-8 CSV: what the route promises."""
    tag = etag(document)
    headers = {"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
    if tag is not None:
        headers["ETag"] = tag
    if unchanged(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    filename = safe_filename(document.filename or "consumi.csv")
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(document.content, media_type=CSV, headers=headers)
