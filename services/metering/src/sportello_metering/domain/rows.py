"""Bulk batches read row by row: a bad row is set aside with its reason, to be dead-lettered
alone, and the good rows are kept."""

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, JsonValue, ValidationError

from sportello_contracts.readings import DistributorReading, IntervalDay

M = TypeVar("M", bound=BaseModel)

# An operator reads the reason in a dead-letter queue: one line, never a dump of the row.
_REASON_LENGTH = 300


class NotYet(str):
    """A reason a row may lose: what it is about has not arrived yet (a meter installed after
    its first readings were sent, on another queue). Such a row is tried again later."""


@dataclass(frozen=True)
class BadRow:
    index: int  # the row's position in the batch, from 0 (as in the message's JSON array)
    row: dict[str, JsonValue]  # as received, so it can be replayed once the cause is fixed
    reason: str  # in English, for operators: "row 17: quarter_wh has 95 values, ..."
    waits: bool = False  # refused for now only (`NotYet`): to be tried again


def reading_key(reading: DistributorReading) -> tuple[str, str, date]:
    """A distributor reads a meter at most once a day: a second reading of that day is the same
    one sent again, or a contradiction."""
    return (reading.supply_id, reading.meter_serial, reading.read_on)


def day_key(day: IntervalDay) -> tuple[str, date]:
    return (day.supply_id, day.day)


_KEYS: dict[type[BaseModel], Callable[[Any], Hashable]] = {
    DistributorReading: reading_key,
    IntervalDay: day_key,
}


def key_of(model: type[M]) -> Callable[[M], Hashable]:
    """What makes two rows of `model` the same row."""
    try:
        return _KEYS[model]
    except KeyError:
        raise ValueError(f"no row key for {model.__name__}: pass key=") from None


def read_rows(
    model: type[M],
    rows: Sequence[Mapping[str, JsonValue]],
    check: Callable[[M], str | None],
    key: Callable[[M], Hashable] | None = None,
) -> tuple[list[tuple[int, M]], list[BadRow]]:
    """The good rows (with their index, in batch order) and the bad ones with their reasons.

    A row is bad when the contract refuses it, when `check` gives a reason (a `NotYet` one:
    bad for now), or when an earlier
    good row has its key with other values (the first one wins: keeping both is impossible and
    neither is known to be the newer). The same row repeated is kept once, silently.
    """
    key = key or key_of(model)
    kept: dict[Hashable, tuple[int, M]] = {}
    bad: list[BadRow] = []
    for index, row in enumerate(rows):
        reason, item = _judge(model, row, check)
        if item is not None:
            first = kept.setdefault(key(item), (index, item))
            if first[0] != index and first[1] != item:
                reason = f"duplicate of row {first[0]} with other values"
        if reason is not None:
            shown = _shorten(f"row {index}: {reason}")
            waits = isinstance(reason, NotYet)
            bad.append(BadRow(index=index, row=dict(row), reason=shown, waits=waits))
    return sorted(kept.values(), key=lambda pair: pair[0]), bad


def _judge(
    model: type[M], row: Mapping[str, JsonValue], check: Callable[[M], str | None]
) -> tuple[str | None, M | None]:
    try:
        item = model.model_validate(row)
    except ValidationError as error:
        return validation_reason(error), None
    reason = check(item)
    return reason, (item if reason is None else None)


def validation_reason(error: ValidationError) -> str:
    """The first error, as `field.path: message`, and how many others there are."""
    errors = error.errors(include_url=False, include_input=False, include_context=False)
    first = errors[0]
    path = ".".join(str(part) for part in first["loc"])
    reason = f"{path}: {first['msg']}" if path else first["msg"]
    if len(errors) > 1:
        reason += f" (and {len(errors) - 1} more)"
    return reason


def _shorten(reason: str) -> str:
    if len(reason) <= _REASON_LENGTH:
        return reason
    return reason[: _REASON_LENGTH - 3] + "..."
