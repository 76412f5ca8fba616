"""The one place that wires requests' real dependencies (no I/O happens here)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sportello_contracts.requests import RequestStatusChanged, RequestSubmitted
from sportello_kit.service import Service
from sportello_requests.adapters.store import RequestsStore
from sportello_requests.domain.admission import AdmissionRules
from sportello_requests.domain.deadlines import AnswerRules
from sportello_requests.settings import RequestsSettings
from sportello_requests.usecases.ports import Needs

ROME = ZoneInfo("Europe/Rome")


class ItalianClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(ROME).date()


@dataclass(frozen=True)
class Dependencies:
    settings: RequestsSettings
    store: RequestsStore
    needs: Needs


def rules_of(settings: RequestsSettings) -> tuple[AdmissionRules, AnswerRules]:
    return (
        AdmissionRules(
            days_ahead=settings.days_ahead, plan_minimum_cents=settings.plan_minimum_cents
        ),
        AnswerRules(
            complaint_days=settings.complaint_days,
            information_days=settings.information_days,
            bill_correction_days=settings.bill_correction_days,
            bill_correction_four_monthly_days=settings.bill_correction_four_monthly_days,
            compensation_base_cents=settings.compensation_base_cents,
        ),
    )


def bootstrap(settings: RequestsSettings | None = None) -> tuple[Service, Dependencies]:
    settings = settings or RequestsSettings()
    service = Service("requests", settings, database=settings.database)
    store = RequestsStore(service.database.db)
    admission, answers = rules_of(settings)
    needs = Needs(store=store, clock=ItalianClock(), admission=admission, answers=answers)
    service.on_startup(store.create_indexes)
    service.emits(RequestSubmitted, RequestStatusChanged)
    return service, Dependencies(settings=settings, store=store, needs=needs)
