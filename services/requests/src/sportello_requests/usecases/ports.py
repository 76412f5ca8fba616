"""What requests' use cases need from outside: the store, the clock, the rules."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sportello_contracts.envelope import EventPayload
from sportello_requests.adapters.store import RequestsStore
from sportello_requests.domain.admission import AdmissionRules
from sportello_requests.domain.deadlines import AnswerRules


class Transaction(Protocol):
    """The kit's transaction as the use cases see it."""

    @property
    def session(self) -> Any: ...

    async def emit(self, payload: EventPayload) -> object: ...


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date:
        """Today in Italy: the regulator's deadlines count Italian calendar days."""
        ...


@dataclass(frozen=True)
class Needs:
    store: RequestsStore
    clock: Clock
    admission: AdmissionRules
    answers: AnswerRules
