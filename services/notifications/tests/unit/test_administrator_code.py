"""The administrator code e-mail: to the firm, in Italian, with the code and its expiry."""

from datetime import UTC, datetime

from sportello_contracts.administrators import AdministratorCodeIssued
from sportello_notifications.adapters.templates import render
from sportello_notifications.domain.messages import administrator_code

ISSUED = AdministratorCodeIssued(
    firm_name="Studio Rossi & Figli",
    vat_number="01114601006",
    email="studio@rossi.example.it",
    code="AMM-K7MQ-2XBT-9HZC",
    expires_at=datetime(2026, 12, 17, 10, 0, tzinfo=UTC),
)


def test_the_code_goes_to_the_firm_once_per_event() -> None:
    mail = administrator_code("ev-9", ISSUED, "https://area.example")
    assert mail.to == "studio@rossi.example.it"
    assert mail.key == "ev-9:administrator-code"


def test_both_parts_give_the_code_and_its_expiry_in_italian_escaped() -> None:
    message = render(administrator_code("ev-9", ISSUED, "https://area.example"), "A <a@b.it>")
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Gentile Studio Rossi & Figli," in text
    assert "AMM-K7MQ-2XBT-9HZC" in text
    assert "17/12/2026 10:00" in text
    assert "una sola volta" in text
    assert "AMM-K7MQ-2XBT-9HZC" in html
    assert "Studio Rossi &amp; Figli" in html
    assert "codice amministratore" in message["Subject"]
