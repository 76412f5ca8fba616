"""The instalment rule: 150% (250% non-domestic) of the year's average, billing gaps, meter faults,
never under 50 euro, asked within 10 days after the due date."""

from datetime import date, timedelta
from decimal import Decimal

from sportello_billing.domain.bills import Bill
from sportello_billing.domain.instalments import (
    InstalmentRules,
    instalment_offer,
    year_average_cents,
)
from sportello_contracts.bills import BillLine, ConsumptionBilled, ReadingUsed

RULES = InstalmentRules()
ISSUED = date(2026, 3, 2)
DUE = date(2026, 3, 23)
ON_TIME = date(2026, 3, 10)


def make_bill(
    number: str,
    total_cents: int,
    *,
    issued: date = ISSUED,
    due: date = DUE,
    supply: str = "SUP-0001",
    **changes: object,
) -> Bill:
    bill = Bill(
        bill_number=number,
        customer_code="C00010002",
        supply_id=supply,
        billing_profile="BP-000001",
        period_start=issued - timedelta(days=70),
        period_end=issued - timedelta(days=10),
        issued_on=issued,
        due_on=due,
        total_cents=total_cents,
        credit_applied_cents=0,
        lines=(BillLine(section="consumption", description="Gas", amount_cents=total_cents),),
        consumption=ConsumptionBilled(quantity=Decimal(100), unit="Smc"),
        readings=(ReadingUsed(read_on=issued, value=1, kind="actual"),),
        payment_method="pagopa",
        notice_position="0000000012345",
        after_billing_gap=False,
        after_meter_fault=False,
    )
    return Bill(**{**bill.__dict__, **changes})


def year_of_bills(*totals: int) -> list[Bill]:
    """Bills issued every two months before ISSUED, within the year."""
    return [
        make_bill(f"FT{index:04d}", total, issued=ISSUED - timedelta(days=60 * (index + 1)))
        for index, total in enumerate(totals)
    ]


def test_a_bill_at_exactly_150_percent_of_the_average_qualifies() -> None:
    history = year_of_bills(4000, 6000, 5000)  # average 50,00 €
    offer = instalment_offer(make_bill("FT0100", 7500), history, "domestic", RULES, ON_TIME)
    assert offer is not None
    assert offer.reason == "high_amount"
    assert offer.average_cents == 5000
    assert offer.minimum_instalments == 2
    assert offer.ask_by == date(2026, 4, 2)


def test_a_bill_one_cent_under_150_percent_does_not_qualify() -> None:
    history = year_of_bills(4000, 6000, 5000)
    assert instalment_offer(make_bill("FT0100", 7499), history, "domestic", RULES, ON_TIME) is None


def test_the_average_is_exact_when_it_is_not_a_whole_cent() -> None:
    history = year_of_bills(5000, 5000, 5001)  # 5000,33... cents: 150% is 7500,5
    average = year_average_cents(make_bill("FT0100", 0), history)
    assert average is not None
    assert average * 3 == 15001
    assert instalment_offer(make_bill("FT0100", 7500), history, "domestic", RULES, ON_TIME) is None
    assert instalment_offer(make_bill("FT0100", 7501), history, "domestic", RULES, ON_TIME)


def test_non_domestic_supplies_need_250_percent() -> None:
    history = year_of_bills(10000)
    at_200 = make_bill("FT0100", 20000)
    at_250 = make_bill("FT0101", 25000)
    assert instalment_offer(at_200, history, "non_domestic", RULES, ON_TIME) is None
    assert instalment_offer(at_200, history, "domestic", RULES, ON_TIME) is not None
    offer = instalment_offer(at_250, history, "non_domestic", RULES, ON_TIME)
    assert offer is not None
    assert "250%" in offer.explanation


def test_nothing_under_50_euro_qualifies_even_after_a_billing_gap() -> None:
    gap = make_bill("FT0100", 4999, after_billing_gap=True)
    assert instalment_offer(gap, [], "domestic", RULES, ON_TIME) is None
    assert (
        instalment_offer(
            make_bill("FT0101", 5000, after_billing_gap=True), [], "domestic", RULES, ON_TIME
        )
        is not None
    )


def test_the_minimum_is_judged_on_what_is_left_to_pay() -> None:
    history = year_of_bills(2000)
    partly_paid = make_bill("FT0100", 9000, paid_cents=4001)
    assert instalment_offer(partly_paid, history, "domestic", RULES, ON_TIME) is None
    still_owing = make_bill("FT0101", 9000, paid_cents=4000)
    assert instalment_offer(still_owing, history, "domestic", RULES, ON_TIME) is not None


def test_a_bill_can_be_asked_for_up_to_the_tenth_day_after_its_due_date() -> None:
    gap = make_bill("FT0100", 20000, after_billing_gap=True)
    day_10, day_11 = DUE + timedelta(days=10), DUE + timedelta(days=11)
    offer = instalment_offer(gap, [], "domestic", RULES, day_10)
    assert offer is not None
    assert offer.ask_by == day_10
    assert instalment_offer(gap, [], "domestic", RULES, day_11) is None


def test_a_billing_gap_or_a_meter_fault_qualifies_without_looking_at_the_amount() -> None:
    history = year_of_bills(20000)
    gap = instalment_offer(
        make_bill("FT0100", 6000, after_billing_gap=True), history, "domestic", RULES, ON_TIME
    )
    fault = instalment_offer(
        make_bill("FT0101", 6000, after_meter_fault=True), history, "domestic", RULES, ON_TIME
    )
    assert gap is not None
    assert (gap.reason, gap.average_cents) == ("billing_gap", None)
    assert fault is not None
    assert (fault.reason, fault.average_cents) == ("meter_fault", None)
    assert "malfunzionamento del contatore" in fault.explanation


def test_without_history_a_bill_is_never_high() -> None:
    assert instalment_offer(make_bill("FT0100", 900000), [], "domestic", RULES, ON_TIME) is None


def test_the_average_counts_only_the_supplys_bills_of_the_twelve_months_before() -> None:
    bill = make_bill("FT0100", 0)
    history = [
        make_bill("FT0001", 1000, issued=date(2025, 3, 2)),  # exactly a year before: counted
        make_bill("FT0002", 3000, issued=date(2025, 3, 1)),  # a day too early
        make_bill("FT0003", 5000, issued=date(2026, 1, 2)),
        make_bill("FT0004", 90000, issued=date(2026, 1, 2), cancelled_on=date(2026, 1, 5)),
        make_bill("FT0005", 90000, issued=date(2026, 1, 2), supply="SUP-0002"),
        make_bill("FT0006", 90000, issued=ISSUED),  # issued with it, not before it
        bill,
    ]
    assert year_average_cents(bill, history) == 3000


def test_cancelled_credited_and_paid_bills_offer_nothing() -> None:
    history = year_of_bills(2000)
    for settled in (
        make_bill("FT0100", 9000, cancelled_on=ON_TIME),
        make_bill("FT0101", 9000, credited_cents=9000),
        make_bill("FT0102", 9000, paid_cents=9000),
    ):
        assert instalment_offer(settled, history, "domestic", RULES, ON_TIME) is None


def test_the_explanation_says_why_and_how_to_ask() -> None:
    history = year_of_bills(4000, 6000, 5000)
    offer = instalment_offer(make_bill("FT0100", 12345), history, "domestic", RULES, ON_TIME)
    assert offer is not None
    assert offer.explanation == (
        "Questa bolletta (123,45 €) è almeno il 150% della media delle bollette degli ultimi 12 "
        "mesi (50,00 €): puoi pagarla in almeno 2 rate, con gli interessi al tasso di "
        "riferimento della BCE. Puoi chiedere la rateizzazione entro il 02/04/2026 dalla "
        "sezione Richieste."
    )


def test_the_rules_figures_are_settings() -> None:
    strict = InstalmentRules(
        high_ratio_domestic=Decimal(2),
        ask_within_days_after_due=5,
        minimum_amount_cents=10000,
        minimum_instalments=3,
    )
    history = year_of_bills(5000)
    assert instalment_offer(make_bill("FT0100", 7500), history, "domestic", strict, ON_TIME) is None
    offer = instalment_offer(make_bill("FT0101", 10000), history, "domestic", strict, ON_TIME)
    assert offer is not None
    assert offer.ask_by == DUE + timedelta(days=5)
    assert offer.minimum_instalments == 3


def test_a_ratio_set_as_a_float_is_taken_exactly_as_written() -> None:
    # The float 1.1 is a hair above 11/10: taken as such, 110 € against 100 € would fall short.
    rules = InstalmentRules(high_ratio_domestic=1.1)
    history = year_of_bills(10000)
    offer = instalment_offer(make_bill("FT0100", 11000), history, "domestic", rules, ON_TIME)
    assert offer is not None
    assert "110%" in offer.explanation
