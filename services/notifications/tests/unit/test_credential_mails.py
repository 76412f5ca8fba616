"""The e-mails of lost credentials, password and address changes: what they say, to whom, and
where the token goes."""

from datetime import UTC, datetime
from pathlib import Path

from sportello_contracts.contacts import (
    EmailChanged,
    EmailConfirmationIssued,
    PhoneChanged,
    PhoneCodeIssued,
)
from sportello_contracts.credentials import PasswordChanged, PasswordResetIssued
from sportello_notifications.adapters.sms import SmsFolder
from sportello_notifications.adapters.templates import render
from sportello_notifications.domain.messages import (
    email_changed,
    email_confirmation,
    password_changed,
    password_reset,
    phone_changed,
    phone_code,
)

TOKEN = "pr_Vb3k9QxT2mWz8LcR5nYp1aHs7dJf4uEg6oIt0eKyBwM"
ISSUED = PasswordResetIssued(
    account_id="acc-1",
    username="giulia.b",
    full_name="Giulia Bianchi",
    email="giulia@example.it",
    reset_token=TOKEN,
    expires_at=datetime(2026, 11, 24, 9, 35, tzinfo=UTC),
)


def _text(mail: object) -> str:
    message = render(mail, "A <a@b.it>")  # type: ignore[arg-type]
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr,no-any-return]


def test_the_reset_mail_carries_the_username_and_the_link_in_its_fragment() -> None:
    mail = password_reset("ev-1", ISSUED, "https://area.example/reimposta-password")
    assert mail.to == "giulia@example.it"
    assert mail.key == "ev-1:password-reset"
    text = _text(mail)
    assert "Il tuo nome utente è:   giulia.b" in text
    assert f"https://area.example/reimposta-password#token={TOKEN}" in text
    assert "scade il 24/11/2026 09:35 (UTC)" in text
    assert TOKEN not in repr(mail)  # the mail as logged or shown in a traceback


def test_the_reset_mails_html_link_is_the_same_link() -> None:
    mail = password_reset("ev-1", ISSUED, "https://area.example/reimposta-password")
    html = render(mail, "A <a@b.it>").get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert f'href="https://area.example/reimposta-password#token={TOKEN}"' in html


def test_the_security_notice_says_how_the_password_changed() -> None:
    changed = PasswordChanged(
        account_id="acc-1",
        username="giulia.b",
        full_name="Giulia Bianchi",
        email="giulia@example.it",
        at=datetime(2026, 11, 24, 9, 40, tzinfo=UTC),
        how="changed",
    )
    text = _text(password_changed("ev-2", changed, "https://area.example"))
    assert "è stata modificata dal\nprofilo il 24/11/2026 09:40 (UTC)" in text
    assert "Password dimenticata?" in text
    reset = _text(password_changed("ev-3", changed.model_copy(update={"how": "reset"}), "x"))
    assert "reimpostata con il\nlink di recupero" in reset


CONFIRMATION = EmailConfirmationIssued(
    account_id="acc-1",
    username="giulia.b",
    full_name="Giulia Bianchi",
    new_email="giulia@nuovo.example",
    current_email="giulia@example.it",
    confirmation_token="ec_Qm4nT8vXz2LkP6wR1yHc9bJd3sFa7uEo5iGt0eKyBwN",
    expires_at=datetime(2026, 11, 25, 9, 5, tzinfo=UTC),
)


def test_the_link_goes_to_the_new_address_and_only_a_notice_to_the_current_one() -> None:
    link, notice = email_confirmation("ev-4", CONFIRMATION, "https://area.example/conferma")
    assert (link.to, notice.to) == ("giulia@nuovo.example", "giulia@example.it")
    assert f"https://area.example/conferma#token={CONFIRMATION.confirmation_token}" in _text(link)
    notice_text = _text(notice)
    assert "nuovo indirizzo\ne-mail: giulia@nuovo.example" in notice_text
    assert CONFIRMATION.confirmation_token not in render(notice, "A <a@b.it>").as_string()
    assert link.key != notice.key


def test_no_notice_when_the_new_address_is_where_mail_goes_already() -> None:
    same = CONFIRMATION.model_copy(update={"current_email": "giulia@nuovo.example"})
    assert [m.to for m in email_confirmation("ev-5", same, "x")] == ["giulia@nuovo.example"]


def test_the_old_address_is_told_where_mail_goes_from_now_on() -> None:
    changed = EmailChanged(
        account_id="acc-1",
        username="giulia.b",
        full_name="Giulia Bianchi",
        old_email="giulia@example.it",
        new_email="giulia@nuovo.example",
        at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
    )
    mail = email_changed("ev-6", changed, "https://area.example")
    assert mail.to == "giulia@example.it"
    assert "arrivano al nuovo indirizzo giulia@nuovo.example" in _text(mail)


async def test_a_code_is_texted_as_one_file_in_the_folders_new(tmp_path: Path) -> None:
    issued = PhoneCodeIssued(
        account_id="acc-1",
        phone="+393331234567",
        code="480213",
        expires_at=datetime(2026, 11, 25, 9, 10, tzinfo=UTC),
    )
    text = phone_code("ev-7", issued)
    assert "480213" not in repr(text)
    await SmsFolder(tmp_path).send(text)
    (sent,) = (tmp_path / "new").iterdir()
    body = sent.read_text()
    assert body.startswith("To: +393331234567\nKey: ev-7:phone-code\n\n")
    assert "il codice per confermare questo numero è 480213" in body
    assert "Scade il 25/11/2026 09:10 (UTC)" in body
    assert list((tmp_path / "tmp").iterdir()) == []


def test_the_phone_notice_goes_to_the_accounts_address() -> None:
    changed = PhoneChanged(
        account_id="acc-1",
        username="giulia.b",
        full_name="Giulia Bianchi",
        email="giulia@example.it",
        new_phone="+393331234567",
        at=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
    )
    mail = phone_changed("ev-8", changed, "https://area.example")
    assert mail.to == "giulia@example.it"
    assert "è +393331234567, confermato con il codice" in _text(mail)
