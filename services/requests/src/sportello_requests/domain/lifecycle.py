"""A request's life: submitted, in progress, then completed, rejected or cancelled.

The back-office moves a request along; the customer may only cancel it, and only while nobody
has started on it. Back-office events arrive at least once and not always in order, so a
change seen before changes nothing, and a step behind the request's status (an "in progress"
arriving after the "completed" it preceded) is stale and ignored. What is final stays final: a
second, different outcome is a contradiction, refused with its reason.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

Status = Literal["submitted", "in_progress", "completed", "rejected", "cancelled"]
Actor = Literal["customer", "backoffice"]

FINAL: frozenset[Status] = frozenset({"completed", "rejected", "cancelled"})
# How far along each status is: a change to an earlier stage is stale.
STAGE: dict[Status, int] = {
    "submitted": 0,
    "in_progress": 1,
    "completed": 2,
    "rejected": 2,
    "cancelled": 2,
}
MOVES: dict[Actor, dict[Status, frozenset[Status]]] = {
    "backoffice": {
        "submitted": frozenset({"in_progress", "completed", "rejected"}),
        "in_progress": frozenset({"completed", "rejected"}),
    },
    "customer": {"submitted": frozenset({"cancelled"})},
}


@dataclass(frozen=True)
class Change:
    change_id: str  # the event's or the command's: the same change seen again is recognised
    status: Status
    at: datetime
    by: Actor
    message: str | None = None  # the back-office's words to the customer


@dataclass(frozen=True)
class Life:
    status: Status
    changes: tuple[Change, ...]  # oldest first; the first is the submission


class MoveRefused(Exception):
    """A change the request cannot take: `code` for the caller, `reason` for a log or a dead
    letter."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def submitted(change_id: str, at: datetime) -> Life:
    return Life("submitted", (Change(change_id, "submitted", at, "customer"),))


def move(life: Life, change: Change) -> Life | None:
    """The request after `change`, or None when it changes nothing (seen before, or stale)."""
    if any(seen.change_id == change.change_id for seen in life.changes):
        return None
    if change.status == life.status and life.status != "submitted":
        # The same step told twice under two ids, or a cancel tapped twice: what was asked
        # for holds already.
        return None
    allowed = MOVES[change.by].get(life.status, frozenset())
    if change.status in allowed:
        return replace(life, status=change.status, changes=(*life.changes, change))
    if change.by == "backoffice" and STAGE[change.status] < STAGE[life.status]:
        return None  # a step overtaken by a later one
    if change.by == "customer":
        if life.status in FINAL:
            raise MoveRefused("request_closed", f"the request is {life.status} already")
        raise MoveRefused("request_in_progress", "the supplier has started on the request")
    raise MoveRefused(
        "contradicting_outcome", f"the request is {life.status}: it cannot be {change.status}"
    )


def may_cancel(life: Life) -> bool:
    return "cancelled" in MOVES["customer"].get(life.status, frozenset())
