"""What a request needs besides its form: the caller's supply or bill, in the right state."""

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter

from sportello_contracts.request_forms import RequestForm
from sportello_requests.domain.admission import (
    AdmissionRules,
    Facts,
    KnownBill,
    KnownSupply,
    Refused,
    admit,
)

TODAY = date(2026, 12, 4)
RULES = AdmissionRules()
FORMS: TypeAdapter[Any] = TypeAdapter(RequestForm)
ADDRESS = {"street": "Via Roma", "number": "12", "post_code": "20121", "city": "Milano",
           "province": "MI"}  # fmt: skip
FACTS = Facts(
    supplies={
        "FE10001": KnownSupply("FE10001", "C00010001", "electricity", "IT001E12345678"),
        "FG10001": KnownSupply("FG10001", "C00010001", "gas", "00881234567890"),
        "FG10009": KnownSupply("FG10009", "C00010001", "gas", "00889999999999", TODAY),
    },
    bills={
        "B1-FG10001": KnownBill("B1-FG10001", "C00010001", "FG10001", 9000, 9000),
        "B2-FG10001": KnownBill("B2-FG10001", "C00010001", "FG10001", 4000, 0),
        "B3-FG10001": KnownBill("B3-FG10001", "C00010001", "FG10001", 3000, 3000),
        "B4-FG10001": KnownBill("B4-FG10001", "C00010001", "FG10001", 8000, 8000, in_plan=True),
    },
    holder_fiscal_code="RSSMRA80A01H501U",
)


def refusal(form: dict[str, Any]) -> tuple[str, int] | None:
    try:
        admit(FORMS.validate_python(form), FACTS, TODAY, RULES)
    except Refused as refused:
        return refused.code, refused.status
    return None


def on(days: int) -> str:
    return (TODAY + timedelta(days)).isoformat()


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"type": "power_change", "supply_id": "FE10001", "power_kw": "6"}, None),
        ({"type": "power_change", "supply_id": "FG10001", "power_kw": "6"},
         ("not_electricity", 409)),
        ({"type": "power_change", "supply_id": "FE99999", "power_kw": "6"},
         ("supply_not_found", 404)),
        ({"type": "deactivation", "supply_id": "FG10001", "on": on(10),
          "last_bill_address": ADDRESS}, None),
        ({"type": "deactivation", "supply_id": "FG10009", "on": on(10),
          "last_bill_address": ADDRESS}, ("supply_ceased", 409)),
        ({"type": "deactivation", "supply_id": "FG10001", "on": on(-1),
          "last_bill_address": ADDRESS}, ("date_in_the_past", 422)),
        ({"type": "deactivation", "supply_id": "FG10001", "on": on(91),
          "last_bill_address": ADDRESS}, ("date_too_far", 422)),
        ({"type": "holder_change", "supply_id": "FE10001", "on": on(5),
          "new_holder": {"fiscal_code": "RSSMRA80A01H501U", "name": "Mario Rossi",
                         "email": "m@rossi.example"}}, ("same_holder", 422)),
        ({"type": "takeover", "supply_id": "FG10009", "on": on(3)}, None),
        ({"type": "takeover", "supply_id": "FG10001", "on": on(3)}, ("supply_active", 409)),
        ({"type": "supplier_switch", "commodity": "electricity", "point_id": "IT001E12345678",
          "current_supplier": "Altra"}, ("already_supplied", 409)),
        ({"type": "supplier_switch", "commodity": "gas", "point_id": "00889999999999",
          "current_supplier": "Altra"}, None),
        ({"type": "instalment_plan", "bill_numbers": ["B1-FG10001"], "instalments": 3}, None),
        ({"type": "instalment_plan", "bill_numbers": ["B2-FG10001"], "instalments": 3},
         ("bill_paid", 409)),
        ({"type": "instalment_plan", "bill_numbers": ["B4-FG10001"], "instalments": 3},
         ("bill_in_plan", 409)),
        ({"type": "instalment_plan", "bill_numbers": ["B3-FG10001"], "instalments": 2},
         ("plan_too_small", 422)),
        ({"type": "instalment_plan", "bill_numbers": ["B9-FE10002"], "instalments": 2},
         ("bill_not_found", 404)),
        ({"type": "bill_correction", "bill_number": "B9-FE10002",
          "reason": "Non è la mia bolletta."}, ("bill_not_found", 404)),
        ({"type": "complaint", "subject": "Importo", "text": "Il consumo è troppo alto.",
          "bill_number": "B1-FG10001", "disputed_cents": 9001}, ("disputed_above_total", 422)),
        ({"type": "complaint", "subject": "Fornitura chiusa", "supply_id": "FG10009",
          "text": "La chiusura è stata fatta in ritardo."}, None),
        ({"type": "information_request", "subject": "Domanda", "supply_id": "FE77777",
          "text": "Quando arriva la prossima bolletta?"}, ("supply_not_found", 404)),
    ],
)  # fmt: skip
def test_a_request_is_admitted_or_refused_with_its_reason(
    form: dict[str, Any], expected: tuple[str, int] | None
) -> None:
    assert refusal(form) == expected
