"""The one place that wires notifications' real dependencies (no I/O happens here)."""

from dataclasses import dataclass

from sportello_kit.service import Service
from sportello_notifications.adapters.mailer import SmtpMailer
from sportello_notifications.adapters.store import MessageLog
from sportello_notifications.settings import NotificationsSettings


@dataclass(frozen=True)
class Dependencies:
    settings: NotificationsSettings
    log: MessageLog
    mailer: SmtpMailer


def bootstrap(settings: NotificationsSettings | None = None) -> tuple[Service, Dependencies]:
    settings = settings or NotificationsSettings()
    service = Service("notifications", settings, database=settings.database)
    deps = Dependencies(
        settings=settings, log=MessageLog(service.database.db), mailer=SmtpMailer(settings)
    )
    service.on_startup(deps.log.create_indexes)
    return service, deps
