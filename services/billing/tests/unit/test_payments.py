"""Payments' rules: what a bill's status is as payments arrive, what paying now pays, how the
instalments are covered, and how a provider's outcome moves an online payment."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello_billing.domain.bills import Bill
from sportello_billing.domain.paying import NotPayable, payable_amount
from sportello_billing.domain.payments import (
    Instalment,
    InstalmentPlan,
    OnlinePayment,
    Registration,
    callback_transition,
    instalment_states,
    next_instalment_due,
    payment_id_for,
    plan_matches,
    unregistered_days,
)
from sportello_contracts.bills import BillLine, ConsumptionBilled

DUE = date(2026, 3, 23)
AFTER_DUE = DUE + timedelta(days=5)


def make_bill(number: str, total_cents: int, **changes: object) -> Bill:
    bill = Bill(
        bill_number=number,
        customer_code="C00010002",
        supply_id="SUP-0001",
        billing_profile="BP-000001",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 2, 28),
        issued_on=date(2026, 3, 2),
        due_on=DUE,
        total_cents=total_cents,
        credit_applied_cents=0,
        lines=(BillLine(section="consumption", description="Gas", amount_cents=total_cents),),
        consumption=ConsumptionBilled(quantity=100, unit="Smc"),
        readings=(),
        payment_method="pagopa",
        notice_position="0000000012345",
        after_billing_gap=False,
        after_meter_fault=False,
    )
    return replace(bill, **changes)


def registered(amount: int, paid_on: date = DUE) -> Registration:
    return Registration(f"R-{amount}-{paid_on}", amount, paid_on, paid_on + timedelta(3), "pagopa")


def plan(*amounts: int, interest: int = 0) -> InstalmentPlan:
    return InstalmentPlan(
        "RAT-0001",
        date(2026, 4, 1),
        interest,
        tuple(
            Instalment(n + 1, date(2026, 4, 28) + timedelta(days=30 * n), amount)
            for n, amount in enumerate(amounts)
        ),
    )


def test_a_bill_paid_late_by_the_collector_is_paid_not_overdue() -> None:
    """Paid by the due date, registered after it: once registered it is paid, whatever day."""
    bill = make_bill("FT1", 10_000, paid_cents=10_000, registrations=(registered(10_000),))
    assert bill.status(AFTER_DUE) == "paid"


def test_unpaid_after_the_due_date_is_overdue_and_partly_paid_stays_partly_paid() -> None:
    assert make_bill("FT1", 10_000).status(AFTER_DUE) == "overdue"
    assert make_bill("FT1", 10_000).status(DUE) == "unpaid"
    assert make_bill("FT1", 10_000, paid_cents=4_000).status(AFTER_DUE) == "partially_paid"


def test_paid_online_shows_paid_being_registered_at_once() -> None:
    bill = make_bill("FT1", 10_000, pending_online_cents=10_000, online_payment_id="PAY-1")
    assert bill.status(AFTER_DUE) == "paid_pending"
    # Paying online the rest of a partly paid bill: the same.
    partly = make_bill("FT1", 10_000, paid_cents=4_000, pending_online_cents=6_000)
    assert partly.status(AFTER_DUE) == "paid_pending"


def test_a_bill_in_an_instalment_plan_says_so_until_paid() -> None:
    bill = make_bill("FT1", 10_000, instalment_plan=plan(5_000, 5_000))
    assert bill.status(AFTER_DUE) == "in_instalments"
    paid = replace(bill, paid_cents=10_000)
    assert paid.status(AFTER_DUE) == "paid"


def test_a_plan_s_interest_is_owed_and_is_no_refund() -> None:
    bill = make_bill("FT1", 10_000, instalment_plan=plan(5_050, 5_050, interest=100))
    assert bill.owed_cents == 10_100
    paid = replace(bill, paid_cents=10_100)
    assert paid.status(AFTER_DUE) == "paid"
    assert paid.refund_due_cents == 0


def test_paid_twice_means_a_refund_of_the_difference() -> None:
    bill = make_bill("FT1", 10_000, paid_cents=20_000)
    assert bill.status(AFTER_DUE) == "paid"
    assert bill.refund_due_cents == 10_000
    assert bill.amount_due_cents == 0


def test_paying_now_pays_what_is_left_or_the_next_instalment() -> None:
    assert payable_amount(make_bill("FT1", 10_000, paid_cents=2_500)) == 7_500
    in_plan = make_bill("FT1", 9_000, instalment_plan=plan(3_000, 3_000, 3_000))
    assert payable_amount(in_plan) == 3_000
    assert payable_amount(replace(in_plan, paid_cents=4_000)) == 2_000


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"payment_method": "direct_debit", "notice_position": None}, "bill_direct_debit"),
        ({"paid_cents": 10_000}, "bill_paid"),
        ({"cancelled_on": DUE}, "bill_cancelled"),
        ({"credited_cents": 10_000}, "bill_paid"),
        ({"pending_online_cents": 10_000}, "bill_payment_pending"),
    ],
)
def test_what_cannot_be_paid_online(changes: dict[str, object], code: str) -> None:
    with pytest.raises(NotPayable) as refused:
        payable_amount(make_bill("FT1", 10_000, **changes))
    assert refused.value.code == code


@given(
    amounts=st.lists(st.integers(1, 100_000), min_size=2, max_size=12),
    paid_since=st.integers(0, 1_500_000),
)
def test_instalments_are_covered_oldest_first_and_never_beyond_what_was_paid(
    amounts: list[int], paid_since: int
) -> None:
    schedule = plan(*amounts)
    states = instalment_states(schedule, paid_since, date(2027, 1, 1))
    covered = [s.paid_cents for s in states]
    assert sum(covered) == min(paid_since, schedule.total_cents)
    assert all(0 <= s.paid_cents <= s.instalment.amount_cents for s in states)
    # Paid ones first, then at most one partly paid, then none paid.
    kinds = ["paid" if s.status == "paid" else "part" if s.paid_cents else "none" for s in states]
    assert kinds == sorted(kinds, key=["paid", "part", "none"].index)
    assert kinds.count("part") <= 1
    next_due = next_instalment_due(schedule, paid_since)
    unpaid = [s for s in states if s.status != "paid"]
    assert next_due == (unpaid[0].instalment.amount_cents - unpaid[0].paid_cents if unpaid else 0)


def test_an_unpaid_instalment_is_overdue_the_day_after_it_falls_due() -> None:
    schedule = plan(5_000, 5_000)
    first_due = schedule.instalments[0].due_on
    assert instalment_states(schedule, 0, first_due)[0].status == "unpaid"
    assert instalment_states(schedule, 0, first_due + timedelta(1))[0].status == "overdue"
    assert instalment_states(schedule, 2_000, first_due)[0].status == "partially_paid"


def test_a_plan_adds_up_to_what_the_bill_asks_plus_interest() -> None:
    assert plan_matches(plan(5_050, 5_050, interest=100), 10_000)
    assert not plan_matches(plan(5_000, 4_999), 10_000)


@given(
    st.text(min_size=1, max_size=20),
    st.text(min_size=1, max_size=20),
    st.text(min_size=1, max_size=20),
)
def test_a_payment_id_is_the_same_for_the_same_pay_now_only(
    bill: str, account: str, key: str
) -> None:
    first = payment_id_for("C00010002", bill, account, key)
    assert first == payment_id_for("C00010002", bill, account, key)
    assert first != payment_id_for("C00010002", bill, account, key + "x")
    assert first != payment_id_for("C00010003", bill, account, key)
    assert first.startswith("PAY-")
    assert len(first) == 24


def test_a_success_always_lands_and_a_failure_only_ends_a_payment_in_flight() -> None:
    for state in ("opening", "open", "failed", "expired"):
        assert callback_transition(state, "succeeded") == "succeeded"
    assert callback_transition("succeeded", "succeeded") is None
    assert callback_transition("registered", "succeeded") is None
    assert callback_transition("open", "failed") == "failed"
    assert callback_transition("open", "expired") == "expired"
    for state in ("succeeded", "registered", "failed", "expired"):
        assert callback_transition(state, "failed") is None
        assert callback_transition(state, "expired") is None


NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def online(state: str, **changes: object) -> OnlinePayment:
    payment = OnlinePayment(
        payment_id="PAY-1",
        bill_number="FT1",
        customer_code="C00010002",
        account_id="acc-1",
        amount_cents=10_000,
        method="card",
        provider="sandbox",
        state=state,  # type: ignore[arg-type]
        started_at=NOW - timedelta(minutes=10),
        expires_at=NOW + timedelta(minutes=20),
    )
    return replace(payment, **changes)


def test_a_checkout_left_past_its_expiry_frees_the_bill_and_shows_expired() -> None:
    assert online("open").holds_bill(NOW)
    assert online("open").seen_as(NOW) == "open"
    late = NOW + timedelta(minutes=21)
    assert not online("open").holds_bill(late)
    assert online("open").seen_as(late) == "expired"
    assert online("succeeded").holds_bill(late)  # paid: held until registered
    assert not online("failed").holds_bill(NOW)


def test_an_online_payment_is_flagged_after_the_days_the_back_office_may_take() -> None:
    paid = online("succeeded", succeeded_at=NOW - timedelta(days=5, hours=1))
    assert unregistered_days(paid, NOW, 5) == 5
    assert unregistered_days(paid, NOW, 6) is None
    assert unregistered_days(replace(paid, state="registered"), NOW, 5) is None
    assert unregistered_days(online("open"), NOW, 1) is None


def test_payments_made_before_the_plan_are_not_the_plan_s_whatever_order_they_arrive_in() -> None:
    schedule = plan(3_000, 3_000)  # approved on 1 April 2026
    before = Registration("R-1", 4_000, date(2026, 3, 30), date(2026, 4, 3), "pagopa")
    first = Registration("R-2", 3_000, date(2026, 4, 20), date(2026, 4, 22), "pagopa")
    for order in ((before, first), (first, before)):
        bill = make_bill(
            "FT1", 10_000, paid_cents=7_000, registrations=order, instalment_plan=schedule
        )
        assert bill.paid_towards_plan == 3_000
        states = instalment_states(schedule, bill.paid_towards_plan, date(2026, 5, 1))
        assert [s.status for s in states] == ["paid", "unpaid"]
        assert payable_amount(bill) == 3_000
