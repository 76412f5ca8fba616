"""The reading tracker: which moves a reading's journey allows, and when a bill or a distributor's
reading ends it.

Events from the back-office may arrive late, twice or out of order; a journey only ever moves
forward, so an old or repeated event is recognised and ignored rather than undoing a step.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from sportello_metering.domain.readings import Reading, Status, Step
from sportello_metering.domain.self_readings import ReadingRules

# How far along the journey each status is; validated and rejected are the same stage, as are
# billed and superseded.
_STAGE: dict[Status, int] = {
    "received": 0,
    "forwarded": 1,
    "validated": 2,
    "rejected": 2,
    "billed": 3,
    "superseded": 3,
}
FINAL: frozenset[Status] = frozenset({"rejected", "billed", "superseded"})


def can_move(current: Status, new: Status) -> bool:
    """Whether `new` moves a reading in `current` forward. Stages may be skipped (a bill proves
    a reading was accepted even if the validation never reached us); nothing leaves a final
    status; repeating the current status is no move."""
    if current in FINAL or current not in _STAGE or new not in _STAGE:
        return False
    return _STAGE[new] > _STAGE[current]


def advance(
    reading: Reading,
    status: Status,
    on: date,
    explanation: str,
    *,
    bill_number: str | None = None,
    reason: str | None = None,
) -> Reading | None:
    """The reading moved to `status`, with the step recorded; None when the move goes nowhere
    (an old or repeated event)."""
    if not can_move(reading.status, status):
        return None
    return replace(
        reading,
        status=status,
        steps=(*reading.steps, Step(status=status, on=on, explanation=explanation)),
        bill_number=bill_number if bill_number is not None else reading.bill_number,
        reason=reason if reason is not None else reading.reason,
    )


def supersedes(reading: Reading, distributor_read_on: date, rules: ReadingRules) -> bool:
    """Whether a distributor's actual reading on `distributor_read_on` takes the place of this
    customer's reading: the regulator lets the distributor's win where the two overlap."""
    if reading.source != "customer" or reading.status in FINAL:
        return False
    return abs((reading.read_on - distributor_read_on).days) <= rules.overlap_days


# A bill's reading as the bill lists it: (read_on, value, kind, band), band None for "total".
UsedReading = tuple[date, int, str, str | None]


def used_in_bill(reading: Reading, used: Sequence[UsedReading]) -> bool:
    """Whether the bill used this customer's reading: a self-reading of the same day with the
    same value in every register."""
    values_by_register: dict[str, set[int]] = {}
    for read_on, value, kind, band in used:
        if kind == "self" and read_on == reading.read_on:
            values_by_register.setdefault(band or "total", set()).add(value)
    return bool(reading.values) and all(
        value in values_by_register.get(register, set())
        for register, value in reading.values.items()
    )
