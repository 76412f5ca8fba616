"""The request forms: one model per type, told apart by `type`, each refusing what no request
of its type can hold."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from sportello_contracts.envelope import Event
from sportello_contracts.request_forms import (
    ANSWERED_IN_WRITING,
    POWER_STEPS_KW,
    Complaint,
    InstalmentPlan,
    PowerChange,
    RequestForm,
)
from sportello_contracts.requests import (
    CANCEL_REQUEST,
    LIST_REQUESTS,
    SUBMIT_REQUEST,
    RequestSubmitted,
)

FORMS: TypeAdapter[Any] = TypeAdapter(RequestForm)
ADDRESS = {"street": "Via Roma", "number": "12", "post_code": "20121", "city": "Milano",
           "province": "MI"}  # fmt: skip
GOOD: list[dict[str, Any]] = [
    {"type": "power_change", "supply_id": "FE10001", "power_kw": "4.5"},
    {"type": "deactivation", "supply_id": "FG10001", "on": "2027-01-15",
     "final_reading": "07950", "last_bill_address": ADDRESS},
    {"type": "holder_change", "supply_id": "FE10001", "on": "2027-01-01",
     "new_holder": {"fiscal_code": "BNCGLI85M52F205H", "name": "Giulia Bianchi",
                    "email": "giulia@bianchi.example"}},
    {"type": "takeover", "supply_id": "FG10002", "on": "2027-01-10"},
    {"type": "supplier_switch", "commodity": "electricity", "point_id": "IT001E12345678",
     "current_supplier": "Altra Energia"},
    {"type": "instalment_plan", "bill_numbers": ["B202611-FG10001"], "instalments": 3},
    {"type": "bill_correction", "bill_number": "B202611-FG10001",
     "reason": "La lettura usata non è quella che ho comunicato."},
    {"type": "complaint", "subject": "Bolletta troppo alta", "bill_number": "B202611-FG10001",
     "text": "Il consumo fatturato è il triplo del solito.", "disputed_cents": 12000},
    {"type": "information_request", "subject": "Bonus sociale",
     "text": "Vorrei sapere se la mia famiglia ne ha diritto."},
]  # fmt: skip


@pytest.mark.parametrize("form", GOOD, ids=[f["type"] for f in GOOD])
def test_each_type_reads_as_its_own_model(form: dict[str, Any]) -> None:
    read = FORMS.validate_python(form)
    assert type(read).model_fields["type"].default == form["type"]  # its own model, by `type`
    assert FORMS.validate_json(FORMS.dump_json(read)) == read


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"type": "power_change", "supply_id": "FE10001", "power_kw": "4.2"}, "standard steps"),
        ({"type": "power_change", "supply_id": "FE10001", "power_kw": "100"}, "less than"),
        ({"type": "instalment_plan", "bill_numbers": ["B1-FG1", "B1-FG1"], "instalments": 3},
         "twice"),
        ({"type": "instalment_plan", "bill_numbers": ["B1-FG1"], "instalments": 1}, "greater"),
        ({"type": "instalment_plan", "bill_numbers": [], "instalments": 3}, "at least 1"),
        ({"type": "complaint", "subject": "x", "text": "troppo corto"[:5]}, "at least 10"),
        ({"type": "complaint", "subject": "Importo", "text": "Non sono d'accordo.",
          "disputed_cents": 500}, "bill_number"),
        ({"type": "deactivation", "supply_id": "FG10001", "on": "2027-01-15",
          "final_reading": "07a50", "last_bill_address": ADDRESS}, "pattern"),
        ({"type": "teleport", "supply_id": "FG10001"}, "does not match any of the expected"),
        ({"supply_id": "FG10001"}, "Unable to extract tag"),
    ],
)  # fmt: skip
def test_what_no_request_of_its_type_can_hold_is_refused(
    form: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        FORMS.validate_python(form)
    assert problem in str(refused.value)


def test_the_standard_power_steps_are_accepted_and_only_they() -> None:
    for step in POWER_STEPS_KW:
        assert PowerChange(supply_id="FE10001", power_kw=step).power_kw == step
    with pytest.raises(ValidationError):
        PowerChange(supply_id="FE10001", power_kw=Decimal("3.3"))


def test_the_types_answered_in_writing_are_the_regulators_three() -> None:
    assert ANSWERED_IN_WRITING == {
        "complaint": "complaint",
        "information_request": "information",
        "bill_correction": "bill_correction",
    }
    assert Complaint(subject="Ritardo", text="Nessuna risposta da un mese.").supply_id is None
    assert InstalmentPlan(bill_numbers=("B202611-FG10001",), instalments=36).instalments == 36
    with pytest.raises(ValidationError):
        InstalmentPlan(bill_numbers=("B202611-FG10001",), instalments=37)


def test_a_submitted_request_carries_its_whole_form_to_the_back_office() -> None:
    form = FORMS.validate_python(GOOD[0])
    submitted = RequestSubmitted(
        request_id="REQ-0123456789ABCDEF0123",
        customer_code="C00010001",
        account_id="acc-1",
        submitted_at=datetime(2026, 12, 4, 9, tzinfo=UTC),
        form=form,
    )
    event = Event.new(submitted, producer="requests", correlation_id="c-1")
    read = Event[RequestSubmitted].model_validate_json(event.model_dump_json())
    assert read.payload.form == form
    assert isinstance(read.payload.form, PowerChange)
    assert SUBMIT_REQUEST.command
    assert CANCEL_REQUEST.command
    assert not LIST_REQUESTS.command
