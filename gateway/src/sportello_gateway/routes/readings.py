"""Meter readings: sending a self-reading, a supply's history, one reading's journey (the
tracker), and the reading boxes of the home page and of a supply's page."""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Response

from sportello_contracts.readings import (
    GET_READING,
    LIST_READING_BOXES,
    LIST_READINGS,
    SUBMIT_READING,
    GetReadingRequest,
    ListReadingBoxesRequest,
    ListReadingsRequest,
    ReadingBox,
    ReadingBoxesReply,
    ReadingId,
    ReadingPublic,
    ReadingReceipt,
    ReadingsPage,
    SubmitReadingRequest,
)
from sportello_contracts.rpc import ErrorKind, ServiceError
from sportello_contracts.supplies import SupplyId
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.bus import ServiceRefused
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import GATEWAY_FIELDS, Forward, http_model
from sportello_gateway.problems_doc import WITH_BODY, responses
from sportello_gateway.routes.supplies import AUTHENTICATED, SCOPED

router = APIRouter(tags=["readings"])

# What the customer types: the digits on the dial, or one value per time band.
READING_EXAMPLES: dict[str, dict[str, Any]] = {
    "digits": {
        "summary": "A meter with one register (gas, most electricity meters)",
        "value": {"digits": "04521"},
    },
    "bands": {
        "summary": "An electricity meter with one register per time band",
        "value": {"bands": {"F1": "012345", "F2": "008765", "F3": "010203"}},
    },
}

if TYPE_CHECKING:
    ReadingCreate = SubmitReadingRequest
    ReadingSubmission = SubmitReadingRequest
    ReadingsQuery = ListReadingsRequest
    ReadingsLookup = ListReadingsRequest
    ReadingLookup = GetReadingRequest
    ReadingBoxesQuery = ListReadingBoxesRequest
    ReadingBoxesLookup = ListReadingBoxesRequest
else:
    # The supply is in the path, the key in its header: the body is the digits alone.
    ReadingCreate = http_model(
        SubmitReadingRequest,
        "ReadingCreate",
        exclude=GATEWAY_FIELDS | {"supply_id"},
        example=READING_EXAMPLES["digits"]["value"],
    )
    ReadingSubmission = http_model(SubmitReadingRequest, "ReadingSubmission")
    ReadingsQuery = http_model(
        ListReadingsRequest, "ReadingsQuery", exclude=GATEWAY_FIELDS | {"supply_id"}
    )
    ReadingsLookup = http_model(ListReadingsRequest, "ReadingsLookup")
    ReadingLookup = http_model(GetReadingRequest, "ReadingLookup")
    # The home box lists every supply; one supply's box has a route of its own.
    ReadingBoxesQuery = http_model(
        ListReadingBoxesRequest, "ReadingBoxesQuery", exclude=GATEWAY_FIELDS | {"supply_id"}
    )
    ReadingBoxesLookup = http_model(ListReadingBoxesRequest, "ReadingBoxesLookup")
for _example in READING_EXAMPLES.values():
    # An example the contract refuses (both forms, or neither) is a bug here.
    SubmitReadingRequest.model_validate({"supply_id": "GAS-000123", **_example["value"]})

SupplyIdInPath = Annotated[
    SupplyId, Path(description="The supply's id, as its bills and letters print it.")
]
ONE_SUPPLY: dict[int, tuple[str, ...]] = {404: ("supply_not_found",), 422: ("invalid_request",)}
# Why metering refuses a reading: the codes are API (clients branch on them).
READING_REFUSALS: dict[int, tuple[str, ...]] = {
    404: ("supply_not_found",),
    409: ("read_remotely", "supply_ceased", "no_meter", "idempotency_key_reused"),
    422: ("not_digits", "too_many_digits", "wrong_registers", "lower_than_previous"),
}
SUPPLY_NOT_FOUND = "Fornitura non trovata."


def _receipt_responses() -> dict[int | str, dict[str, Any]]:
    """The two successes of a reading: a new one (201, where to follow it) or one already had."""
    return {
        201: {
            "description": "Received: the reading is new. `message` says what happens next and "
            "by when.",
            "headers": {
                "Location": {
                    "description": "`/v1/readings/{reading_id}`: the reading's tracker.",
                    "schema": {"type": "string"},
                }
            },
        },
        200: {
            "description": "Already received: the same reading was sent before, and this is it.",
            "model": ReadingReceipt,
        },
    }


@router.post(
    "/v1/supplies/{supply_id}/readings",
    status_code=201,
    responses={
        **_receipt_responses(),
        **responses(AUTHENTICATED, WITH_BODY, READING_REFUSALS),
    },
    summary="Send a self-reading of a supply's meter",
)
async def submit_reading(
    supply_id: SupplyIdInPath,
    body: Annotated[ReadingCreate, Body(openapi_examples=READING_EXAMPLES)],
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
    response: Response,
) -> ReadingReceipt:
    """The digits on the meter, nothing else: `digits` for a meter with one register, `bands`
    (F1, F2, F3) for one with a register per time band, as the supply's reading box says. The
    red digits after the comma are not read.

    A reading far above what the supply usually consumes is accepted (and checked by the
    supplier); one sent outside the reading window is kept, and the answer says when the next
    window opens. The same reading sent again is the same reading (200, `already_received`).
    A smart meter is read remotely every month: it takes no self-reading (`read_remotely`)."""
    submission = ReadingSubmission(supply_id=supply_id, **body.model_dump())
    receipt = await send(SUBMIT_READING, submission, caller=caller, idempotency_key=idempotency_key)
    if receipt.outcome == "received":
        response.headers["Location"] = f"/v1/readings/{receipt.reading.reading_id}"
    else:
        response.status_code = 200
    return receipt


@router.get(
    "/v1/supplies/{supply_id}/readings",
    responses=responses(AUTHENTICATED, ONE_SUPPLY, {422: ("invalid_cursor",)}),
    summary="A supply's readings, newest first",
)
async def list_readings(
    supply_id: SupplyIdInPath,
    query: Annotated[ReadingsQuery, Query()],
    caller: CurrentCaller,
    send: Forward,
) -> ReadingsPage:
    """Every reading of the supply, across its meters (a replaced meter's too): the customer's,
    the distributor's and the estimates, each with its status and, when rejected or superseded,
    why. `next_cursor`, sent back as `cursor`, is the next page."""
    lookup = ReadingsLookup(supply_id=supply_id, **query.model_dump())
    return await send(LIST_READINGS, lookup, caller=caller)


@router.get(
    "/v1/readings/{reading_id}",
    responses=responses(AUTHENTICATED, {404: ("reading_not_found",), 422: ("invalid_request",)}),
    summary="One reading and its journey",
)
async def get_reading(
    reading_id: Annotated[
        ReadingId, Path(description="As the reading's receipt or the history gives it.")
    ],
    caller: CurrentCaller,
    send: Forward,
) -> ReadingPublic:
    """The tracker: received, passed to the distributor, validated or rejected (and why), then
    used in a bill or superseded by the distributor's own reading; `steps` say when each
    happened, in words for the customer. A reading of another customer is
    `reading_not_found`, like one that does not exist."""
    reply = await send(GET_READING, ReadingLookup(reading_id=reading_id), caller=caller)
    return reply.reading


@router.get(
    "/v1/reading-boxes",
    responses=responses(AUTHENTICATED, SCOPED),
    summary="My supplies' reading boxes",
)
async def list_reading_boxes(
    query: Annotated[ReadingBoxesQuery, Query()], caller: CurrentCaller, send: Forward
) -> ReadingBoxesReply:
    """One box per supply of the caller (`customer_code` narrows them to one customer):
    whether it takes a reading now (`open`) and for which registers, or why not (outside the
    reading window, read remotely, ceased, no meter yet), said in `message`."""
    return await send(LIST_READING_BOXES, query, caller=caller)


@router.get(
    "/v1/supplies/{supply_id}/reading-box",
    responses=responses(AUTHENTICATED, ONE_SUPPLY),
    summary="A supply's reading box",
)
async def get_reading_box(
    supply_id: SupplyIdInPath, caller: CurrentCaller, send: Forward
) -> ReadingBox:
    """The box of the supply's page: what the home page's box of this supply says."""
    reply = await send(LIST_READING_BOXES, ReadingBoxesLookup(supply_id=supply_id), caller=caller)
    return box_of(reply, supply_id)


def box_of(reply: ReadingBoxesReply, supply_id: str) -> ReadingBox:
    """The supply's box; none is a supply the caller does not have (metering should have said
    so: answered as it would have, never as a 500)."""
    for box in reply.boxes:
        if box.supply_id == supply_id:
            return box
    raise ServiceRefused(
        ServiceError(
            kind=ErrorKind.NOT_FOUND,
            code="supply_not_found",
            message=SUPPLY_NOT_FOUND,
            details={"supply_id": supply_id},
        )
    )
