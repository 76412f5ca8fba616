"""Delivering a mail with fakes: sent once however often asked, recorded, retried on failure."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from sportello_kit.claims import ClaimHeld
from sportello_notifications.adapters.templates import MailTemplates
from sportello_notifications.domain.messages import Mail, Status
from sportello_notifications.usecases.delivery import deliver

MAIL = Mail(
    key="ev-1:registration-summary",
    to="giulia@example.it",
    subject="Benvenuto",
    template="registration_summary",
    context={
        "full_name": "Giulia Bianchi",
        "username": "giulia.b",
        "email": "giulia@example.it",
        "fiscal_code": "BNC**********05H",
        "customer_codes": ["C00010002"],
        "registered_at": "24/11/2026 09:05",
        "portal_url": "https://area.example",
    },
)
TEMPLATES = MailTemplates("Area Clienti <noreply@sportello.example>")


class FakeClaims:
    """`sportello_kit.claims.Claims` in memory: done once, held while running, freed on error."""

    def __init__(self) -> None:
        self.state: dict[str, str] = {}  # key -> "held" | "done"

    async def once(self, key: str, effect: Callable[[], Awaitable[None]]) -> bool:
        if self.state.get(key) == "done":
            return False
        if self.state.get(key) == "held":
            raise ClaimHeld(key, datetime.now(UTC) + timedelta(seconds=3))
        self.state[key] = "held"
        try:
            await effect()
        except BaseException:
            del self.state[key]
            raise
        self.state[key] = "done"
        return True


class FakeMailer:
    """Accepts mail, after failing the first `failures` sends; `gate` holds a send in flight."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.outbox: list[EmailMessage] = []
        self.gate: asyncio.Event | None = None
        self.sending = asyncio.Event()

    async def send(self, message: EmailMessage) -> None:
        self.sending.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("smtp down")
        self.outbox.append(message)


class FakeMessageLog:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, object]] = {}

    async def queued(self, mail: Mail) -> None:
        self.records.setdefault(mail.key, {"status": Status.QUEUED, "attempts": 0})

    async def attempting(self, mail: Mail) -> None:
        record = self.records[mail.key]
        record["attempts"] = int(str(record["attempts"])) + 1

    async def failed(self, mail: Mail, error: str) -> None:
        if self.records[mail.key]["status"] != Status.SENT:
            self.records[mail.key].update(status=Status.FAILED, last_error=error)

    async def sent(self, mail: Mail) -> None:
        self.records[mail.key]["status"] = Status.SENT


class Post:
    """The use case's dependencies, all fake."""

    def __init__(self, mailer: FakeMailer | None = None) -> None:
        self.claims = FakeClaims()
        self.mailer = mailer or FakeMailer()
        self.messages = FakeMessageLog()

    async def deliver(self, mail: Mail = MAIL) -> bool:
        return await deliver(
            mail,
            claims=self.claims,
            mailer=self.mailer,
            templates=TEMPLATES,
            messages=self.messages,
        )


async def test_a_mail_is_sent_rendered_and_recorded_as_sent() -> None:
    post = Post()
    assert await post.deliver()
    [message] = post.mailer.outbox
    assert message["To"] == "giulia@example.it"
    assert message["Message-ID"] == "<ev-1.registration-summary@sportello.example>"
    assert post.messages.records[MAIL.key] == {"status": Status.SENT, "attempts": 1}


async def test_a_redelivered_event_sends_nothing_more() -> None:
    post = Post()
    await post.deliver()
    assert not await post.deliver()
    assert len(post.mailer.outbox) == 1
    assert post.messages.records[MAIL.key] == {"status": Status.SENT, "attempts": 1}


async def test_a_redelivery_racing_the_first_attempt_sends_nothing_and_is_retried_later() -> None:
    post = Post()
    post.mailer.gate = asyncio.Event()
    first = asyncio.create_task(post.deliver())
    await post.mailer.sending.wait()  # the first attempt is talking to the mail server

    with pytest.raises(ClaimHeld):
        await post.deliver()
    post.mailer.gate.set()
    assert await first
    assert not await post.deliver()  # the bus's retry, once the first is done
    assert len(post.mailer.outbox) == 1


async def test_a_failing_mail_server_raises_records_the_error_and_the_retry_sends() -> None:
    post = Post(FakeMailer(failures=1))
    with pytest.raises(ConnectionRefusedError):
        await post.deliver()
    assert post.mailer.outbox == []
    assert post.messages.records[MAIL.key] == {
        "status": Status.FAILED,
        "attempts": 1,
        "last_error": "ConnectionRefusedError: smtp down",
    }

    assert await post.deliver()  # the bus's retry
    assert len(post.mailer.outbox) == 1
    assert post.messages.records[MAIL.key]["status"] == Status.SENT
    assert post.messages.records[MAIL.key]["attempts"] == 2


async def test_a_mail_sent_by_a_delivery_that_died_before_logging_it_is_logged_as_sent() -> None:
    post = Post()
    post.claims.state[MAIL.key] = "done"  # sent, then the process died before the log said so
    assert not await post.deliver()
    assert post.mailer.outbox == []
    assert post.messages.records[MAIL.key]["status"] == Status.SENT
