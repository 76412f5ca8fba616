"""The requests service (`sportello-requests`): health only, until its features arrive."""

from sportello_kit.service import Service
from sportello_requests.settings import RequestsSettings

settings = RequestsSettings()
service = Service("requests", settings, database=settings.database)
app = service.app


def run() -> None:
    service.run()
