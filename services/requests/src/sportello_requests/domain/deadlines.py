"""When the supplier must answer a written request, and what a late answer costs it.

TIQV: a reasoned reply to a complaint within 30 calendar days, to an information request within
30, to a request to correct a bill within 60 (90 where the supply is billed every four months).
A reply after that earns the customer an automatic compensation: the base amount when the reply
comes within twice the standard time, twice the base within three times, three times the base
beyond. The figures are settings (`AnswerRules`), as found in public summaries of the regulator's
texts, never numbers buried here.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

AnswerKind = Literal["complaint", "information", "bill_correction"]


@dataclass(frozen=True)
class AnswerRules:
    complaint_days: int = 30
    information_days: int = 30
    bill_correction_days: int = 60
    bill_correction_four_monthly_days: int = 90  # supplies billed every four months
    compensation_base_cents: int = 3000
    # The base is multiplied by 1, 2 or 3 as the reply comes within 2x, within 3x, beyond 3x
    # the standard time.
    compensation_steps: tuple[int, ...] = (2, 3)


def standard_days(kind: AnswerKind, rules: AnswerRules, *, four_monthly: bool = False) -> int:
    if kind == "complaint":
        return rules.complaint_days
    if kind == "information":
        return rules.information_days
    return rules.bill_correction_four_monthly_days if four_monthly else rules.bill_correction_days


def answer_due(
    kind: AnswerKind, submitted_on: date, rules: AnswerRules, *, four_monthly: bool = False
) -> date:
    """The last day the supplier may answer on: calendar days from the day it was received."""
    return submitted_on + timedelta(days=standard_days(kind, rules, four_monthly=four_monthly))


def compensation_cents(
    kind: AnswerKind,
    submitted_on: date,
    answered_on: date,
    rules: AnswerRules,
    *,
    four_monthly: bool = False,
) -> int:
    """What an answer on `answered_on` earns the customer: 0 on time, then the base times 1, 2
    or 3 as the delay grows. For a request still unanswered, pass today: what it has earned so
    far (it only grows)."""
    days = standard_days(kind, rules, four_monthly=four_monthly)
    taken = (answered_on - submitted_on).days
    if taken <= days:
        return 0
    times = 1 + sum(1 for step in rules.compensation_steps if taken > step * days)
    return rules.compensation_base_cents * times
