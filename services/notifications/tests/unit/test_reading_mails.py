"""The e-mails of a customer's reading, one per outcome of its journey: what each says in both its
parts (metering's explanation, the values with their unit, dates dd/mm/yyyy, the reading's page),
to whom, sent once, and none for a step on the way or a reading nobody sent."""

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import pytest

from sportello_contracts.readings import ReadingStatusChanged
from sportello_kit.claims import ClaimHeld
from sportello_notifications.adapters.templates import MailTemplates
from sportello_notifications.domain.messages import Mail, Recipient, reading_update
from sportello_notifications.usecases.readings import send_reading_update

MARIO = Recipient("acc-7f3a", "mario.rossi@example.it", "Mario Rossi")
PORTAL = "https://area.example/"  # with its trailing slash, as a deployment may set it
READING_ID = "RDG-8C1D2E3F4A5B6C7D8E9F"
READING_PAGE = f"https://area.example/letture/{READING_ID}"
TEMPLATES = MailTemplates("Area Clienti <noreply@sportello.example>")

# What metering writes for each step (its words, carried through as the mail's core).
EXPLANATIONS = {
    "received": "Abbiamo ricevuto la tua lettura: la passiamo al distributore.",
    "forwarded": "Abbiamo passato la tua lettura al distributore.",
    "validated": "Il distributore ha convalidato la tua lettura.",
    "rejected": "Il distributore non ha accettato la lettura: è troppo lontana dai consumi.",
    "billed": "La tua lettura è stata usata nella bolletta 2026-000512.",
    "superseded": "Il distributore ha letto il contatore negli stessi giorni: vale la sua lettura.",
}
SUBJECTS = {
    "received": "Area Clienti: abbiamo ricevuto la tua lettura",
    "validated": "Area Clienti: la tua lettura è stata convalidata",
    "rejected": "Area Clienti: la tua lettura non è stata accettata",
    "billed": "Area Clienti: la tua lettura è stata usata nella bolletta 2026-000512",
    "superseded": "Area Clienti: il distributore ha letto il tuo contatore",
}
LABELS = {
    "received": "Ricevuta",
    "validated": "Convalidata",
    "rejected": "Non accettata",
    "billed": "Usata in bolletta",
    "superseded": "Sostituita dalla lettura del distributore",
}
OUTCOMES = sorted(SUBJECTS)


def changed(status: str = "received", **overrides: Any) -> ReadingStatusChanged:
    values: dict[str, Any] = {
        "reading_id": READING_ID,
        "customer_code": "C00012345",
        "supply_id": "GAS-000123",
        "point_id": "00881234567890",
        "account_id": MARIO.account_id,
        "status": status,
        "on": date(2026, 12, 1),
        "read_on": date(2026, 11, 27),
        "values": {"total": 4521},
        "unit": "m3",
        "explanation": EXPLANATIONS[status],
        "bill_number": "2026-000512" if status == "billed" else None,
        "answer_by": date(2026, 12, 3) if status == "received" else None,
    }
    return ReadingStatusChanged(**{**values, **overrides})


def banded(status: str = "validated", **overrides: Any) -> ReadingStatusChanged:
    """An electricity reading of a meter with one register per time band."""
    return changed(
        status,
        supply_id="ELE-000124",
        point_id="IT001E12345678",
        unit="kWh",
        # Not in band order: the mail lists them F1, F2, F3 all the same.
        values={"F3": 7, "F1": 12345, "F2": 678},
        **overrides,
    )


def mail_of(event: ReadingStatusChanged, event_id: str = "ev-1") -> Mail:
    mail = reading_update(event_id, event, MARIO, PORTAL)
    assert mail is not None
    return mail


def plain(mail: Mail) -> str:
    body = TEMPLATES.render(mail).get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def html(mail: Mail) -> str:
    body = TEMPLATES.render(mail).get_body(("html",))
    assert body is not None
    return str(body.get_content())


# What each mail says


@pytest.mark.parametrize("status", OUTCOMES)
def test_each_outcome_has_its_subject_and_metering_s_explanation_in_both_parts(
    status: str,
) -> None:
    mail = mail_of(changed(status))

    assert (mail.to, mail.key) == ("mario.rossi@example.it", f"ev-1:reading-{status}")
    assert mail.subject == SUBJECTS[status]
    assert mail.template == "reading_update"
    text = plain(mail)
    assert text.startswith("Gentile Mario Rossi,\n\n" + EXPLANATIONS[status])
    assert f"  Stato:              {LABELS[status]} il 01/12/2026" in text
    assert "  Fornitura:          GAS-000123 (PDR 00881234567890)" in text
    assert "  Data della lettura: 27/11/2026" in text
    assert f"La tua lettura: {READING_PAGE}" in text
    page = html(mail)
    assert f"<p>{EXPLANATIONS[status]}</p>" in page
    assert f"<td>Stato</td><td><strong>{LABELS[status]}</strong> il 01/12/2026</td>" in page
    assert f'<a href="{READING_PAGE}">Vedi la tua lettura</a>' in page


def test_the_subjects_of_the_outcomes_are_all_different() -> None:
    subjects = {mail_of(changed(status)).subject for status in OUTCOMES}
    assert len(subjects) == len(OUTCOMES)


def test_a_gas_reading_shows_its_value_in_cubic_metres() -> None:
    mail = mail_of(changed("validated"))

    assert "  Lettura:            4521 m³\n" in plain(mail)
    assert "<td>Lettura</td><td><strong>4521 m³</strong></td>" in html(mail)
    assert "Fascia" not in plain(mail)


def test_a_banded_meter_lists_f1_f2_f3_in_order_in_kwh() -> None:
    mail = mail_of(banded())

    text = plain(mail)
    assert (
        "  Fascia F1:          12345 kWh\n"
        "  Fascia F2:          678 kWh\n"
        "  Fascia F3:          7 kWh\n"
    ) in text
    assert "  Fornitura:          ELE-000124 (POD IT001E12345678)" in text
    assert "m³" not in text
    page = html(mail)
    f1, f2, f3 = (page.index(f"<td>Fascia {band}</td>") for band in ("F1", "F2", "F3"))
    assert f1 < f2 < f3
    assert "<td>Fascia F2</td><td><strong>678 kWh</strong></td>" in page


def test_a_received_reading_says_by_when_its_outcome_comes() -> None:
    mail = mail_of(changed("received"))

    assert "  Esito entro il:     03/12/2026\n" in plain(mail)
    assert "<td>Esito entro il</td><td>03/12/2026</td>" in html(mail)
    assert "fuori dal periodo" not in plain(mail)
    assert "Cosa fare" not in plain(mail)


def test_a_reading_received_outside_the_window_is_kept_and_says_when_the_next_opens() -> None:
    late = changed("received", in_window=False, next_window_opens_on=date(2026, 12, 26))

    mail = mail_of(late)

    text = plain(mail)
    assert "fuori dal periodo di autolettura: la conserviamo" in text
    assert "Il prossimo periodo di autolettura si apre il 26/12/2026." in text
    page = html(mail)
    assert "<strong>fuori dal periodo di autolettura</strong>" in page
    assert "si apre il <strong>26/12/2026</strong>" in page


def test_outside_the_window_with_no_next_window_known_says_no_date() -> None:
    text = plain(mail_of(changed("received", in_window=False)))

    assert "fuori dal periodo di autolettura" in text
    assert "si apre il" not in text


def test_a_rejected_reading_says_what_to_do() -> None:
    mail = mail_of(changed("rejected"))

    text = plain(mail)
    assert "Cosa fare: controlla le cifre sul contatore" in text
    assert "comunica una nuova lettura dall'Area Clienti." in text
    assert "<strong>Cosa fare</strong>" in html(mail)
    assert "Esito entro il" not in text


@pytest.mark.parametrize("status", ["received", "validated", "billed", "superseded"])
def test_only_a_rejection_asks_for_a_new_reading(status: str) -> None:
    assert "Cosa fare" not in plain(mail_of(changed(status)))


def test_a_billed_reading_names_the_bill_and_links_to_it() -> None:
    mail = mail_of(changed("billed"))

    text = plain(mail)
    assert "  Bolletta:           2026-000512\n" in text
    assert "La bolletta: https://area.example/bollette/2026-000512" in text
    page = html(mail)
    assert '<a href="https://area.example/bollette/2026-000512">' in page
    assert "<td>Bolletta</td><td>2026-000512</td>" in page


def test_a_billed_reading_whose_bill_is_not_named_has_a_plain_subject_and_no_bill_link() -> None:
    mail = mail_of(changed("billed", bill_number=None))

    assert mail.subject == "Area Clienti: la tua lettura è stata usata in bolletta"
    assert "/bollette/" not in plain(mail)
    assert "/bollette/" not in html(mail)


@pytest.mark.parametrize("status", ["received", "validated", "rejected", "superseded"])
def test_only_a_billed_reading_links_to_a_bill(status: str) -> None:
    mail = mail_of(changed(status))

    assert "/bollette/" not in plain(mail)
    assert "Bolletta:" not in plain(mail)


def test_a_single_digit_day_and_month_are_written_with_two_digits() -> None:
    text = plain(mail_of(changed("validated", on=date(2027, 1, 5), read_on=date(2026, 12, 31))))

    assert "Convalidata il 05/01/2027" in text
    assert "Data della lettura: 31/12/2026" in text


def test_the_explanation_and_the_name_are_escaped_in_the_html_part() -> None:
    odd = changed("validated", explanation="Convalidata <script>alert(1)</script>")
    someone = Recipient("acc-1", "x@example.it", "<b>Mario</b>")
    mail = reading_update("ev-2", odd, someone, PORTAL)

    assert mail is not None
    page = html(mail)

    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;b&gt;Mario&lt;/b&gt;" in page


def test_passing_the_reading_to_the_distributor_is_no_mail() -> None:
    assert reading_update("ev-3", changed("forwarded"), MARIO, PORTAL) is None


def test_each_step_of_one_reading_is_its_own_mail() -> None:
    keys = {mail_of(changed(status), f"ev-{status}").key for status in OUTCOMES}
    assert len(keys) == len(OUTCOMES)


# Sending it


class FakeDirectory:
    """`MongoRecipients` in memory; counts its look-ups."""

    def __init__(self, *recipients: Recipient) -> None:
        self.known = {r.account_id: r for r in recipients}
        self.asked: list[str] = []

    async def keep(self, recipient: Recipient, at: datetime, session: Any = None) -> bool:
        self.known[recipient.account_id] = recipient
        return True

    async def recipient(self, account_id: str) -> Recipient | None:
        self.asked.append(account_id)
        return self.known.get(account_id)

    async def forget(self, account_id: str, session: Any = None) -> None:
        self.known.pop(account_id, None)


class FakeClaims:
    """Done once per key; a key held by another delivery raises, as the kit's claims do."""

    def __init__(self) -> None:
        self.done: set[str] = set()
        self.held: set[str] = set()

    async def once(self, key: str, effect: Callable[[], Awaitable[None]]) -> bool:
        if key in self.held:
            raise ClaimHeld(key, datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
        if key in self.done:
            return False
        await effect()
        self.done.add(key)
        return True


class FakeMailer:
    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.outbox.append(message)


class FakeMessageLog:
    def __init__(self) -> None:
        self.queued_keys: list[str] = []
        self.recorded_sent: list[str] = []

    async def queued(self, mail: Mail) -> None:
        self.queued_keys.append(mail.key)

    async def attempting(self, mail: Mail) -> None: ...

    async def failed(self, mail: Mail, error: str) -> None: ...

    async def sent(self, mail: Mail) -> None:
        self.recorded_sent.append(mail.key)


class Outbound:
    """Everything `send_reading_update` sends through, in memory."""

    def __init__(self, *recipients: Recipient) -> None:
        self.directory = FakeDirectory(*recipients)
        self.claims = FakeClaims()
        self.mailer = FakeMailer()
        self.messages = FakeMessageLog()

    async def send(self, event_id: str, event: ReadingStatusChanged) -> bool:
        return await send_reading_update(
            event_id,
            event,
            directory=self.directory,
            portal_url=PORTAL,
            claims=self.claims,
            mailer=self.mailer,
            templates=TEMPLATES,
            messages=self.messages,
        )


async def test_the_mail_goes_once_to_the_sender_however_often_its_event_comes() -> None:
    out = Outbound(MARIO)

    first = await out.send("ev-1", changed("validated"))
    again = await out.send("ev-1", changed("validated"))  # the same event, delivered twice

    assert (first, again) == (True, False)
    (sent,) = out.mailer.outbox
    assert sent["To"] == "mario.rossi@example.it"
    assert sent["Subject"] == "Area Clienti: la tua lettura è stata convalidata"
    assert sent["Message-ID"] == "<ev-1.reading-validated@sportello.example>"
    assert out.messages.recorded_sent == ["ev-1:reading-validated", "ev-1:reading-validated"]


async def test_each_outcome_of_one_reading_is_mailed() -> None:
    out = Outbound(MARIO)

    for number, status in enumerate(("received", "forwarded", "validated", "billed")):
        await out.send(f"ev-{number}", changed(status))

    assert [m["Subject"] for m in out.mailer.outbox] == [
        SUBJECTS["received"],
        SUBJECTS["validated"],
        SUBJECTS["billed"],
    ]


async def test_a_delivery_racing_the_first_one_raises_for_a_later_retry() -> None:
    out = Outbound(MARIO)
    out.claims.held.add("ev-1:reading-rejected")

    with pytest.raises(ClaimHeld):
        await out.send("ev-1", changed("rejected"))
    assert out.mailer.outbox == []


async def test_passing_to_the_distributor_is_consumed_and_mails_nobody() -> None:
    out = Outbound(MARIO)

    assert await out.send("ev-4", changed("forwarded")) is False
    assert out.mailer.outbox == []
    assert out.messages.queued_keys == []
    assert out.directory.asked == []  # not even looked up: there is nothing to tell


async def test_a_reading_sent_by_no_account_mails_nobody() -> None:
    out = Outbound(MARIO)

    assert await out.send("ev-5", changed("superseded", account_id=None)) is False
    assert out.mailer.outbox == []
    assert out.directory.asked == []


async def test_an_account_the_directory_does_not_know_gets_no_mail_and_no_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    out = Outbound(MARIO)

    sent = await out.send("ev-6", changed("validated", account_id="acc-unknown"))

    assert sent is False
    assert out.mailer.outbox == []
    assert out.messages.queued_keys == []
    assert READING_ID in caplog.text
    assert "no address known for account acc-unknown" in caplog.text


def test_the_service_consumes_the_reading_s_steps() -> None:
    # Here, not at the top: the service is built from the environment's settings, and a
    # problem there fails this test alone.
    from sportello_notifications.main import service

    assert ReadingStatusChanged.ROUTING_KEY in service.subscriptions
