"""What the portal reads: reading boxes, the history and one reading's journey, consumption by
month, smart-meter curves and their CSV; always scoped to the caller's customer codes."""

import asyncio
import base64
import binascii
import hashlib
import json
from datetime import date, timedelta
from decimal import Decimal

from sportello_contracts.bills import ReadingWindow
from sportello_contracts.readings import (
    BandTotal,
    ConsumptionReply,
    ExportIntervalsRequest,
    GetConsumptionRequest,
    GetIntervalsRequest,
    GetReadingRequest,
    IntervalPoint,
    IntervalsReply,
    ListReadingBoxesRequest,
    ListReadingsRequest,
    MonthConsumption,
    ReadingBox,
    ReadingBoxesReply,
    ReadingReply,
    ReadingsPage,
)
from sportello_contracts.rpc import Caller, Document
from sportello_kit.scoping import owned_by
from sportello_metering.adapters.store import MeteredSupply
from sportello_metering.domain import wording
from sportello_metering.domain.consumption import (
    billed_spans,
    days_in_month,
    interval_spans,
    month_of,
    monthly_series,
    months_until,
    reading_spans,
    year_before,
)
from sportello_metering.domain.intervals import aggregate, csv_filename, csv_of, period_days
from sportello_metering.domain.meters import Meter
from sportello_metering.domain.windows import window_state
from sportello_metering.usecases import refusals
from sportello_metering.usecases.ports import Needs
from sportello_metering.usecases.public import meter_public, reading_public
from sportello_metering.usecases.readings import current_meter


async def _owned_supply(needs: Needs, caller: Caller | None, supply_id: str) -> MeteredSupply:
    assert caller is not None
    supply = await needs.store.supply(supply_id, owned_by(caller))
    if supply is None:
        raise refusals.supply_not_found(supply_id)
    return supply


def _unit_of(meters: list[Meter], serial: str) -> str:
    return next((m.unit for m in meters if m.serial == serial), "m3")


async def reading_boxes(needs: Needs, request: ListReadingBoxesRequest) -> ReadingBoxesReply:
    caller = request.caller
    assert caller is not None
    query = owned_by(caller)
    if request.customer_code is not None:
        if not caller.may_act_on(request.customer_code):
            return ReadingBoxesReply(boxes=())
        query["customer_code"] = request.customer_code
    elif caller.role == "operator":
        # An operator looks at one customer at a time, never at everyone's supplies.
        return ReadingBoxesReply(boxes=())
    if request.supply_id is not None:
        query["_id"] = request.supply_id
    supplies = [s for s in await needs.store.supplies(query) if s.commodity is not None]
    meters = await needs.store.meters([s.supply_id for s in supplies])
    boxes = await asyncio.gather(*(_box(needs, s, meters) for s in supplies))
    if request.supply_id is not None and not boxes:
        raise refusals.supply_not_found(request.supply_id)
    return ReadingBoxesReply(boxes=tuple(boxes))


async def _box(needs: Needs, supply: MeteredSupply, all_meters: list[Meter]) -> ReadingBox:
    meters = [m for m in all_meters if m.supply_id == supply.supply_id]
    meter = current_meter(meters)
    window = window_state(supply.window, needs.clock.today())
    last = None
    if meter is not None:
        latest = await needs.store.readings(
            {"supply_id": supply.supply_id, "meter_serial": meter.serial}, limit=1
        )
        last = reading_public(latest[0], meter.unit) if latest else None
    if supply.ceased_on is not None:
        state = "ceased"
    elif meter is None:
        state = "no_meter"
    elif meter.smart:
        state = "read_remotely"
    else:
        state = "open" if window.in_window else "out_of_window"
    shows_window = state in ("open", "out_of_window")
    return ReadingBox(
        supply_id=supply.supply_id,
        customer_code=supply.customer_code,
        point_id=supply.point_id or "",
        commodity=supply.commodity,  # type: ignore[arg-type]
        state=state,  # type: ignore[arg-type]
        message=wording.box_message(
            state, window=window.window, next_opens_on=window.next_opens_on
        ),
        meter=None if meter is None else meter_public(meter),
        last_reading=last,
        window=_window(window.window) if shows_window else None,
        next_window_opens_on=window.next_opens_on if shows_window else None,
    )


def _window(window: tuple[date, date] | None) -> ReadingWindow | None:
    return None if window is None else ReadingWindow(opens_on=window[0], closes_on=window[1])


def _cursor_of(read_on: date, reading_id: str) -> str:
    raw = json.dumps([read_on.isoformat(), reading_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _position(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        read_on, reading_id = json.loads(raw)
        date.fromisoformat(read_on)
    except (binascii.Error, ValueError, TypeError):
        raise refusals.invalid_cursor() from None
    if not isinstance(reading_id, str):
        raise refusals.invalid_cursor()
    return read_on, reading_id


async def list_readings(needs: Needs, request: ListReadingsRequest) -> ReadingsPage:
    supply = await _owned_supply(needs, request.caller, request.supply_id)
    meters = await needs.store.meters([supply.supply_id])
    query: dict[str, object] = {"supply_id": supply.supply_id}
    if request.source is not None:
        query["source"] = request.source
    if request.status is not None:
        query["status"] = request.status
    after = None
    if request.cursor is not None:
        after = _position(request.cursor)
        query["read_on"] = {"$lte": after[0]}
    # Newest first by (day, id); the cursor's day may hold readings already shown: skipped.
    page = []
    for reading in await needs.store.readings(query, limit=request.limit + 50):
        if after and (reading.read_on.isoformat(), reading.reading_id) >= after:
            continue
        page.append(reading)
        if len(page) > request.limit:
            break
    more = len(page) > request.limit
    page = page[: request.limit]
    return ReadingsPage(
        supply_id=supply.supply_id,
        meters=tuple(meter_public(m) for m in meters),
        readings=tuple(reading_public(r, _unit_of(meters, r.meter_serial)) for r in page),
        next_cursor=_cursor_of(page[-1].read_on, page[-1].reading_id) if more else None,
    )


async def get_reading(needs: Needs, request: GetReadingRequest) -> ReadingReply:
    assert request.caller is not None
    reading = await needs.store.reading(request.reading_id, owned_by(request.caller))
    if reading is None:
        raise refusals.reading_not_found()
    meters = await needs.store.meters([reading.supply_id])
    return ReadingReply(reading=reading_public(reading, _unit_of(meters, reading.meter_serial)))


async def consumption(needs: Needs, request: GetConsumptionRequest) -> ConsumptionReply:
    supply = await _owned_supply(needs, request.caller, request.supply_id)
    store = needs.store
    until = request.until or month_of(needs.clock.today())
    meters = await store.meters([supply.supply_id])
    counting = [r for r in await store.readings({"supply_id": supply.supply_id}) if r.counts]
    billed = await store.billed(supply.supply_id)
    intervals = []
    if any(m.smart for m in meters):
        # From the first month shown, a year back, to the end of the last one.
        first = date.fromisoformat(f"{year_before(months_until(until, request.months)[0])}-01")
        last = date.fromisoformat(f"{until}-01") + timedelta(days=days_in_month(until) - 1)
        totals = await store.day_totals(supply.supply_id, first, last)
        intervals = interval_spans({day: Decimal(wh) / 1000 for day, wh in totals.items()})
    rows = monthly_series(
        until,
        request.months,
        reading_spans(meters, counting),
        billed_spans([(b.period_start, b.period_end, b.quantity) for b in billed]),
        intervals,
    )
    months = tuple(
        MonthConsumption(
            month=row.month,
            quantity=row.quantity,
            source=row.source,  # type: ignore[arg-type]
            previous_year=row.previous_year,
            previous_year_source=row.previous_year_source,  # type: ignore[arg-type]
        )
        for row in rows
    )
    return ConsumptionReply(
        supply_id=supply.supply_id,
        commodity=supply.commodity,  # type: ignore[arg-type]
        unit="Smc" if supply.commodity == "gas" else "kWh",
        months=months,
        total=sum((m.quantity or Decimal(0) for m in months), Decimal(0)),
        previous_year_total=sum((m.previous_year or Decimal(0) for m in months), Decimal(0)),
    )


async def _smart_supply(needs: Needs, caller: Caller | None, supply_id: str) -> MeteredSupply:
    supply = await _owned_supply(needs, caller, supply_id)
    if not any(m.smart and m.unit == "kWh" for m in await needs.store.meters([supply_id])):
        raise refusals.not_smart()
    return supply


async def intervals(needs: Needs, request: GetIntervalsRequest) -> IntervalsReply:
    supply = await _smart_supply(needs, request.caller, request.supply_id)
    first, last = period_days(request.period, request.on)
    days, prices = await asyncio.gather(
        needs.store.days(supply.supply_id, first, last),
        needs.store.prices(supply.supply_id),
    )
    curve = aggregate(request.period, request.on, days, prices)
    return IntervalsReply(
        supply_id=supply.supply_id,
        period=request.period,
        first_day=curve.first_day,
        last_day=curve.last_day,
        resolution=curve.resolution,
        points=tuple(
            IntervalPoint(start=p.start, end=p.end, kwh=p.kwh, by_band=p.by_band)
            for p in curve.points
        ),
        bands=tuple(
            BandTotal(band=b.band, kwh=b.kwh, euro_per_kwh=b.euro_per_kwh, cost_cents=b.cost_cents)
            for b in curve.bands
        ),
        total_kwh=curve.total_kwh,
        total_cost_cents=curve.total_cost_cents,
        days_with_data=curve.days_with_data,
        days_missing=curve.days_missing,
    )


async def export_intervals(needs: Needs, request: ExportIntervalsRequest) -> Document:
    supply = await _smart_supply(needs, request.caller, request.supply_id)
    days = await needs.store.days(supply.supply_id, request.first_day, request.last_day)
    content = csv_of(supply.supply_id, days, request.first_day, request.last_day)
    return Document(
        media_type="text/csv; charset=utf-8",
        filename=csv_filename(supply.supply_id, request.first_day, request.last_day),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
