"""The identity service: `sportello-identity` (or `faststream run sportello_identity.main:app`)."""

from sportello_identity.bootstrap import bootstrap
from sportello_identity.entrypoints.events import subscribe
from sportello_identity.entrypoints.rpc import register_operations
from sportello_identity.entrypoints.staff_rpc import register_staff_operations

service, dependencies, event_dependencies = bootstrap()
register_operations(service, dependencies)
register_staff_operations(service, dependencies)
subscribe(service, event_dependencies)
app = service.app


def run() -> None:
    service.run()
