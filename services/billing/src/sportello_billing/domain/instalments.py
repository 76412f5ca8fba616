"""The regulator's instalment rule (TIF): which bills may be paid in instalments, and until when.

A bill qualifies when it follows a billing gap or a meter fault, or when it is much higher than
the supply's bills of the year before (150% of their average, 250% for non-domestic use); never
under the minimum amount; the customer asks within some days after the due date.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from sportello_billing.domain.bills import Bill
from sportello_billing.domain.dates import format_date, years_before
from sportello_billing.domain.money import format_euro
from sportello_contracts.bills import InstalmentOffer

Use = Literal["domestic", "non_domestic"]
Reason = Literal["high_amount", "billing_gap", "meter_fault"]


@dataclass(frozen=True)
class InstalmentRules:
    """The rule's figures (DOMAIN.md, "instalments"), each a setting of its own."""

    high_ratio_domestic: Decimal | float = Decimal("1.5")
    high_ratio_non_domestic: Decimal | float = Decimal("2.5")
    ask_within_days_after_due: int = 10
    minimum_amount_cents: int = 5000
    minimum_instalments: int = 2

    def high_ratio(self, use: Use) -> Fraction:
        """Exactly as written: a float setting of 1.1 is 11/10, not its binary neighbour."""
        ratio = self.high_ratio_domestic if use == "domestic" else self.high_ratio_non_domestic
        return Fraction(str(ratio))


def instalment_offer(
    bill: Bill, history: Sequence[Bill], use: Use, rules: InstalmentRules, today: date
) -> InstalmentOffer | None:
    """The offer `bill` carries today, or None when it does not qualify or it is too late."""
    if bill.status(today) in ("cancelled", "credited", "paid"):
        return None
    if bill.amount_due_cents < rules.minimum_amount_cents:
        return None
    ask_by = bill.due_on + timedelta(days=rules.ask_within_days_after_due)
    if today > ask_by:
        return None
    average = year_average_cents(bill, history)
    ratio = rules.high_ratio(use)
    reason = _reason(bill, average, ratio)
    if reason is None:
        return None
    return InstalmentOffer(
        reason=reason,
        average_cents=round(average) if reason == "high_amount" and average is not None else None,
        ask_by=ask_by,
        minimum_instalments=rules.minimum_instalments,
        explanation=_explanation(reason, bill, average, ratio, rules, ask_by),
    )


def _reason(bill: Bill, average: Fraction | None, ratio: Fraction) -> Reason | None:
    if bill.after_billing_gap:
        return "billing_gap"
    if bill.after_meter_fault:
        return "meter_fault"
    # A history of credits alone (an average not above zero) is no yardstick.
    if average is not None and average > 0 and bill.total_cents >= ratio * average:
        return "high_amount"
    return None


def year_average_cents(bill: Bill, history: Sequence[Bill]) -> Fraction | None:
    """The average total of the supply's bills, cancelled ones aside, issued in the 12 months
    before `bill`; None without any. Exact: the rule's boundary is judged to the cent."""
    since = years_before(bill.issued_on, 1)
    totals = [
        b.total_cents
        for b in history
        if b.supply_id == bill.supply_id
        and b.bill_number != bill.bill_number
        and b.cancelled_on is None
        and since <= b.issued_on < bill.issued_on
    ]
    return Fraction(sum(totals), len(totals)) if totals else None


def _explanation(
    reason: Reason,
    bill: Bill,
    average: Fraction | None,
    ratio: Fraction,
    rules: InstalmentRules,
    ask_by: date,
) -> str:
    if reason == "billing_gap":
        why = "Questa bolletta arriva dopo un periodo in cui non ti abbiamo fatturato i consumi"
    elif reason == "meter_fault":
        why = "Questa bolletta segue un malfunzionamento del contatore"
    else:
        assert average is not None
        why = (
            f"Questa bolletta ({format_euro(bill.total_cents)}) è almeno il {round(ratio * 100)}% "
            "della media delle bollette degli ultimi 12 mesi "
            f"({format_euro(round(average))})"
        )
    return (
        f"{why}: puoi pagarla in almeno {rules.minimum_instalments} rate, con gli interessi al "
        "tasso di riferimento della BCE. Puoi chiedere la rateizzazione entro il "
        f"{format_date(ask_by)} dalla sezione Richieste."
    )
