"""The billing service: `sportello-billing` (or `faststream run sportello_billing.main:app`)."""

from sportello_billing.bootstrap import bootstrap
from sportello_billing.entrypoints.events import subscribe
from sportello_billing.entrypoints.rpc import serve

service, dependencies = bootstrap()
subscribe(service, dependencies)
serve(service, dependencies)
app = service.app


def run() -> None:
    service.run()
