"""Metering's request/reply operations: the self-reading, and what the portal reads."""

from sportello_contracts.readings import (
    EXPORT_INTERVALS,
    GET_CONSUMPTION,
    GET_INTERVALS,
    GET_READING,
    LIST_READING_BOXES,
    LIST_READINGS,
    SUBMIT_READING,
    ConsumptionReply,
    ExportIntervalsRequest,
    GetConsumptionRequest,
    GetIntervalsRequest,
    GetReadingRequest,
    IntervalsReply,
    ListReadingBoxesRequest,
    ListReadingsRequest,
    ReadingBoxesReply,
    ReadingReceipt,
    ReadingReply,
    ReadingsPage,
    SubmitReadingRequest,
)
from sportello_contracts.rpc import Document
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction
from sportello_metering.bootstrap import Dependencies
from sportello_metering.usecases import views
from sportello_metering.usecases.readings import submit_reading


def serve(service: Service, deps: Dependencies) -> None:
    needs = deps.needs

    @service.rpc(SUBMIT_READING)
    async def submit(request: SubmitReadingRequest, tx: Transaction) -> ReadingReceipt:
        """A customer's self-reading: kept once, judged, and passed on to the back-office."""
        return await submit_reading(needs, tx, request)

    @service.rpc(LIST_READING_BOXES)
    async def boxes(request: ListReadingBoxesRequest) -> ReadingBoxesReply:
        """Whether each of the caller's supplies takes a self-reading now, and why not."""
        return await views.reading_boxes(needs, request)

    @service.rpc(LIST_READINGS)
    async def history(request: ListReadingsRequest) -> ReadingsPage:
        """A supply's readings, newest first, with their journeys."""
        return await views.list_readings(needs, request)

    @service.rpc(GET_READING)
    async def reading(request: GetReadingRequest) -> ReadingReply:
        """One reading and its journey (the tracker)."""
        return await views.get_reading(needs, request)

    @service.rpc(GET_CONSUMPTION)
    async def consumption(request: GetConsumptionRequest) -> ConsumptionReply:
        """Consumption by month against the same months a year before."""
        return await views.consumption(needs, request)

    @service.rpc(GET_INTERVALS)
    async def intervals(request: GetIntervalsRequest) -> IntervalsReply:
        """A day, week or month of 15-minute data, by time band, with its cost."""
        return await views.intervals(needs, request)

    @service.rpc(EXPORT_INTERVALS)
    async def export(request: ExportIntervalsRequest) -> Document:
        """Every quarter of a span of days, as CSV."""
        return await views.export_intervals(needs, request)
