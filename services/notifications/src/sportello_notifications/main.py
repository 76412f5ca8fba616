"""The notifications service: `sportello-notifications`."""

from sportello_notifications.bootstrap import bootstrap
from sportello_notifications.entrypoints.events import subscribe

service, dependencies = bootstrap()
subscribe(service, dependencies)
app = service.app


def run() -> None:
    service.run()
