"""What customers read: each status, each rejection reason, each step's explanation with its dates
written as Italians write them, the answer to a reading sent, and the reading box."""

from datetime import date
from typing import get_args

import pytest

from sportello_contracts.readings import ReadingBoxState, ReadingStatus, RejectionReason
from sportello_metering.domain.wording import (
    REJECTIONS,
    STATUS_LABELS,
    box_message,
    explain,
    format_date,
    receipt_message,
)

READ_ON = date(2026, 11, 27)
ANSWER_BY = date(2026, 12, 3)


def test_every_status_has_its_label() -> None:
    assert set(STATUS_LABELS) == set(get_args(ReadingStatus))
    assert STATUS_LABELS["received"] == "Ricevuta"
    assert STATUS_LABELS["forwarded"] == "Inviata al distributore"
    assert STATUS_LABELS["validated"] == "Convalidata"
    assert STATUS_LABELS["rejected"] == "Non accettata"
    assert STATUS_LABELS["billed"] == "Usata in bolletta"
    assert STATUS_LABELS["superseded"] == "Sostituita dalla lettura del distributore"


def test_every_rejection_reason_of_the_contracts_has_a_sentence() -> None:
    assert set(REJECTIONS) == set(get_args(RejectionReason))
    for sentence in REJECTIONS.values():
        assert sentence[0].isupper()
        assert sentence.endswith(".")


def test_dates_are_written_day_month_year() -> None:
    assert format_date(date(2026, 3, 5)) == "05/03/2026"


def test_received_says_by_when_the_outcome_is_known() -> None:
    assert explain("received", read_on=READ_ON, answer_by=ANSWER_BY) == (
        "Abbiamo ricevuto la tua lettura del 27/11/2026. La passiamo al distributore: "
        "ti diremo se è stata convalidata entro il 03/12/2026."
    )


def test_received_out_of_window_is_kept_and_says_when_the_next_window_opens() -> None:
    text = explain(
        "received",
        read_on=READ_ON,
        answer_by=ANSWER_BY,
        in_window=False,
        next_opens_on=date(2026, 12, 25),
    )
    assert text.startswith("Abbiamo ricevuto la tua lettura del 27/11/2026.")
    assert "la conserviamo" in text
    assert "non la useremo per la bolletta in corso" in text
    assert text.endswith("Il prossimo periodo si apre il 25/12/2026.")


def test_forwarded_and_validated_say_what_comes_next() -> None:
    forwarded = explain("forwarded", read_on=READ_ON, answer_by=ANSWER_BY)
    assert "al distributore" in forwarded
    assert forwarded.endswith("entro il 03/12/2026.")
    validated = explain("validated", read_on=READ_ON)
    assert validated.startswith("Il distributore ha convalidato la tua lettura del 27/11/2026")


def test_a_rejection_gives_the_reason_and_the_distributors_note() -> None:
    text = explain(
        "rejected",
        read_on=READ_ON,
        reason_code="implausible",
        note="Lettura incompatibile con i consumi rilevati dal distributore.",
    )
    assert text.startswith("Il distributore non ha accettato la tua lettura del 27/11/2026.")
    assert REJECTIONS["implausible"] in text
    assert "«Lettura incompatibile con i consumi rilevati dal distributore»." in text
    assert text.endswith("Puoi comunicare una nuova lettura quando vuoi.")


@pytest.mark.parametrize("code", get_args(RejectionReason))
def test_each_rejection_reads_its_own_sentence(code: str) -> None:
    assert REJECTIONS[code] in explain("rejected", read_on=READ_ON, reason_code=code)


def test_superseded_names_the_distributors_reading_and_the_rule() -> None:
    text = explain("superseded", read_on=READ_ON, distributor_read_on=date(2026, 11, 30))
    assert "Il distributore ha letto il contatore il 30/11/2026" in text
    assert "ARERA" in text
    assert text.endswith("conta al posto della tua autolettura del 27/11/2026.")


def test_billed_names_the_bill() -> None:
    assert explain("billed", read_on=READ_ON, bill_number="2026-000512") == (
        "La tua lettura del 27/11/2026 è stata usata nella bolletta 2026-000512."
    )


def test_an_unknown_status_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown"):
        explain("lost", read_on=READ_ON)


def test_a_reading_sent_again_says_so() -> None:
    explanation = explain("validated", read_on=READ_ON)
    message = receipt_message(explanation, already=True, flagged=False)
    assert message.startswith("Questa lettura ci era già arrivata: il distributore ha convalidato")


def test_a_flagged_reading_is_accepted_with_a_gentle_word() -> None:
    explanation = explain("received", read_on=READ_ON, answer_by=ANSWER_BY)
    message = receipt_message(explanation, already=False, flagged=True)
    assert message.startswith(explanation)
    assert "più alto del solito" in message
    assert "accettata" in message
    assert receipt_message(explanation, already=False, flagged=False) == explanation


def test_every_box_state_has_its_words() -> None:
    window = (date(2026, 11, 25), date(2026, 11, 30))
    for state in get_args(ReadingBoxState):
        assert box_message(state, window=window, next_opens_on=None)
    assert box_message("open", window=window, next_opens_on=None) == (
        "Comunica la lettura entro il 30/11/2026: la useremo in bolletta."
    )
    assert box_message("read_remotely", window=None, next_opens_on=None) == (
        "Il tuo contatore è letto a distanza dal distributore ogni mese: non serve "
        "comunicare l'autolettura."
    )


def test_out_of_window_box_says_when_the_next_window_opens() -> None:
    window = (date(2026, 12, 25), date(2026, 12, 30))
    text = box_message("out_of_window", window=window, next_opens_on=date(2026, 12, 25))
    assert "dal 25/12/2026 al 30/12/2026" in text
    assert "la conserviamo" in text
    alone = box_message("out_of_window", window=None, next_opens_on=date(2026, 12, 25))
    assert "si apre il 25/12/2026" in alone
