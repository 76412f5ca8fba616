"""Metering's records as the portal and the other services read them."""

from sportello_contracts.readings import (
    MeterPublic,
    ReadingPublic,
    ReadingStatusChanged,
    TrackerStep,
)
from sportello_metering.adapters.store import MeteredSupply
from sportello_metering.domain.meters import Meter
from sportello_metering.domain.readings import Reading
from sportello_metering.domain.wording import STATUS_LABELS


def meter_public(meter: Meter) -> MeterPublic:
    return MeterPublic(
        serial=meter.serial,
        digits=meter.digits,
        unit=meter.unit,  # type: ignore[arg-type]
        registers=meter.registers,  # type: ignore[arg-type]
        smart=meter.smart,
        correction_factor=meter.correction_factor,
        installed_on=meter.installed_on,
        removed_on=meter.removed_on,
    )


def reading_public(reading: Reading, unit: str) -> ReadingPublic:
    return ReadingPublic(
        reading_id=reading.reading_id,
        supply_id=reading.supply_id,
        meter_serial=reading.meter_serial,
        read_on=reading.read_on,
        values=reading.values,  # type: ignore[arg-type]
        unit=unit,  # type: ignore[arg-type]
        source=reading.source,  # type: ignore[arg-type]
        status=reading.status,  # type: ignore[arg-type]
        status_label=STATUS_LABELS[reading.status],
        reason=reading.reason,
        flagged=reading.flagged,
        in_window=reading.in_window,
        bill_number=reading.bill_number,
        consumption=reading.consumption,
        answer_by=reading.answer_by,
        steps=tuple(
            TrackerStep(status=s.status, on=s.on, explanation=s.explanation)  # type: ignore[arg-type]
            for s in reading.steps
        ),
    )


def status_changed(
    reading: Reading, supply: MeteredSupply, unit: str, next_opens_on: object = None
) -> ReadingStatusChanged:
    """The event of the reading's latest step."""
    step = reading.steps[-1]
    return ReadingStatusChanged(
        reading_id=reading.reading_id,
        customer_code=reading.customer_code,
        supply_id=reading.supply_id,
        point_id=supply.point_id or "",
        account_id=reading.account_id,
        status=reading.status,  # type: ignore[arg-type]
        on=step.on,
        read_on=reading.read_on,
        values=reading.values,  # type: ignore[arg-type]
        unit=unit,  # type: ignore[arg-type]
        explanation=step.explanation,
        bill_number=reading.bill_number,
        answer_by=reading.answer_by if reading.status == "received" else None,
        in_window=reading.in_window,
        next_window_opens_on=next_opens_on,  # type: ignore[arg-type]
    )
