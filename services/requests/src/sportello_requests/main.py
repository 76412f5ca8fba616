"""The requests service: `sportello-requests` (or `faststream run sportello_requests.main:app`)."""

from sportello_requests.bootstrap import bootstrap
from sportello_requests.entrypoints.events import subscribe
from sportello_requests.entrypoints.rpc import serve

service, dependencies = bootstrap()
subscribe(service, dependencies)
serve(service, dependencies)
app = service.app


def run() -> None:
    service.run()
