"""Notifications' adapters against real servers: the message log's database, an SMTP server."""

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from sportello_contracts.identity import AccountRegistered
from sportello_deploy.servers import MailCatcher, free_port, text_of
from sportello_deploy.testing import random_fiscal_code
from sportello_kit.mongo import connect
from sportello_notifications.adapters.mailer import SmtpMailer
from sportello_notifications.adapters.store import MongoMessageLog
from sportello_notifications.adapters.templates import MailTemplates
from sportello_notifications.domain.messages import Mail, Status, registration_summary
from sportello_notifications.settings import NotificationsSettings

SENDER = "Area Clienti <noreply@sportello.example>"
PASSWORD = "Girasole-di-Marzo-26"


@pytest_asyncio.fixture(loop_scope="session")
async def messages(servers: Any) -> AsyncIterator[MongoMessageLog]:
    client = connect(servers.mongo_url)
    name = f"notifications_test_{uuid4().hex[:8]}"
    try:
        log = MongoMessageLog(client[name])
        await log.create_indexes()
        yield log
    finally:
        await client.drop_database(name)
        await client.close()


def a_mail() -> Mail:
    return Mail(
        key=f"{uuid4()}:registration-summary",
        to=f"giulia.{uuid4().hex[:8]}@example.it",
        subject="Benvenuto nell'Area Clienti: riepilogo della registrazione",
        template="registration_summary",
    )


def a_registration() -> AccountRegistered:
    suffix = uuid4().hex[:8]
    # A producer that wrongly added the password: unknown fields are dropped, never mailed.
    return AccountRegistered.model_validate(
        {
            "account_id": f"acc-{suffix}",
            "username": f"giulia.{suffix}",
            "email": f"giulia.{suffix}@example.it",
            "full_name": "Giulia Bianchi",
            "fiscal_code": random_fiscal_code(),
            "customer_codes": ["C00010002"],
            "registered_at": datetime(2026, 11, 24, 9, 5, tzinfo=UTC),
            "password": PASSWORD,
        }
    )


def settings_for(smtp_port: int, smtp_timeout: float = 5) -> NotificationsSettings:
    # Every field the test relies on is given: the environment fills any left out.
    return NotificationsSettings.model_validate(
        {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_username": None,
            "smtp_password": None,
            "smtp_starttls": False,
            "smtp_timeout": smtp_timeout,
            "sender": SENDER,
        }
    )


# The message log


async def test_a_queued_message_is_recorded_once_however_often_it_is_queued(
    messages: MongoMessageLog,
) -> None:
    mail = a_mail()
    before = datetime.now(UTC) - timedelta(seconds=1)
    await messages.queued(mail)
    await messages.queued(mail)

    record = await messages.record(mail.key)
    assert record is not None
    assert (record.key, record.to, record.template) == (mail.key, mail.to, mail.template)
    assert (record.status, record.attempts) == (Status.QUEUED, 0)
    assert record.created_at > before
    assert (record.last_error, record.sent_at) == (None, None)
    assert await messages.records_to(mail.to) == [record]


async def test_failed_attempts_are_counted_and_the_last_error_kept(
    messages: MongoMessageLog,
) -> None:
    mail = a_mail()
    await messages.queued(mail)
    await messages.attempting(mail)
    await messages.failed(mail, "SMTPConnectError: connection refused")
    await messages.attempting(mail)
    await messages.failed(mail, "SMTPServerDisconnected: " + "x" * 1000)

    record = await messages.record(mail.key)
    assert record is not None
    assert (record.status, record.attempts) == (Status.FAILED, 2)
    assert record.last_error == ("SMTPServerDisconnected: " + "x" * 1000)[:500]


async def test_sent_sets_the_status_and_time_and_a_late_failure_never_hides_it(
    messages: MongoMessageLog,
) -> None:
    mail = a_mail()
    await messages.queued(mail)
    await messages.attempting(mail)
    await messages.failed(mail, "SMTPConnectError: connection refused")
    await messages.attempting(mail)
    before = datetime.now(UTC) - timedelta(seconds=1)
    await messages.sent(mail)
    first = await messages.record(mail.key)

    await messages.failed(mail, "TimeoutError: a late report of an earlier attempt")
    await messages.sent(mail)

    record = await messages.record(mail.key)
    assert record is not None
    assert first == record
    assert (record.status, record.attempts) == (Status.SENT, 2)
    assert record.sent_at is not None
    assert record.sent_at > before


async def test_the_latest_messages_to_an_address_come_newest_first(
    messages: MongoMessageLog,
) -> None:
    first = a_mail()
    second = Mail(first.key + "-again", first.to, first.subject, first.template)
    await messages.queued(first)
    # Creation times are kept to the millisecond, and the newest-first order has no tie-break.
    await asyncio.sleep(0.01)
    await messages.queued(second)
    await messages.queued(a_mail())

    assert [r.key for r in await messages.records_to(first.to)] == [second.key, first.key]
    assert [r.key for r in await messages.records_to(first.to, limit=1)] == [second.key]
    assert await messages.record("no-such-key") is None


# The SMTP mailer


async def test_the_registration_summary_reaches_a_real_smtp_server(tmp_path: Path) -> None:
    catcher = MailCatcher(tmp_path, free_port())
    catcher.start()
    try:
        registered = a_registration()
        mail = registration_summary("ev-1", registered, "https://area.example/login")
        message = MailTemplates(SENDER).render(mail)
        await SmtpMailer(settings_for(catcher.port)).send(message)
        [received] = catcher.messages_to(registered.email)
    finally:
        catcher.stop()

    assert received["To"] == registered.email
    assert received["From"] == SENDER
    assert received["Subject"] == mail.subject
    assert received["Message-ID"] == "<ev-1.registration-summary@sportello.example>"
    text = text_of(received)
    assert registered.username in text
    assert "password non viene mai inviata" in text
    assert PASSWORD not in received.as_string()


async def test_the_mailer_raises_within_its_timeout_when_the_smtp_server_is_down() -> None:
    mailer = SmtpMailer(settings_for(free_port(), smtp_timeout=2))
    message = MailTemplates(SENDER).render(
        registration_summary("ev-2", a_registration(), "https://area.example/login")
    )

    started = time.monotonic()
    with pytest.raises(ConnectionError):  # aiosmtplib's SMTPConnectError is one
        await mailer.send(message)
    assert time.monotonic() - started < 2


async def test_the_mailer_gives_up_after_its_timeout_on_a_server_that_never_answers() -> None:
    with socket.socket() as silent:  # connections are accepted, no greeting ever comes
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mailer = SmtpMailer(settings_for(silent.getsockname()[1], smtp_timeout=0.5))
        message = MailTemplates(SENDER).render(
            registration_summary("ev-3", a_registration(), "https://area.example/login")
        )

        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await mailer.send(message)
        assert 0.4 < time.monotonic() - started < 2


async def test_erasing_an_address_removes_every_record_of_messages_to_it(
    messages: MongoMessageLog,
) -> None:
    kept = Mail(key=f"{uuid4().hex}:x", to="other@example.it", subject="s", template="t")
    for key in (f"{uuid4().hex}:a", f"{uuid4().hex}:b"):
        await messages.queued(Mail(key=key, to="gone@example.it", subject="s", template="t"))
    await messages.queued(kept)
    assert await messages.erase_to("gone@example.it") == 2
    assert await messages.erase_to("gone@example.it") == 0
    assert await messages.records_to("gone@example.it") == []
    assert [r.key for r in await messages.records_to("other@example.it")] == [kept.key]
