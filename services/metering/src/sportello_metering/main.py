"""The metering service (`sportello-metering`): health only, until its features arrive."""

from sportello_kit.service import Service
from sportello_metering.settings import MeteringSettings

settings = MeteringSettings()
service = Service("metering", settings, database=settings.database)
app = service.app


def run() -> None:
    service.run()
