"""The two-year limit: lines billing days more than two years before the bill's issue date."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from sportello_billing.domain.bills import Bill
from sportello_billing.domain.time_barred import time_barred
from sportello_contracts.bills import BillLine, ConsumptionBilled, LineSection

ISSUED = date(2026, 3, 10)


def make_bill(*lines: BillLine, issued: date = ISSUED, **changes: object) -> Bill:
    bill = Bill(
        bill_number="FT0001",
        customer_code="C00010002",
        supply_id="SUP-0001",
        billing_profile="BP-000001",
        period_start=issued - timedelta(days=60),
        period_end=issued - timedelta(days=1),
        issued_on=issued,
        due_on=issued + timedelta(days=20),
        total_cents=sum(line.amount_cents for line in lines),
        credit_applied_cents=0,
        lines=lines,
        consumption=ConsumptionBilled(quantity=Decimal(100), unit="Smc"),
        readings=(),
        payment_method="direct_debit",
        notice_position=None,
        after_billing_gap=False,
        after_meter_fault=False,
    )
    return Bill(**{**bill.__dict__, **changes})


def late(cents: int, end: date, section: LineSection = "adjustment") -> BillLine:
    return BillLine(
        section=section,
        description="Conguaglio gas",
        amount_cents=cents,
        period_start=end - timedelta(days=90),
        period_end=end,
        catch_up=True,
    )


def current(cents: int, section: LineSection = "consumption") -> BillLine:
    return BillLine(section=section, description="Materia gas", amount_cents=cents)


def test_a_line_ending_the_day_before_two_years_is_time_barred() -> None:
    flagged = time_barred(make_bill(current(5000), late(2500, date(2024, 3, 9))))
    assert flagged is not None
    assert flagged.amount_cents == 2500
    assert flagged.lines == ("Conguaglio gas (dal 10/12/2023 al 09/03/2024): 25,00 €",)


def test_a_line_ending_exactly_two_years_before_is_not() -> None:
    assert time_barred(make_bill(current(5000), late(2500, date(2024, 3, 10)))) is None


def test_the_explanation_names_the_amount_and_the_objection() -> None:
    flagged = time_barred(make_bill(current(5000), late(2500, date(2023, 6, 30))))
    assert flagged is not None
    assert "25,00 €" in flagged.explanation
    assert "Puoi opporti al pagamento di questi importi" in flagged.explanation
    assert "prescrizione biennale" in flagged.explanation


def test_a_bill_issued_on_29_february_looks_back_to_28_february() -> None:
    leap = date(2028, 2, 29)
    on_the_limit = make_bill(current(5000), late(2500, date(2026, 2, 28)), issued=leap)
    a_day_earlier = make_bill(current(5000), late(2500, date(2026, 2, 27)), issued=leap)
    assert time_barred(on_the_limit) is None
    assert time_barred(a_day_earlier) is not None


def test_a_line_without_a_period_is_judged_on_the_bills_period() -> None:
    old_bill = make_bill(
        current(5000),
        current(800, "fixed"),
        period_start=date(2023, 11, 1),
        period_end=date(2023, 12, 31),
    )
    flagged = time_barred(old_bill)
    assert flagged is not None
    assert flagged.amount_cents == 5800
    assert flagged.lines[0] == "Materia gas (dal 01/11/2023 al 31/12/2023): 50,00 €"


def test_taxes_and_vat_are_not_counted_as_time_barred_consumption() -> None:
    flagged = time_barred(
        make_bill(
            late(2500, date(2023, 1, 31)),
            late(400, date(2023, 1, 31), "taxes"),
            late(600, date(2023, 1, 31), "vat"),
        )
    )
    assert flagged is not None
    assert flagged.amount_cents == 2500


def test_late_lines_that_add_up_to_a_credit_ask_nothing() -> None:
    refund = make_bill(current(5000), late(-2500, date(2023, 1, 31)), late(1000, date(2023, 5, 31)))
    assert time_barred(refund) is None


def test_a_longer_limit_can_be_set() -> None:
    bill = make_bill(current(5000), late(2500, date(2023, 6, 30)))
    assert time_barred(bill, limit_years=2) is not None
    assert time_barred(bill, limit_years=3) is None
    with pytest.raises(ValueError, match="at least one year"):
        time_barred(bill, limit_years=0)


def test_a_cancelled_bill_flags_nothing() -> None:
    bill = make_bill(current(5000), late(2500, date(2023, 6, 30)), cancelled_on=ISSUED)
    assert time_barred(bill) is None
