"""The registration summary e-mail: what it says, and what it never says."""

from datetime import UTC, datetime

from sportello_contracts.identity import AccountRegistered
from sportello_notifications.adapters.templates import render
from sportello_notifications.domain.messages import registration_summary

REGISTERED = AccountRegistered(
    account_id="acc-1",
    username="giulia.b",
    email="giulia@example.it",
    full_name="Giulia Bianchi & C.",
    fiscal_code="BNCGLI85M52F205H",
    customer_codes=("C00010002", "C00010003"),
    registered_at=datetime(2026, 11, 24, 9, 5, tzinfo=UTC),
)


def test_the_summary_goes_to_the_account_address_once_per_event() -> None:
    mail = registration_summary("ev-1", REGISTERED, "https://area.example/login")
    assert mail.to == "giulia@example.it"
    assert mail.key == "ev-1:registration-summary"
    assert registration_summary("ev-1", REGISTERED, "x").key == mail.key


def test_the_summary_lists_the_data_in_italian_and_hides_most_of_the_fiscal_code() -> None:
    message = render(
        registration_summary("ev-1", REGISTERED, "https://area.example/login"), "A <a@b.it>"
    )
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Gentile Giulia Bianchi & C.," in text
    assert "giulia.b" in text
    assert "C00010002, C00010003" in text
    assert "24/11/2026 09:05" in text
    assert "BNC**********05H" in text
    assert "BNCGLI85M52F205H" not in message.as_string()
    assert "password non viene mai inviata" in text
    assert "https://area.example/login" in text


def test_the_html_part_escapes_what_the_back_office_sent() -> None:
    message = render(registration_summary("ev-1", REGISTERED, "https://area.example"), "A <a@b.it>")
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Giulia Bianchi &amp; C." in html
    assert message["Message-ID"] == "<ev-1.registration-summary@sportello.example>"
