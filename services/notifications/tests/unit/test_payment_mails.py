"""The e-mails of payments and direct-debit mandates: what each says, in both its parts, with
amounts and dates the Italian way, links to the portal and never a whole IBAN."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from sportello_contracts.payments import (
    BillPaymentRegistered,
    MandateChanged,
    OnlinePaymentSucceeded,
)
from sportello_notifications.adapters.templates import MailTemplates
from sportello_notifications.domain.messages import (
    Mail,
    Recipient,
    euros,
    italian_date,
    mandate_outcome,
    payment_receipt,
    payment_registered,
)

MARIO = Recipient("acc-7f3a", "mario.rossi@example.it", "Mario Rossi")
PORTAL = "https://area.example/"  # with its trailing slash, as a deployment may set it
MASKED = "IT** **** **** **** **** ***3 456"
WHOLE_IBAN = "IT60X0542811101000000123456"
TEMPLATES = MailTemplates("Area Clienti <noreply@sportello.example>")


def plain(mail: Mail) -> str:
    body = TEMPLATES.render(mail).get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def html(mail: Mail) -> str:
    body = TEMPLATES.render(mail).get_body(("html",))
    assert body is not None
    return str(body.get_content())


def paid(**overrides: Any) -> OnlinePaymentSucceeded:
    values: dict[str, Any] = {
        "payment_id": "PAY-0123456789ABCDEF0123",
        "bill_number": "B202611-FG10001",
        "customer_code": "C00012345",
        "account_id": MARIO.account_id,
        "amount_cents": 123_456,
        "method": "pagopa",
        "provider": "sandbox",
        "provider_reference": "chk_9f8e7d",
        "notice_number": "301000000000012345",
        "paid_at": datetime(2026, 12, 3, 10, 15, tzinfo=UTC),
    }
    return OnlinePaymentSucceeded(**{**values, **overrides})


def registered(**overrides: Any) -> BillPaymentRegistered:
    values: dict[str, Any] = {
        "bill_number": "B202611-FG10001",
        "customer_code": "C00012345",
        "registration_id": "REG-2026-0042",
        "amount_cents": 123_456,
        "paid_on": date(2026, 12, 3),
        "channel": "pagopa",
        "amount_due_cents": 0,
        "account_id": MARIO.account_id,
    }
    return BillPaymentRegistered(**{**values, **overrides})


def mandate(**overrides: Any) -> MandateChanged:
    values: dict[str, Any] = {
        "mandate_reference": "MND-2026-000042",
        "state": "active",
        "account_id": MARIO.account_id,
        "customer_codes": ("C00012345",),
        "billing_profiles": ("BP-000124",),
        "holder_name": "Mario Rossi",
        "iban_masked": MASKED,
        "on": date(2026, 12, 1),
    }
    return MandateChanged(**{**values, **overrides})


# Amounts and dates


@pytest.mark.parametrize(
    ("cents", "shown"),
    [
        (123_456, "1.234,56 €"),
        (5, "0,05 €"),
        (100, "1,00 €"),
        (99_999_999, "999.999,99 €"),
        (100_000_000, "1.000.000,00 €"),
        (-2_050, "-20,50 €"),
    ],
)
def test_amounts_are_written_the_italian_way(cents: int, shown: str) -> None:
    assert euros(cents) == shown


def test_dates_are_written_the_italian_way() -> None:
    assert italian_date(date(2026, 12, 3)) == "3 dicembre 2026"
    assert italian_date(date(2027, 1, 31)) == "31 gennaio 2027"
    assert italian_date(date(2026, 8, 1)) == "1º agosto 2026"


# The receipt of a bill paid online


def test_the_receipt_says_what_was_paid_and_that_the_bill_shows_it_being_registered() -> None:
    mail = payment_receipt("ev-1", paid(), MARIO, PORTAL)

    assert (mail.to, mail.key) == ("mario.rossi@example.it", "ev-1:payment-receipt")
    assert mail.subject == "Area Clienti: pagamento ricevuto per la bolletta B202611-FG10001"
    text = plain(mail)
    assert text.startswith("Gentile Mario Rossi,")
    assert "Importo pagato:    1.234,56 €" in text
    assert "Pagata il:         3 dicembre 2026 alle 10:15 (UTC)" in text
    assert "Metodo:            pagoPA" in text
    assert "Avviso pagoPA:     301000000000012345" in text
    assert "Codice pagamento:  PAY-0123456789ABCDEF0123" in text
    assert '"Pagata, in registrazione"' in text
    assert "entro pochi giorni" in text
    assert "La bolletta: https://area.example/bollette/B202611-FG10001" in text
    page = html(mail)
    assert "<strong>1.234,56 €</strong>" in page
    assert "&laquo;Pagata, in registrazione&raquo;" in page
    assert 'href="https://area.example/bollette/B202611-FG10001"' in page


def test_a_card_payments_receipt_has_no_notice_and_its_time_is_given_in_utc() -> None:
    rome = timezone(timedelta(hours=1))
    card = paid(
        method="card", notice_number=None, paid_at=datetime(2026, 12, 4, 0, 30, tzinfo=rome)
    )

    text = plain(payment_receipt("ev-2", card, MARIO, PORTAL))

    assert "Metodo:            carta di pagamento" in text
    assert "Avviso pagoPA" not in text
    assert "Pagata il:         3 dicembre 2026 alle 23:30 (UTC)" in text
    assert "Avviso pagoPA" not in html(payment_receipt("ev-2", card, MARIO, PORTAL))


def test_names_in_the_html_part_are_escaped() -> None:
    someone = Recipient("acc-1", "x@example.it", "<script>alert(1)</script>")

    page = html(payment_receipt("ev-3", paid(), someone, PORTAL))

    assert "<script>" not in page
    assert "&lt;script&gt;" in page


# The payment registered by the supplier


def test_a_registration_that_settles_the_bill_says_it_is_paid() -> None:
    mail = payment_registered("ev-4", registered(), MARIO, PORTAL)

    assert (mail.to, mail.key) == ("mario.rossi@example.it", "ev-4:payment-registered")
    assert mail.subject == "Area Clienti: pagamento registrato per la bolletta B202611-FG10001"
    text = plain(mail)
    assert "abbiamo registrato il pagamento di 1.234,56 € della bolletta B202611-FG10001," in text
    assert "effettuato il 3 dicembre 2026 con pagoPA." in text
    assert "La bolletta risulta pagata" in text
    assert "Resta da pagare" not in text
    assert "https://area.example/bollette/B202611-FG10001" in text
    page = html(mail)
    assert "risulta <strong>pagata</strong>" in page
    assert "Resta da pagare" not in page


def test_a_partial_payment_says_what_is_left_to_pay() -> None:
    partial = registered(amount_cents=50_000, amount_due_cents=73_456, channel="card")

    mail = payment_registered("ev-5", partial, MARIO, PORTAL)

    text = plain(mail)
    assert "il pagamento di 500,00 € della bolletta" in text
    assert "effettuato il 3 dicembre 2026 con carta di pagamento." in text
    assert "Resta da pagare: 734,56 €." in text
    assert "risulta pagata" not in text
    assert "Resta da pagare: <strong>734,56 €</strong>" in html(mail)


def test_an_overpaying_registration_says_paid_and_no_negative_amount() -> None:
    text = plain(payment_registered("ev-6", registered(amount_due_cents=-500), MARIO, PORTAL))

    assert "La bolletta risulta pagata" in text
    assert "-5,00" not in text


def test_a_channel_the_back_office_does_not_name_is_left_out() -> None:
    text = plain(payment_registered("ev-7", registered(channel="other"), MARIO, PORTAL))

    assert "effettuato il 3 dicembre 2026.\n" in text


# The mandate's outcome


def test_an_active_mandate_says_from_when_and_on_which_account() -> None:
    mail = mandate_outcome("ev-8", mandate(), MARIO, PORTAL)

    assert mail is not None
    assert (mail.to, mail.key) == ("mario.rossi@example.it", "ev-8:mandate-activated")
    assert mail.subject == "Area Clienti: domiciliazione attivata"
    text = plain(mail)
    assert "la domiciliazione è attiva dal 1º dicembre 2026." in text
    assert "Riferimento del mandato:  MND-2026-000042" in text
    assert f"Conto di addebito:        IBAN {MASKED}, intestato a Mario Rossi" in text
    assert "Profili di pagamento:     BP-000124" in text
    assert "le bollette di questo profilo ti vengono addebitate" in text
    assert "non attivata" not in text
    page = html(mail)
    assert f"IBAN <strong>{MASKED}</strong>" in page
    assert '<a href="https://area.example/profili-di-pagamento/BP-000124">BP-000124</a>' in page


def test_a_refused_mandate_gives_the_reason_and_what_to_do() -> None:
    refused = mandate(
        state="refused",
        reason="Conto estinto",
        billing_profiles=("BP-000124", "BP-000125"),
        on=date(2026, 12, 2),
    )

    mail = mandate_outcome("ev-9", refused, MARIO, PORTAL)

    assert mail is not None
    assert (mail.key, mail.template) == ("ev-9:mandate-refused", "mandate_refused")
    assert mail.subject == "Area Clienti: domiciliazione non attivata"
    text = plain(mail)
    assert "il 2 dicembre 2026 la banca non ha accettato il mandato" in text
    assert "Motivo:                   Conto estinto" in text
    assert f"Conto indicato:           IBAN {MASKED}, intestato a Mario Rossi" in text
    assert "controlla che l'IBAN e l'intestatario del conto siano corretti" in text
    assert "richiedi di nuovo la domiciliazione dalla pagina" in text
    assert "- BP-000124: https://area.example/profili-di-pagamento/BP-000124" in text
    assert "- BP-000125: https://area.example/profili-di-pagamento/BP-000125" in text
    page = html(mail)
    assert "<td>Motivo</td><td>Conto estinto</td>" in page
    assert 'href="https://area.example/profili-di-pagamento/BP-000125"' in page
    assert "<strong>non è stata attivata</strong>" in page


def test_a_refusal_without_reason_or_profiles_still_says_where_to_ask_again() -> None:
    mail = mandate_outcome("ev-10", mandate(state="refused", billing_profiles=()), MARIO, PORTAL)

    assert mail is not None
    text = plain(mail)
    assert "Motivo" not in text
    assert "  https://area.example/profili-di-pagamento\n" in text
    assert 'href="https://area.example/profili-di-pagamento"' in html(mail)


def test_a_pending_mandate_is_no_mail() -> None:
    assert mandate_outcome("ev-11", mandate(state="pending"), MARIO, PORTAL) is None


@pytest.mark.parametrize("state", ["active", "refused"])
def test_a_whole_iban_from_a_faulty_producer_never_reaches_the_mail(state: str) -> None:
    mail = mandate_outcome("ev-12", mandate(state=state, iban_masked=WHOLE_IBAN), MARIO, PORTAL)

    assert mail is not None
    rendered = TEMPLATES.render(mail).as_string()
    assert WHOLE_IBAN not in rendered
    assert WHOLE_IBAN[4:-4] not in rendered
    assert "IT** **** **** **** **** ***3 456" in plain(mail)
