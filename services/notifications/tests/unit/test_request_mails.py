"""The mail of a request's change: its subject per status, the back-office's words, a late
answer's compensation, the link to the request; plain text and HTML."""

from datetime import UTC, datetime
from typing import Any

import pytest

from sportello_contracts.requests import RequestStatusChanged
from sportello_notifications.adapters.templates import MailTemplates
from sportello_notifications.domain.messages import Recipient, request_update

TEMPLATES = MailTemplates("Area Clienti <noreply@sportello.example>")
MARIO = Recipient("acc-1", "mario@rossi.example", "Mario Rossi")


def changed(status: str, **overrides: Any) -> RequestStatusChanged:
    fields: dict[str, Any] = {
        "request_id": "REQ-0123456789ABCDEF0123",
        "customer_code": "C00010001",
        "account_id": "acc-1",
        "type": "complaint",
        "status": status,
        "at": datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # 1 January in Italy
        "by": "backoffice",
    }
    return RequestStatusChanged(**(fields | overrides))


@pytest.mark.parametrize(
    ("status", "subject"),
    [
        ("submitted", "Area Clienti: abbiamo ricevuto la tua richiesta"),
        ("in_progress", "Area Clienti: la tua richiesta è in lavorazione"),
        ("completed", "Area Clienti: la tua richiesta è stata completata"),
        ("rejected", "Area Clienti: la tua richiesta non è stata accolta"),
        ("cancelled", "Area Clienti: la tua richiesta è stata annullata"),
    ],
)
def test_each_status_has_its_subject_and_a_key_of_its_own(status: str, subject: str) -> None:
    mail = request_update("ev-1", changed(status), MARIO, "https://area.example/")
    assert mail.subject == subject
    assert mail.key == f"ev-1:request-{status}"
    assert mail.to == "mario@rossi.example"


def test_a_late_answer_says_the_compensation_and_the_back_offices_words() -> None:
    update = changed(
        "completed", message="Abbiamo ricalcolato la bolletta.", compensation_cents=3000
    )
    mail = request_update("ev-2", update, MARIO, "https://area.example/")
    for kind in ("plain", "html"):
        body = TEMPLATES.render(mail).get_body((kind,))
        assert body is not None
        text = body.get_content()
        assert "Reclamo (REQ-0123456789ABCDEF0123)" in text
        assert "01/01/2027" in text  # the day in Italy
        assert "Abbiamo ricalcolato la bolletta." in text
        assert "30,00" in text
        assert "https://area.example/richieste/REQ-0123456789ABCDEF0123" in text


def test_an_answer_in_time_says_no_compensation() -> None:
    mail = request_update("ev-3", changed("completed"), MARIO, "https://area.example")
    body = TEMPLATES.render(mail).get_body(("plain",))
    assert body is not None
    assert "indennizzo" not in body.get_content()
