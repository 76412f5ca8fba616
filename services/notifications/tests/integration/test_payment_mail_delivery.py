"""The mails of payments and mandates sent once per event, on the real database (directory,
claims, message log) to a real SMTP server: by the use cases, and by the running service from
the real bus."""

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from sportello_contracts.envelope import EventPayload
from sportello_contracts.payments import (
    BillPaymentRegistered,
    MandateChanged,
    OnlinePaymentSucceeded,
)
from sportello_contracts.recipients import AccountContactSet
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.servers import MailCatcher, free_port, text_of
from sportello_deploy.testing import eventually, take_dead_letters
from sportello_kit.claims import Claims
from sportello_kit.mongo import connect
from sportello_notifications.adapters.mailer import SmtpMailer
from sportello_notifications.adapters.store import MongoMessageLog, MongoRecipients
from sportello_notifications.adapters.templates import MailTemplates
from sportello_notifications.bootstrap import bootstrap
from sportello_notifications.domain.messages import Recipient, Status
from sportello_notifications.entrypoints.events import subscribe
from sportello_notifications.settings import NotificationsSettings
from sportello_notifications.usecases.payments import (
    send_mandate_outcome,
    send_payment_receipt,
    send_payment_registered,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

AT = datetime(2026, 12, 3, 10, 15, tzinfo=UTC)
PORTAL = "https://area.example"
MASKED = "IT** **** **** **** **** ***3 456"


def someone() -> Recipient:
    suffix = uuid4().hex[:8]
    return Recipient(f"acc-{suffix}", f"mario.{suffix}@example.it", "Mario Rossi")


def paid(account_id: str) -> OnlinePaymentSucceeded:
    return OnlinePaymentSucceeded(
        payment_id=f"PAY-{secrets.token_hex(10).upper()}",
        bill_number="B202611-FG10001",
        customer_code="C00012345",
        account_id=account_id,
        amount_cents=123_456,
        method="card",
        provider="sandbox",
        provider_reference=f"chk_{uuid4().hex[:8]}",
        paid_at=AT,
    )


def registered(account_id: str | None) -> BillPaymentRegistered:
    return BillPaymentRegistered(
        bill_number="B202611-FG10001",
        customer_code="C00012345",
        registration_id=f"REG-{uuid4().hex[:8]}",
        amount_cents=100_000,
        paid_on=AT.date(),
        channel="card",
        amount_due_cents=23_456,
        account_id=account_id,
    )


def mandate(account_id: str, state: str) -> MandateChanged:
    return MandateChanged.model_validate(
        {
            "mandate_reference": f"MND-{uuid4().hex[:8].upper()}",
            "state": state,
            "account_id": account_id,
            "customer_codes": ["C00012345"],
            "billing_profiles": ["BP-000124"],
            "holder_name": "Mario Rossi",
            "iban_masked": MASKED,
            "reason": "Intestatario non corrispondente" if state == "refused" else None,
            "on": date(2026, 12, 1),
        }
    )


# The use cases, on the real database and SMTP server


@dataclass
class Outbound:
    """Everything the use cases send through, real: the database's directory, claims and
    message log, an SMTP mailer to a catcher."""

    directory: MongoRecipients
    claims: Claims
    messages: MongoMessageLog
    mailer: SmtpMailer
    catcher: MailCatcher

    def deps(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "portal_url": PORTAL,
            "claims": self.claims,
            "mailer": self.mailer,
            "templates": MailTemplates("Area Clienti <noreply@sportello.example>"),
            "messages": self.messages,
        }


@pytest_asyncio.fixture(loop_scope="session")
async def outbound(servers: Any, tmp_path: Path) -> AsyncIterator[Outbound]:
    catcher = MailCatcher(tmp_path, free_port())
    catcher.start()
    client = connect(servers.mongo_url)
    name = f"notifications_test_{uuid4().hex[:8]}"
    db = client[name]
    settings = NotificationsSettings.model_validate(
        {
            "smtp_host": "127.0.0.1",
            "smtp_port": catcher.port,
            "smtp_username": None,
            "smtp_password": None,
            "smtp_starttls": False,
            "smtp_timeout": 5,
        }
    )
    try:
        messages = MongoMessageLog(db)
        await messages.create_indexes()
        yield Outbound(
            MongoRecipients(db),
            Claims(db.claims, timedelta(seconds=30)),
            messages,
            SmtpMailer(settings),
            catcher,
        )
    finally:
        await client.drop_database(name)
        await client.close()
        catcher.stop()


Send = Callable[..., Awaitable[bool]]


@pytest.mark.parametrize(
    ("send", "event", "key", "says"),
    [
        (send_payment_receipt, paid, "payment-receipt", '"Pagata, in registrazione"'),
        (
            send_payment_registered,
            registered,
            "payment-registered",
            "Resta da pagare: 234,56 €.",
        ),
        (
            send_mandate_outcome,
            lambda a: mandate(a, "active"),
            "mandate-activated",
            "la domiciliazione è attiva dal 1º dicembre 2026.",
        ),
        (
            send_mandate_outcome,
            lambda a: mandate(a, "refused"),
            "mandate-refused",
            "Motivo:                   Intestatario non corrispondente",
        ),
    ],
)
async def test_each_mail_goes_once_to_the_account_however_often_its_event_comes(
    outbound: Outbound,
    send: Send,
    event: Callable[[str], EventPayload],
    key: str,
    says: str,
) -> None:
    mario = someone()
    await outbound.directory.keep(mario, AT)
    payload = event(mario.account_id)
    event_id = str(uuid4())

    first = await send(event_id, payload, **outbound.deps())
    again = await send(event_id, payload, **outbound.deps())  # the same event, redelivered

    assert (first, again) == (True, False)
    (mail,) = outbound.catcher.messages_to(mario.email)
    # Folded on the wire (it is long): unfolded, the key of the event and of the mail.
    assert mail["Message-ID"].strip() == f"<{event_id}.{key}@sportello.example>"
    assert says in text_of(mail)
    record = await outbound.messages.record(f"{event_id}:{key}")
    assert record is not None
    assert (record.status, record.attempts) == (Status.SENT, 1)


@pytest.mark.parametrize(
    ("send", "event"),
    [
        (send_payment_receipt, paid),
        (send_payment_registered, registered),
        (send_mandate_outcome, lambda a: mandate(a, "refused")),
    ],
)
async def test_an_unknown_account_gets_no_mail_and_the_reason_is_logged(
    outbound: Outbound,
    send: Send,
    event: Callable[[str], EventPayload],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    event_id = str(uuid4())

    sent = await send(event_id, event("acc-never-announced"), **outbound.deps())

    assert sent is False
    assert list(outbound.catcher.messages()) == []
    assert "no address known for account acc-never-announced" in caplog.text
    assert await outbound.messages.messages.count_documents({}) == 0
    assert await outbound.claims.collection.count_documents({}) == 0


async def test_a_payment_that_settles_no_online_payment_mails_nobody(
    outbound: Outbound,
) -> None:
    assert await send_payment_registered(str(uuid4()), registered(None), **outbound.deps()) is False
    assert list(outbound.catcher.messages()) == []


async def test_a_pending_mandate_mails_nobody(outbound: Outbound) -> None:
    mario = someone()
    await outbound.directory.keep(mario, AT)

    sent = await send_mandate_outcome(
        str(uuid4()), mandate(mario.account_id, "pending"), **outbound.deps()
    )

    assert sent is False
    assert list(outbound.catcher.messages()) == []


# The running service, on the real bus


async def test_the_service_mails_each_event_once_and_none_for_an_unknown_account(
    servers: Any, tmp_path: Path
) -> None:
    catcher = MailCatcher(tmp_path, free_port())
    catcher.start()
    settings = NotificationsSettings.model_validate(
        {
            "RABBITMQ_URL": servers.rabbitmq_url,
            "MONGO_URL": servers.mongo_url,
            "BUS_PREFIX": f"{servers.prefix}-pay{secrets.token_hex(2)}",
            "database": f"notifications_pay_{secrets.token_hex(4)}",
            "smtp_host": "127.0.0.1",
            "smtp_port": catcher.port,
            "smtp_username": None,
            "smtp_password": None,
            "smtp_starttls": False,
            "portal_url": PORTAL,
        }
    )
    service, deps = bootstrap(settings)
    subscribe(service, deps)
    await service.app.start()
    try:
        mario = someone()
        events: list[tuple[EventPayload, str]] = [
            (paid(mario.account_id), "payment-receipt"),
            (registered(mario.account_id), "payment-registered"),
            (mandate(mario.account_id, "refused"), "mandate-refused"),
        ]
        event_ids = [uuid4() for _ in events]
        async with BackOffice(servers.rabbitmq_url, settings.bus_prefix) as bus:
            await bus.publish(
                AccountContactSet(
                    account_id=mario.account_id, email=mario.email, full_name=mario.full_name, at=AT
                )
            )

            async def known() -> Recipient | None:
                return await MongoRecipients(service.database.db).recipient(mario.account_id)

            await eventually(known, what="the recipient in the directory")
            unknown = [
                await bus.publish(paid("acc-never-announced")),
                await bus.publish(registered("acc-never-announced")),
                await bus.publish(mandate("acc-never-announced", "active")),
            ]
            for (payload, _), event_id in zip(events, event_ids, strict=True):
                await bus.publish(payload, event_id=event_id)
                await bus.publish(payload, event_id=event_id)  # redelivered by its producer

        async def mailed() -> list[Any] | None:
            got = catcher.messages_to(mario.email)
            return got if len(got) >= len(events) else None

        await eventually(mailed, seconds=20, what="the three mails")
        log = MongoMessageLog(service.database.db)
        for (_, key), event_id in zip(events, event_ids, strict=True):

            async def recorded_sent(key: str = key, event_id: Any = event_id) -> bool:
                record = await log.record(f"{event_id}:{key}")
                return record is not None and record.status is Status.SENT

            await eventually(recorded_sent, what=f"the {key} mail recorded as sent")
        # The events for nobody were consumed (no retry loop, no dead letter) and sent nothing;
        # the redeliveries sent nothing either.
        await asyncio.sleep(1)
        subjects = sorted(m["Subject"] for m in catcher.messages())
        assert subjects == [
            "Area Clienti: domiciliazione non attivata",
            "Area Clienti: pagamento registrato per la bolletta B202611-FG10001",
            "Area Clienti: pagamento ricevuto per la bolletta B202611-FG10001",
        ]
        for event, key in zip(
            unknown, ("payment-receipt", "payment-registered", "mandate-activated"), strict=True
        ):
            assert await log.record(f"{event.event_id}:{key}") is None
        for kind in (OnlinePaymentSucceeded, BillPaymentRegistered, MandateChanged):
            queue = service.topology.event_queue("notifications", kind.ROUTING_KEY).name
            assert await take_dead_letters(servers.rabbitmq_url, queue) == []
        bill_page = "https://area.example/bollette/B202611-FG10001"
        assert all(
            bill_page in text_of(m) for m in catcher.messages() if "bolletta" in m["Subject"]
        )
    finally:
        await service.app.stop()  # it closes its own client
        client = connect(servers.mongo_url)
        await client.drop_database(settings.database)
        await client.close()
        catcher.stop()
