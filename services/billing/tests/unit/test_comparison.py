"""Why a bill differs: the difference split by cause, exactly, in words a customer understands."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello_billing.domain.bills import Bill
from sportello_billing.domain.comparison import compare, previous_and_last_year
from sportello_billing.domain.money import format_euro, format_signed_euro
from sportello_contracts.bills import (
    BillLine,
    ConsumptionBilled,
    LineSection,
    ReadingKind,
    ReadingUsed,
)

SUPPLY = "SUP-0001"


def make_bill(
    number: str,
    lines: tuple[BillLine, ...],
    *,
    start: date = date(2026, 1, 1),
    days: int = 31,
    issued: date | None = None,
    reading: ReadingKind = "actual",
    supply: str = SUPPLY,
    cancelled_on: date | None = None,
) -> Bill:
    end = start + timedelta(days=days - 1)
    issued_on = issued or end + timedelta(days=10)
    quantity = sum(
        (line.quantity or Decimal(0) for line in lines if line.section == "consumption"),
        Decimal(0),
    )
    return Bill(
        bill_number=number,
        customer_code="C00010002",
        supply_id=supply,
        billing_profile="BP-000001",
        period_start=start,
        period_end=end,
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=20),
        total_cents=sum(line.amount_cents for line in lines),
        credit_applied_cents=0,
        lines=lines,
        consumption=ConsumptionBilled(quantity=quantity, unit="Smc"),
        readings=(ReadingUsed(read_on=end, value=1000, kind=reading),),
        payment_method="direct_debit",
        notice_position=None,
        after_billing_gap=False,
        after_meter_fault=False,
        cancelled_on=cancelled_on,
    )


def gas(smc: int, cents_per_smc: int) -> BillLine:
    return BillLine(
        section="consumption",
        description="Materia gas",
        quantity=Decimal(smc),
        unit="Smc",
        unit_price=Decimal(cents_per_smc) / 100,
        amount_cents=smc * cents_per_smc,
    )


def line(section: LineSection, cents: int, *, catch_up: bool = False) -> BillLine:
    return BillLine(section=section, description=section, amount_cents=cents, catch_up=catch_up)


def test_a_price_rise_alone_is_attributed_to_price() -> None:
    before = make_bill("FT0001", (gas(100, 50), line("fixed", 900)))
    after = make_bill("FT0002", (gas(100, 60), line("fixed", 900)), start=date(2026, 2, 1))
    comparison = compare(after, before, "previous")
    assert comparison.difference_cents == 1000
    assert [(c.cause, c.amount_cents) for c in comparison.causes] == [("price", 1000)]
    assert comparison.causes[0].explanation == (
        "Il prezzo medio del gas è salito da 0,5000 a 0,6000 €/Smc (+10,00 €)."
    )
    assert comparison.summary == (
        "Questa bolletta è di 10,00 € più alta della precedente, per il prezzo più alto."
    )


def test_a_longer_period_alone_is_attributed_to_days() -> None:
    # The same 2 Smc a day at the same price, over 60 days instead of 30.
    before = make_bill("FT0001", (gas(60, 50), line("fixed", 900)), days=30)
    after = make_bill("FT0002", (gas(120, 50), line("fixed", 900)), days=60)
    comparison = compare(after, before, "previous")
    assert [(c.cause, c.amount_cents) for c in comparison.causes] == [("days", 3000)]
    assert comparison.causes[0].explanation == (
        "Questa bolletta copre 60 giorni, 30 in più della bolletta precedente (+30,00 €)."
    )
    assert comparison.summary.endswith("per il periodo più lungo.")


def test_more_consumption_over_the_same_days_is_attributed_to_consumption() -> None:
    before = make_bill("FT0001", (gas(100, 50), line("vat", 500)))
    after = make_bill("FT0002", (gas(135, 50), line("vat", 500)))
    comparison = compare(after, before, "previous")
    assert [(c.cause, c.amount_cents) for c in comparison.causes] == [("consumption", 1750)]
    assert comparison.causes[0].explanation == (
        "Hai consumato 35 Smc in più rispetto alla bolletta precedente (+17,50 €)."
    )


def test_less_consumption_per_day_over_different_days_is_told_as_a_daily_average() -> None:
    before = make_bill("FT0001", (gas(62, 50),), days=31)  # 2 Smc a day
    after = make_bill("FT0002", (gas(30, 50),), days=30)  # 1 Smc a day
    comparison = compare(after, before, "previous")
    causes = {c.cause: c for c in comparison.causes}
    assert causes["days"].amount_cents == -100  # one day less at 2 Smc x 0,50 €
    assert causes["consumption"].amount_cents == -1500  # 1 Smc less a day over 30 days
    assert causes["consumption"].explanation == (
        "In media hai consumato 1 Smc al giorno in meno rispetto alla bolletta precedente: "
        "1 invece di 2 (-15,00 €)."
    )
    assert comparison.summary == (
        "Questa bolletta è di 16,00 € più bassa della precedente, "
        "soprattutto per i consumi più bassi."
    )


def test_an_estimate_followed_by_an_actual_reading_with_a_catch_up_explains_both() -> None:
    estimated = make_bill("FT0001", (gas(100, 50), line("fixed", 900)), reading="estimated")
    actual = make_bill(
        "FT0002",
        (gas(100, 50), line("fixed", 900), line("adjustment", 2500, catch_up=True)),
        start=date(2026, 2, 1),
        days=31,
    )
    comparison = compare(actual, estimated, "previous")
    assert [(c.cause, c.amount_cents) for c in comparison.causes] == [
        ("reading", 0),
        ("catch_up", 2500),
    ]
    reading, catch_up = comparison.causes
    assert "lettura del distributore" in reading.explanation
    assert "stimati" in reading.explanation
    assert "conguaglio" in reading.explanation
    assert catch_up.explanation == (
        "Questa bolletta contiene un conguaglio di 25,00 €: la differenza tra i consumi stimati "
        "nelle bollette passate e quelli reali letti sul contatore (+25,00 €)."
    )
    assert comparison.summary == (
        "Questa bolletta è di 25,00 € più alta della precedente, "
        "per il conguaglio dei consumi stimati."
    )


def test_an_estimated_bill_after_a_self_reading_asks_for_a_reading() -> None:
    read = make_bill("FT0001", (gas(100, 50),), reading="self")
    estimated = make_bill("FT0002", (gas(100, 50),), reading="estimated")
    comparison = compare(estimated, read, "previous")
    assert [c.cause for c in comparison.causes] == ["reading"]
    assert "autolettura" in comparison.causes[0].explanation
    assert comparison.summary == "Questa bolletta ha lo stesso importo della precedente."


def test_no_reading_cause_when_both_bills_were_read_the_same_way() -> None:
    one = make_bill("FT0001", (gas(100, 50),), reading="estimated")
    other = make_bill("FT0002", (gas(110, 50),), reading="estimated")
    assert "reading" not in [c.cause for c in compare(other, one, "previous").causes]


def test_other_sections_are_named_in_the_other_cause() -> None:
    before = make_bill("FT0001", (gas(100, 50), line("fixed", 900), line("vat", 700)))
    after = make_bill("FT0002", (gas(100, 50), line("fixed", 1020), line("vat", 810)))
    comparison = compare(after, before, "previous")
    assert [(c.cause, c.amount_cents) for c in comparison.causes] == [("other", 230)]
    assert comparison.causes[0].explanation == (
        "Sono cambiate anche altre voci della bolletta: quota fissa +1,20 €, IVA +1,10 € "
        "(+2,30 € in tutto)."
    )


def test_last_year_comparisons_say_so() -> None:
    last_year = make_bill("FT0001", (gas(100, 50),), start=date(2025, 1, 1))
    this_year = make_bill("FT0009", (gas(80, 50),), start=date(2026, 1, 1))
    comparison = compare(this_year, last_year, "last_year")
    assert comparison.against == "last_year"
    assert comparison.other_bill_number == "FT0001"
    assert comparison.other_total_cents == 5000
    assert comparison.causes[0].explanation == (
        "Hai consumato 20 Smc in meno rispetto allo stesso periodo dell'anno scorso (-10,00 €)."
    )
    assert comparison.summary.startswith(
        "Questa bolletta è di 10,00 € più bassa di quella dello stesso periodo dell'anno scorso"
    )


def test_the_causes_are_listed_largest_first() -> None:
    before = make_bill("FT0001", (gas(100, 50), line("fixed", 900)))
    after = make_bill("FT0002", (gas(110, 70), line("fixed", 1000)))
    causes = compare(after, before, "previous").causes
    assert [c.cause for c in causes] == ["price", "consumption", "other"]
    assert [c.amount_cents for c in causes] == [2200, 500, 100]


def test_a_bill_with_no_consumption_before_is_all_consumption() -> None:
    before = make_bill("FT0001", (line("fixed", 900),))
    after = make_bill("FT0002", (gas(40, 50), line("fixed", 900)))
    comparison = compare(after, before, "previous")
    assert [(c.cause, c.amount_cents) for c in comparison.causes] == [("consumption", 2000)]
    assert "non c'erano consumi" in comparison.causes[0].explanation


def test_bills_of_different_supplies_are_not_compared() -> None:
    one = make_bill("FT0001", (gas(100, 50),))
    other = make_bill("FT0002", (gas(100, 50),), supply="SUP-0002")
    with pytest.raises(ValueError, match="same supply"):
        compare(one, other, "previous")


sections = st.sampled_from(
    ["consumption", "fixed", "power", "taxes", "vat", "bonus", "adjustment", "other"]
)


@st.composite
def random_lines(draw: st.DrawFn) -> BillLine:
    section = draw(sections)
    has_quantity = section == "consumption" and draw(st.booleans())
    quantity = (
        draw(st.decimals(min_value=-50, max_value=5000, places=3, allow_nan=False))
        if has_quantity
        else None
    )
    return BillLine(
        section=section,
        description="voce",
        quantity=quantity,
        unit="Smc" if has_quantity else None,
        amount_cents=draw(st.integers(min_value=-50_000, max_value=500_000)),
        catch_up=draw(st.booleans()),
    )


@st.composite
def random_bills(draw: st.DrawFn, number: str) -> Bill:
    return make_bill(
        number,
        tuple(draw(st.lists(random_lines(), min_size=1, max_size=8))),
        days=draw(st.integers(min_value=1, max_value=400)),
        reading=draw(st.sampled_from(["actual", "self", "estimated"])),
    )


@given(random_bills("FT0002"), random_bills("FT0001"), st.sampled_from(["previous", "last_year"]))
def test_the_causes_add_up_exactly_to_the_difference(bill: Bill, other: Bill, against: str) -> None:
    comparison = compare(bill, other, "previous" if against == "previous" else "last_year")
    assert comparison.difference_cents == bill.total_cents - other.total_cents
    assert sum(c.amount_cents for c in comparison.causes) == comparison.difference_cents
    causes = [c.cause for c in comparison.causes]
    assert len(causes) == len(set(causes))
    assert ("reading" in causes) == (bill.estimated != other.estimated)
    for cause in comparison.causes:
        assert cause.explanation
        if cause.cause != "reading":
            assert cause.amount_cents != 0
            assert format_signed_euro(cause.amount_cents) in cause.explanation
    if comparison.difference_cents:
        assert format_euro(abs(comparison.difference_cents)) in comparison.summary
    else:
        assert "stesso importo" in comparison.summary


@given(random_bills("FT0002"), random_bills("FT0001"))
def test_comparing_the_other_way_round_splits_the_opposite_difference(
    bill: Bill, other: Bill
) -> None:
    forth, back = compare(bill, other, "previous"), compare(other, bill, "previous")
    assert forth.difference_cents == -back.difference_cents
    catch_up = {c.cause: c.amount_cents for c in forth.causes}.get("catch_up", 0)
    assert catch_up == -{c.cause: c.amount_cents for c in back.causes}.get("catch_up", 0)


def test_money_is_written_italian_style() -> None:
    assert format_euro(123456) == "1.234,56 €"
    assert format_euro(5) == "0,05 €"
    assert format_euro(-5) == "-0,05 €"
    assert format_euro(100_000_000) == "1.000.000,00 €"
    assert format_signed_euro(1840) == "+18,40 €"
    assert format_signed_euro(-1840) == "-18,40 €"
    assert format_signed_euro(0) == "0,00 €"


def monthly(number: str, month: int, year: int = 2026, **changes: object) -> Bill:
    start = date(year, month, 1)
    next_month = date(year + month // 12, month % 12 + 1, 1)
    bill = make_bill(number, (gas(50, 50),), start=start, days=(next_month - start).days)
    return Bill(**{**bill.__dict__, **changes})


def test_the_previous_bill_is_the_latest_issued_before_it() -> None:
    bill = monthly("FT0005", 5)
    history = [monthly("FT0003", 3), monthly("FT0004", 4), monthly("FT0006", 6), bill]
    previous, _ = previous_and_last_year(bill, history)
    assert previous is not None
    assert previous.bill_number == "FT0004"


def test_cancelled_bills_and_other_supplies_are_never_compared_with() -> None:
    bill = monthly("FT0005", 5)
    history = [
        monthly("FT0003", 3),
        monthly("FT0004", 4, cancelled_on=date(2026, 5, 20)),
        monthly("FX0004", 4, supply_id="SUP-0002"),
        monthly("FT0104", 5, year=2025, cancelled_on=date(2025, 6, 20)),
    ]
    previous, last_year = previous_and_last_year(bill, history)
    assert previous is not None
    assert previous.bill_number == "FT0003"
    assert last_year is None


def test_last_year_is_the_bill_overlapping_most_the_same_period_a_year_before() -> None:
    bill = monthly("FT0005", 5)  # May 2026
    history = [monthly("FT0104", 4, 2025), monthly("FT0105", 5, 2025), monthly("FT0106", 6, 2025)]
    _, last_year = previous_and_last_year(bill, history)
    assert last_year is not None
    assert last_year.bill_number == "FT0105"


def test_a_longer_bill_of_last_year_still_counts_when_it_overlaps() -> None:
    bill = monthly("FT0005", 5)
    bimonthly = make_bill("FT0104", (gas(100, 50),), start=date(2025, 4, 15), days=61)
    _, last_year = previous_and_last_year(bill, [bimonthly])
    assert last_year is bimonthly


def test_no_last_year_bill_when_nothing_overlaps_the_period_a_year_before() -> None:
    bill = monthly("FT0005", 5)
    _, last_year = previous_and_last_year(bill, [monthly("FT0104", 4, 2025)])
    assert last_year is None


def test_a_period_ending_on_29_february_looks_back_to_28_february() -> None:
    leap = make_bill("FT0002", (gas(50, 50),), start=date(2028, 2, 29), days=1)
    day_before_a_year_ago = make_bill("FT0001", (gas(50, 50),), start=date(2027, 2, 28), days=1)
    _, last_year = previous_and_last_year(leap, [day_before_a_year_ago])
    assert last_year is day_before_a_year_ago


def test_no_previous_bill_for_the_first_bill() -> None:
    bill = monthly("FT0001", 1)
    assert previous_and_last_year(bill, [bill]) == (None, None)
