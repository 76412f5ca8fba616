"""The regulator's answer deadlines and the automatic compensation of a late answer."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sportello_requests.domain.deadlines import AnswerRules, answer_due, compensation_cents

RULES = AnswerRules()
RECEIVED = date(2026, 12, 1)


def test_complaints_and_information_requests_are_due_in_30_days_bill_corrections_in_60() -> None:
    assert answer_due("complaint", RECEIVED, RULES) == date(2026, 12, 31)
    assert answer_due("information", RECEIVED, RULES) == date(2026, 12, 31)
    assert answer_due("bill_correction", RECEIVED, RULES) == date(2027, 1, 30)
    assert answer_due("bill_correction", RECEIVED, RULES, four_monthly=True) == date(2027, 3, 1)


def test_a_late_answer_earns_the_base_then_twice_then_three_times_it() -> None:
    def paid(days: int) -> int:
        return compensation_cents("complaint", RECEIVED, RECEIVED + timedelta(days), RULES)

    assert paid(30) == 0  # on the last day: on time
    assert paid(31) == 3000
    assert paid(60) == 3000  # within twice the standard time
    assert paid(61) == 6000
    assert paid(90) == 6000
    assert paid(91) == 9000
    assert paid(400) == 9000


def test_the_figures_are_settings() -> None:
    rules = AnswerRules(complaint_days=40, compensation_base_cents=2500)
    assert answer_due("complaint", RECEIVED, rules) == RECEIVED + timedelta(40)
    assert compensation_cents("complaint", RECEIVED, RECEIVED + timedelta(41), rules) == 2500


@given(
    st.sampled_from(("complaint", "information", "bill_correction")),
    st.integers(min_value=0, max_value=1000),
    st.integers(min_value=0, max_value=1000),
    st.booleans(),
)
def test_compensation_only_grows_with_the_delay_and_is_a_multiple_of_the_base(
    kind: str, first: int, second: int, four_monthly: bool
) -> None:
    early, late = sorted((first, second))

    def paid(days: int) -> int:
        answered = RECEIVED + timedelta(days)
        return compensation_cents(kind, RECEIVED, answered, RULES, four_monthly=four_monthly)  # type: ignore[arg-type]

    assert paid(early) <= paid(late)
    assert paid(late) in (0, 3000, 6000, 9000)
    due = answer_due(kind, RECEIVED, RULES, four_monthly=four_monthly)  # type: ignore[arg-type]
    assert (paid(late) == 0) == (RECEIVED + timedelta(late) <= due)
