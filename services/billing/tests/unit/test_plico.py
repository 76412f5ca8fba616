"""The plico: one customer's bills of one issue date and payment method, net of credits."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello_billing.domain.bills import Bill
from sportello_billing.domain.plico import bundle, plico_key
from sportello_contracts.bills import BillLine, ConsumptionBilled

ISSUED = date(2026, 3, 2)


def make_bill(
    number: str,
    total_cents: int,
    *,
    supply: str = "SUP-0001",
    customer: str = "C00010002",
    issued: date = ISSUED,
    **changes: object,
) -> Bill:
    bill = Bill(
        bill_number=number,
        customer_code=customer,
        supply_id=supply,
        billing_profile="BP-000001",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 28),
        issued_on=issued,
        due_on=issued + timedelta(days=20),
        total_cents=total_cents,
        credit_applied_cents=0,
        lines=(BillLine(section="consumption", description="Gas", amount_cents=total_cents),),
        consumption=ConsumptionBilled(quantity=Decimal(100), unit="Smc"),
        readings=(),
        payment_method="pagopa",
        notice_position="0000000012345",
        after_billing_gap=False,
        after_meter_fault=False,
    )
    return Bill(**{**bill.__dict__, **changes})


def test_the_key_is_customer_issue_date_and_payment_method() -> None:
    assert plico_key(make_bill("FT0001", 100)) == ("C00010002", ISSUED, "pagopa")


def test_a_plico_adds_the_totals_and_deducts_previous_credits_and_credit_notes() -> None:
    plico = bundle(
        [
            make_bill("FT0001", 8000, credit_applied_cents=1500),
            make_bill("FT0002", 4000, supply="SUP-0002", credited_cents=1000),
        ]
    )
    assert (plico.customer_code, plico.issued_on, plico.payment_method) == (
        "C00010002",
        ISSUED,
        "pagopa",
    )
    assert plico.total_cents == 12000
    assert plico.credits_cents == 2500
    assert plico.paid_cents == 0
    assert plico.total_due_cents == 9500


def test_the_bills_are_listed_by_supply_then_number() -> None:
    plico = bundle(
        [
            make_bill("FT0003", 100, supply="SUP-0002"),
            make_bill("FT0002", 100, supply="SUP-0001"),
            make_bill("FT0001", 100, supply="SUP-0002"),
        ]
    )
    assert [(b.supply_id, b.bill_number) for b in plico.bills] == [
        ("SUP-0001", "FT0002"),
        ("SUP-0002", "FT0001"),
        ("SUP-0002", "FT0003"),
    ]


def test_cancelled_bills_are_left_out_of_everything() -> None:
    plico = bundle(
        [
            make_bill("FT0001", 8000),
            make_bill("FT0002", 5000, credit_applied_cents=200, cancelled_on=ISSUED),
        ]
    )
    assert [b.bill_number for b in plico.bills] == ["FT0001"]
    assert (plico.total_cents, plico.credits_cents, plico.total_due_cents) == (8000, 0, 8000)


def test_a_credit_bill_lowers_what_the_others_ask_but_never_below_zero() -> None:
    with_credit = bundle([make_bill("FT0001", 3000), make_bill("FT0002", -1000, supply="S-2")])
    assert with_credit.total_due_cents == 2000
    all_credit = bundle([make_bill("FT0001", 3000), make_bill("FT0002", -5000, supply="S-2")])
    assert all_credit.total_due_cents == 0


def test_payments_registered_are_deducted() -> None:
    plico = bundle([make_bill("FT0001", 3000, paid_cents=1000), make_bill("FT0002", 2000)])
    assert (plico.paid_cents, plico.total_due_cents) == (1000, 4000)


@pytest.mark.parametrize(
    "stranger",
    [
        make_bill("FT0009", 100, customer="C00010003"),
        make_bill("FT0009", 100, issued=ISSUED + timedelta(days=1)),
        make_bill("FT0009", 100, payment_method="direct_debit", notice_position=None),
    ],
)
def test_bills_of_another_customer_date_or_payment_method_are_refused(stranger: Bill) -> None:
    with pytest.raises(ValueError, match="share customer, issue date and payment method"):
        bundle([make_bill("FT0001", 100), stranger])


def test_a_plico_needs_at_least_one_bill() -> None:
    with pytest.raises(ValueError, match="at least one bill"):
        bundle([])


@st.composite
def plico_bills(draw: st.DrawFn) -> list[Bill]:
    count = draw(st.integers(min_value=1, max_value=8))
    return [
        make_bill(
            f"FT{index:04d}",
            draw(st.integers(min_value=-50_000, max_value=500_000)),
            supply=draw(st.sampled_from(["SUP-0001", "SUP-0002", "SUP-0003"])),
            credit_applied_cents=draw(st.integers(min_value=0, max_value=20_000)),
            credited_cents=draw(st.integers(min_value=0, max_value=20_000)),
            paid_cents=draw(st.integers(min_value=0, max_value=100_000)),
            cancelled_on=draw(st.sampled_from([None, None, ISSUED])),
        )
        for index in range(count)
    ]


@given(plico_bills(), st.randoms())
def test_plico_totals_are_the_sums_over_the_bills_not_cancelled(
    bills: list[Bill], rnd: random.Random
) -> None:
    kept = [b for b in bills if b.cancelled_on is None]
    shuffled = list(bills)
    rnd.shuffle(shuffled)
    plico = bundle(bills)
    assert plico == bundle(shuffled)
    assert sorted(b.bill_number for b in plico.bills) == sorted(b.bill_number for b in kept)
    assert plico.total_cents == sum(b.total_cents for b in kept)
    assert plico.credits_cents == sum(b.credit_applied_cents + b.credited_cents for b in kept)
    expected_due = plico.total_cents - plico.credits_cents - plico.paid_cents
    assert plico.total_due_cents == max(0, expected_due)
    # Netting across the bundle never asks more than the bills one by one.
    assert plico.total_due_cents <= sum(b.amount_due_cents for b in kept)
