"""A customer's self-reading: judged and kept, then moved along its journey by the back-office
(passed to the distributor, validated or rejected) and by the bills that use it."""

from datetime import date

from sportello_contracts.bills import BillIssued
from sportello_contracts.readings import (
    ReadingProgressed,
    ReadingReceipt,
    SelfReadingReceived,
    SubmitReadingRequest,
)
from sportello_kit.errors import PoisonMessage
from sportello_kit.scoping import owned_by
from sportello_metering.adapters.store import BilledConsumption, MeteredSupply
from sportello_metering.domain import tracker, wording
from sportello_metering.domain.meters import Meter
from sportello_metering.domain.readings import Reading, Step
from sportello_metering.domain.self_readings import (
    ReadingRefused,
    answer_by,
    expected_daily,
    judge,
    parse_values,
    reading_id_for,
)
from sportello_metering.domain.windows import window_state
from sportello_metering.usecases import refusals
from sportello_metering.usecases.ports import Needs, Transaction
from sportello_metering.usecases.public import reading_public, status_changed


def current_meter(meters: list[Meter]) -> Meter | None:
    """The meter on the supply now: the last installed, unless it was removed."""
    live = [m for m in meters if m.removed_on is None]
    return max(live, key=lambda m: m.installed_on) if live else None


async def submit_reading(
    needs: Needs, tx: Transaction, request: SubmitReadingRequest
) -> ReadingReceipt:
    """Keep the customer's reading and tell them what happens next; the same reading sent
    again is the same reading."""
    caller = request.caller
    assert caller is not None  # the operation needs one
    store, session = needs.store, tx.session
    supply = await store.supply(request.supply_id, owned_by(caller), session)
    if supply is None or supply.commodity is None:
        if supply is None:
            raise refusals.supply_not_found(request.supply_id)
        raise refusals.no_meter()
    if supply.ceased_on is not None:
        raise refusals.supply_ceased()
    meter = current_meter(await store.meters([supply.supply_id], session))
    if meter is None:
        raise refusals.no_meter()
    if meter.smart:
        raise refusals.read_remotely()
    try:
        values = parse_values(meter, request.digits, request.bands)
    except ReadingRefused as refused:
        raise refusals.invalid_reading(refused.code, refused.message, refused.details) from None

    reading_id = reading_id_for(supply.supply_id, meter.serial, values)
    kept = await store.reading(reading_id, session=session)
    if kept is not None:
        return _receipt(kept, meter, already=True)

    today = needs.clock.today()
    # A meter's readings are a few a month at most: read them all, keep those that count.
    counting = [
        r
        for r in await store.readings(
            {"supply_id": supply.supply_id, "meter_serial": meter.serial}, session=session
        )
        if r.counts
    ]
    previous = (
        (counting[0].read_on, counting[0].values)
        if counting
        else (
            meter.installed_on,
            meter.initial,
        )
    )
    try:
        judgement = judge(
            meter,
            values,
            previous,
            expected_daily(meter, counting, today, needs.rules),
            today,
            needs.rules,
        )
    except ReadingRefused as refused:
        raise refusals.invalid_reading(refused.code, refused.message, refused.details) from None
    window = window_state(supply.window, today)
    by = answer_by(today, needs.rules)
    explanation = wording.explain(
        "received",
        read_on=today,
        answer_by=by,
        in_window=window.in_window,
        next_opens_on=window.next_opens_on,
    )
    reading = Reading(
        reading_id=reading_id,
        supply_id=supply.supply_id,
        customer_code=supply.customer_code,
        meter_serial=meter.serial,
        read_on=today,
        values=values,
        source="customer",
        status="received",
        recorded_at=needs.clock.now(),
        account_id=caller.user_id,
        consumption=judgement.consumption,
        rolled_over=judgement.rolled_over,
        flagged=judgement.flagged,
        flag_reason=judgement.flag_reason,
        in_window=window.in_window,
        answer_by=by,
        steps=(Step(status="received", on=today, explanation=explanation),),
    )
    await store.add_reading(reading, session)
    await store.note_customer_reading(supply.supply_id, meter.serial, today, session)
    await tx.emit(
        SelfReadingReceived(
            reading_id=reading_id,
            customer_code=supply.customer_code,
            supply_id=supply.supply_id,
            point_id=supply.point_id or "",
            commodity=supply.commodity,  # type: ignore[arg-type]
            meter_serial=meter.serial,
            read_on=today,
            received_at=reading.recorded_at,
            values=values,  # type: ignore[arg-type]
            unit=meter.unit,  # type: ignore[arg-type]
            consumption=judgement.consumption,
            rolled_over=judgement.rolled_over,
            flagged=judgement.flagged,
            flag_reason=judgement.flag_reason,
            in_window=window.in_window,
            account_id=caller.user_id,
        )
    )
    await tx.emit(status_changed(reading, supply, meter.unit, window.next_opens_on))
    return _receipt(reading, meter, already=False, flagged=judgement.flagged)


def _receipt(
    reading: Reading, meter: Meter, already: bool, flagged: bool = False
) -> ReadingReceipt:
    return ReadingReceipt(
        outcome="already_received" if already else "received",
        reading=reading_public(reading, meter.unit),
        message=wording.receipt_message(
            reading.steps[-1].explanation, already=already, flagged=flagged
        ),
    )


async def progress_reading(needs: Needs, tx: Transaction, progressed: ReadingProgressed) -> None:
    """A step the back-office reports: applied once, in order (an older step is ignored)."""
    store, session = needs.store, tx.session
    reading = await store.reading(progressed.reading_id, session=session)
    if reading is None or reading.customer_code != progressed.customer_code:
        raise PoisonMessage(f"no reading {progressed.reading_id} of {progressed.customer_code}")
    if reading.supply_id != progressed.supply_id:
        raise PoisonMessage(f"reading {reading.reading_id} is not of {progressed.supply_id}")
    reason = None
    if progressed.step == "rejected":
        reason = wording.REJECTIONS[progressed.reason_code or "other"]
    explanation = wording.explain(
        progressed.step,
        read_on=reading.read_on,
        reason_code=progressed.reason_code,
        note=progressed.note,
    )
    await move(needs, tx, reading, progressed.step, progressed.on, explanation, reason=reason)


async def move(
    needs: Needs,
    tx: Transaction,
    reading: Reading,
    status: str,
    on: date,
    explanation: str,
    *,
    bill_number: str | None = None,
    reason: str | None = None,
    supply: MeteredSupply | None = None,
    unit: str | None = None,
) -> Reading | None:
    moved = tracker.advance(
        reading, status, on, explanation, bill_number=bill_number, reason=reason
    )
    if moved is None:
        return None
    store, session = needs.store, tx.session
    await store.save_reading(moved, session)
    if moved.account_id is not None:  # a customer's reading: they hear of each step
        supply = supply or await store.supply(moved.supply_id, session=session)
        if unit is None:
            meters = await store.meters([moved.supply_id], session)
            unit = next((m.unit for m in meters if m.serial == moved.meter_serial), "m3")
        assert supply is not None
        await tx.emit(status_changed(moved, supply, unit))
    return moved


async def bill_issued(needs: Needs, tx: Transaction, bill: BillIssued) -> None:
    """Keep what the bill billed and the next reading window it prints; the self-readings it
    used are now billed."""
    store, session = needs.store, tx.session
    # The billed unit says the commodity: a supply billed before its meter is known shows
    # a box that says so, rather than none.
    commodity = "gas" if bill.consumption.unit == "Smc" else "electricity"
    await store.keep_supply(bill.supply_id, bill.customer_code, session, commodity=commodity)
    await store.keep_billed(
        BilledConsumption(
            bill_number=bill.bill_number,
            supply_id=bill.supply_id,
            period_start=bill.period_start,
            period_end=bill.period_end,
            quantity=bill.consumption.quantity,
        ),
        session,
    )
    if bill.next_reading_window is not None:
        window = bill.next_reading_window
        await store.set_window(
            bill.supply_id,
            bill.customer_code,
            (window.opens_on, window.closes_on),
            bill.issued_on,
            session,
        )
    used = [(r.read_on, r.value, r.kind, r.band) for r in bill.readings if r.kind == "self"]
    if not used:
        return
    candidates = await store.readings(
        {
            "supply_id": bill.supply_id,
            "customer_code": bill.customer_code,
            "source": "customer",
            "read_on": {"$in": sorted({d.isoformat() for d, _, _, _ in used})},
        },
        session=session,
    )
    for reading in candidates:
        if tracker.used_in_bill(reading, used):
            explanation = wording.explain(
                "billed", read_on=reading.read_on, bill_number=bill.bill_number
            )
            await move(
                needs,
                tx,
                reading,
                "billed",
                bill.issued_on,
                explanation,
                bill_number=bill.bill_number,
            )
