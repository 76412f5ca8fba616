"""The one place that wires notifications' real dependencies (no I/O happens here)."""

from dataclasses import dataclass
from pathlib import Path

from sportello_contracts.account_deletion import NotificationsAccountDataErased
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
    transactions: Service  # for what a handler outside a transaction writes and announces
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
        transactions=service,
        texts=SmsFolder(Path(settings.sms_folder)),
    )
    service.on_startup(deps.messages.create_indexes)
    service.emits(NotificationsAccountDataErased)
    return service, deps
