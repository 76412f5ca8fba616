"""The billing service: `sportello-billing`."""

from sportello_billing.adapters.store import BillingStore
from sportello_billing.entrypoints.events import subscribe
from sportello_billing.settings import BillingSettings
from sportello_kit.service import Service

settings = BillingSettings()
service = Service("billing", settings, database=settings.database)
store = BillingStore(service.database.db)
service.on_startup(store.create_indexes)
subscribe(service, store)
app = service.app


def run() -> None:
    service.run()
