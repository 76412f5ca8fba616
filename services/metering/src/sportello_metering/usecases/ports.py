"""What metering's use cases need from outside: the store, the clock, the rules."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sportello_contracts.envelope import EventPayload
from sportello_metering.adapters.store import MeteringStore
from sportello_metering.domain.self_readings import ReadingRules


class Transaction(Protocol):
    """The kit's transaction as the use cases see it."""

    @property
    def session(self) -> Any: ...

    async def emit(self, payload: EventPayload) -> object: ...

    async def dead_letter(self, payload: EventPayload, reason: str) -> object: ...

    async def retry_later(self, payload: EventPayload, reason: str) -> object: ...


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date:
        """Today in Italy: readings' dates, windows and working days are Italian days."""
        ...


@dataclass(frozen=True)
class Needs:
    store: MeteringStore
    clock: Clock
    rules: ReadingRules
