"""The metering service: `sportello-metering` (or `faststream run sportello_metering.main:app`)."""

from sportello_metering.bootstrap import bootstrap
from sportello_metering.entrypoints.events import subscribe
from sportello_metering.entrypoints.rpc import serve

service, dependencies = bootstrap()
subscribe(service, dependencies)
serve(service, dependencies)
app = service.app


def run() -> None:
    service.run()
