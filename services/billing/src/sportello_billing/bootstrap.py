"""The one place that wires billing's real dependencies (no I/O happens here)."""

from dataclasses import dataclass

from sportello_billing.adapters.store import BillingStore
from sportello_billing.settings import BillingSettings
from sportello_contracts.account_deletion import BillingAccountDataErased
from sportello_kit.service import Service


@dataclass(frozen=True)
class Dependencies:
    settings: BillingSettings
    store: BillingStore


def bootstrap(settings: BillingSettings | None = None) -> tuple[Service, Dependencies]:
    settings = settings or BillingSettings()
    service = Service("billing", settings, database=settings.database)
    deps = Dependencies(settings=settings, store=BillingStore(service.database.db))
    service.on_startup(deps.store.create_indexes)
    service.emits(BillingAccountDataErased)
    return service, deps
