"""The one place that wires metering's real dependencies (no I/O happens here)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sportello_contracts.readings import ReadingStatusChanged, SelfReadingReceived
from sportello_kit.service import Service
from sportello_metering.adapters.store import MeteringStore
from sportello_metering.domain.calendar import ROME
from sportello_metering.domain.self_readings import ReadingRules
from sportello_metering.settings import MeteringSettings
from sportello_metering.usecases.ports import Needs


class ItalianClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(ROME).date()


@dataclass(frozen=True)
class Dependencies:
    settings: MeteringSettings
    store: MeteringStore
    needs: Needs


def rules_of(settings: MeteringSettings) -> ReadingRules:
    return ReadingRules(
        flag_factor=Decimal(str(settings.flag_factor)),
        flag_minimum=settings.flag_minimum,
        rollover_share=Decimal(str(settings.rollover_share)),
        receipt_working_days=settings.receipt_working_days,
        overlap_days=settings.overlap_days,
        default_daily_m3=Decimal(str(settings.default_daily_m3)),
        default_daily_kwh=Decimal(str(settings.default_daily_kwh)),
        history_days=settings.history_days,
    )


def bootstrap(settings: MeteringSettings | None = None) -> tuple[Service, Dependencies]:
    settings = settings or MeteringSettings()
    service = Service("metering", settings, database=settings.database)
    store = MeteringStore(service.database.db)
    needs = Needs(store=store, clock=ItalianClock(), rules=rules_of(settings))
    service.on_startup(store.create_indexes)
    service.emits(SelfReadingReceived, ReadingStatusChanged)
    return service, Dependencies(settings=settings, store=store, needs=needs)
