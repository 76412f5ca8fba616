"""Delivering a mail with fakes: sent once however often asked, recorded, retried on failure."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import TypeVar

import pytest

from sportello_contracts.account_deletion import AccountDeleted, NotificationsAccountDataErased
from sportello_contracts.envelope import EventPayload
from sportello_kit.claims import ClaimHeld
from sportello_notifications.adapters.templates import MailTemplates
from sportello_notifications.domain.messages import Mail, Status
from sportello_notifications.usecases.account_deletion import erase_account_data
from sportello_notifications.usecases.delivery import deliver

T = TypeVar("T")

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


# A deleted account


class ErasableLog(FakeMessageLog):
    def __init__(self) -> None:
        super().__init__()
        self.to: dict[str, str] = {}

    async def queued(self, mail: Mail) -> None:
        await super().queued(mail)
        self.to[mail.key] = mail.to

    async def erase_to(self, address: str, session: object) -> int:
        erased = [key for key, to in self.to.items() if to == address]
        for key in erased:
            del self.records[key], self.to[key]
        return len(erased)


class FakeTransaction:
    session = None

    def __init__(self) -> None:
        self.emitted: list[EventPayload] = []

    async def emit(self, payload: EventPayload) -> object:
        self.emitted.append(payload)
        return payload


class FakeTransactions:
    def __init__(self) -> None:
        self.emitted: list[EventPayload] = []

    async def transaction(self, work: Callable[[FakeTransaction], Awaitable[T]]) -> T:
        tx = FakeTransaction()
        done = await work(tx)
        self.emitted.extend(tx.emitted)
        return done


DELETED = AccountDeleted(
    deletion_id="d-1",
    account_id="acc-1",
    customer_codes=("C00010002",),
    email="giulia@example.it",
    deleted_at=datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
)


async def test_a_deleted_account_is_told_then_its_messages_are_erased_and_it_is_confirmed() -> None:
    post, log, transactions = Post(), ErasableLog(), FakeTransactions()
    post.messages = log
    await post.deliver()  # the registration summary, long ago
    await post.deliver(replace(MAIL, key="ev-2:other", to="someone.else@example.it"))
    now = datetime(2026, 12, 3, 10, 1, tzinfo=UTC)

    for _ in range(2):  # a redelivery sends nothing more, and erases what it recorded again
        await erase_account_data(
            "ev-9",
            DELETED,
            claims=post.claims,
            mailer=post.mailer,
            templates=TEMPLATES,
            messages=log,
            transactions=transactions,
            now=now,
        )

    confirmations = [m for m in post.mailer.outbox if m["To"] == "giulia@example.it"]
    assert [m["Subject"] for m in confirmations] == [
        "Benvenuto",
        "Area Clienti: il tuo account è stato cancellato",
    ]
    assert "C00010002" in confirmations[1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert list(log.to.values()) == ["someone.else@example.it"]
    erased = NotificationsAccountDataErased(deletion_id="d-1", account_id="acc-1", erased_at=now)
    assert transactions.emitted == [erased, erased]
