"""What the back-office publishes in bulk: distributors' readings and smart meters' 15-minute
days, thousands per message. Good rows are kept (once each, however often they come); bad rows
are dead-lettered together with their reasons, in a message of the same type, so nothing is
lost and a replay after the fix takes them in. Rows about a supply or meter not known yet (its
event travels on another queue and may come second) are tried again later, and dead-lettered
only after the kit's last retry."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from sportello_contracts.readings import (
    DistributorReading,
    DistributorReadingsPublished,
    IntervalDay,
    IntervalDaysPublished,
)
from sportello_kit import faults
from sportello_metering.adapters.store import OwnedMeter
from sportello_metering.domain import tracker, wording
from sportello_metering.domain.intervals import check_day
from sportello_metering.domain.meters import Meter
from sportello_metering.domain.readings import Reading
from sportello_metering.domain.rows import BadRow, NotYet, read_rows
from sportello_metering.usecases.ports import Needs, Transaction
from sportello_metering.usecases.readings import move

# How many rows' reasons a dead letter's header lists (the rows themselves are all in it).
REASONS_SHOWN = 20
PENDING = ["received", "forwarded", "validated"]


def _supply_ids(rows: Sequence[dict[str, Any]]) -> set[str]:
    return {
        row["supply_id"].strip().upper() for row in rows if isinstance(row.get("supply_id"), str)
    }


LATER = ".later"


def _part_id(batch_id: str, part: str) -> str:
    """The id of a part set aside of batch `batch_id`: its `.bad` rows or those for `.later`
    (a part set aside again keeps one suffix)."""
    return f"{batch_id.removesuffix(LATER)[:74]}{part}"


async def _set_aside(
    tx: Transaction,
    batch: DistributorReadingsPublished | IntervalDaysPublished,
    bad: Sequence[BadRow],
) -> None:
    """Dead-letter the bad rows and send those that wait round again, each part as a batch of
    its own, of the batch's type."""
    total = len(batch.rows)
    refused = [b for b in bad if not b.waits]
    waiting = [b for b in bad if b.waits]
    if refused:
        part = type(batch)(
            batch_id=_part_id(batch.batch_id, ".bad"), rows=tuple(b.row for b in refused)
        )
        await tx.dead_letter(part, _reason(refused, total))
    if waiting:
        part = type(batch)(
            batch_id=_part_id(batch.batch_id, LATER), rows=tuple(b.row for b in waiting)
        )
        await tx.retry_later(part, _reason(waiting, total))


def _reason(bad: Sequence[BadRow], total: int) -> str:
    shown = "; ".join(b.reason for b in bad[:REASONS_SHOWN])
    more = f"; and {len(bad) - REASONS_SHOWN} more" if len(bad) > REASONS_SHOWN else ""
    return f"{len(bad)} of {total} rows refused: {shown}{more}"


def _meter_on(meters: Sequence[Meter], day: date) -> Meter | None:
    """Of one supply's meters, the one in service on `day`."""
    for meter in meters:
        if meter.installed_on <= day and (meter.removed_on is None or day <= meter.removed_on):
            return meter
    return None


def _reading_problem(
    meters: dict[tuple[str, str], OwnedMeter], today: date
) -> Callable[[DistributorReading], str | None]:
    def problem(row: DistributorReading) -> str | None:
        owned = meters.get((row.supply_id, row.meter_serial))
        if owned is None:
            # Its supply or its meter may be on its way (another queue): tried again.
            return NotYet(f"no meter {row.meter_serial} known on supply {row.supply_id}")
        meter = owned.meter
        if set(row.values) != set(meter.registers):
            return f"meter {meter.serial} has the registers {', '.join(meter.registers)}"
        if any(v >= meter.capacity for v in row.values.values()):
            return f"a value has more than the meter's {meter.digits} digits"
        if row.read_on > today:
            return f"read on {row.read_on}, a day still to come"
        if row.read_on < meter.installed_on:
            return f"read on {row.read_on}, before the meter was installed"
        if meter.removed_on is not None and row.read_on > meter.removed_on:
            return f"read on {row.read_on}, after the meter was removed"
        return None

    return problem


def distributor_reading_id(row: DistributorReading) -> str:
    """One id per meter, day and kind: the same row sent again is the same reading."""
    prefix = "DST" if row.kind == "actual" else "EST"
    return f"{prefix}-{row.supply_id}-{row.meter_serial}-{row.read_on:%Y%m%d}"


async def keep_distributor_readings(
    needs: Needs, tx: Transaction, batch: DistributorReadingsPublished
) -> None:
    store, session = needs.store, tx.session
    owned = await store.owned_meters(_supply_ids(batch.rows), session)
    meters = {(o.meter.supply_id, o.meter.serial): o for o in owned}
    good, bad = read_rows(
        DistributorReading,
        batch.rows,
        _reading_problem(meters, needs.clock.today()),
        key=lambda r: (r.supply_id, r.meter_serial, r.read_on, r.kind),
    )
    now = needs.clock.now()
    readings = [
        Reading(
            reading_id=distributor_reading_id(row),
            supply_id=row.supply_id,
            customer_code=meters[(row.supply_id, row.meter_serial)].customer_code,
            meter_serial=row.meter_serial,
            read_on=row.read_on,
            values={str(k): v for k, v in row.values.items()},
            source="distributor" if row.kind == "actual" else "estimate",
            status="validated",
            recorded_at=now,
        )
        for _, row in good
    ]
    await store.keep_readings(readings)
    faults.crash_point("after-rows:metering.distributor_readings")  # the tests' kill -9
    # Every actual reading of the batch, not only those new now: a batch redelivered after a
    # crash finds its rows kept already, and must still supersede (once: moves are idempotent).
    await _supersede(needs, tx, [r for r in readings if r.source == "distributor"], meters)
    await _set_aside(tx, batch, bad)


async def _supersede(
    needs: Needs,
    tx: Transaction,
    actual: Sequence[Reading],
    meters: dict[tuple[str, str], OwnedMeter],
) -> None:
    """The distributor's reading counts where it overlaps a customer's pending one (TIF)."""
    overlap = timedelta(days=needs.rules.overlap_days)

    def may_overlap(reading: Reading) -> bool:
        # A meter's customers' readings are all on or before its latest one: none is near a
        # distributor's reading after that one's overlap.
        latest = meters[(reading.supply_id, reading.meter_serial)].customer_read_on
        return latest is not None and latest >= reading.read_on - overlap

    actual = [r for r in actual if may_overlap(r)]
    if not actual:
        return
    pending = await needs.store.readings_of(
        {r.supply_id for r in actual},
        {"source": "customer", "status": {"$in": PENDING}},
        tx.session,
    )
    for reading in pending:
        wins = [
            d
            for d in actual
            if d.supply_id == reading.supply_id
            and tracker.supersedes(reading, d.read_on, needs.rules)
        ]
        if not wins:
            continue
        read_on = min(wins, key=lambda d: abs((d.read_on - reading.read_on).days)).read_on
        explanation = wording.explain(
            "superseded", read_on=reading.read_on, distributor_read_on=read_on
        )
        owned = meters.get((reading.supply_id, reading.meter_serial))
        await move(
            needs,
            tx,
            reading,
            "superseded",
            needs.clock.today(),
            explanation,
            reason=explanation,
            unit=None if owned is None else owned.meter.unit,
        )


def _day_problem(meters: Sequence[Meter], today: date) -> Callable[[IntervalDay], str | None]:
    # Grouped once: thousands of rows each look among their own supply's meters only.
    by_supply: dict[str, list[Meter]] = defaultdict(list)
    for meter in meters:
        by_supply[meter.supply_id].append(meter)

    def problem(row: IntervalDay) -> str | None:
        meter = _meter_on(by_supply[row.supply_id], row.day)
        if meter is None:
            return NotYet(f"supply {row.supply_id} had no meter on {row.day}")
        if not meter.smart or meter.unit != "kWh":
            return f"supply {row.supply_id} had no smart electricity meter on {row.day}"
        return check_day(row, today)

    return problem


async def keep_interval_days(needs: Needs, tx: Transaction, batch: IntervalDaysPublished) -> None:
    store, session = needs.store, tx.session
    meters = await store.meters(_supply_ids(batch.rows), session)
    good, bad = read_rows(
        IntervalDay,
        batch.rows,
        _day_problem(meters, needs.clock.today()),
        key=lambda d: (d.supply_id, d.day),
    )
    await store.keep_days([(d.supply_id, d.day, d.quarter_wh) for _, d in good])
    await _set_aside(tx, batch, bad)
