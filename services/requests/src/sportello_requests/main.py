"""The requests service: `sportello-requests`. Today it answers health; its features arrive with their issues."""

from sportello_kit.service import Service
from sportello_requests.settings import RequestsSettings

settings = RequestsSettings()
service = Service("requests", settings, database=settings.database)
app = service.app


def run() -> None:
    service.run()
