"""The one place that wires notifications' real dependencies (no I/O happens here)."""

from dataclasses import dataclass
from pathlib import Path

from sportello_kit.claims import Claims
from sportello_kit.service import Service
from sportello_notifications.adapters.mailer import SmtpMailer
from sportello_notifications.adapters.sms import SmsFolder
from sportello_notifications.adapters.store import MongoMessageLog
from sportello_notifications.adapters.templates import MailTemplates
from sportello_notifications.settings import NotificationsSettings


@dataclass(frozen=True)
class Dependencies:
    settings: NotificationsSettings
    claims: Claims
    messages: MongoMessageLog
    mailer: SmtpMailer
    templates: MailTemplates
    texts: SmsFolder


def bootstrap(settings: NotificationsSettings | None = None) -> tuple[Service, Dependencies]:
    settings = settings or NotificationsSettings()
    service = Service("notifications", settings, database=settings.database)
    deps = Dependencies(
        settings=settings,
        claims=service.claims,
        messages=MongoMessageLog(service.database.db),
        mailer=SmtpMailer(settings),
        templates=MailTemplates(settings.sender),
        texts=SmsFolder(Path(settings.sms_folder)),
    )
    service.on_startup(deps.messages.create_indexes)
    return service, deps
