"""The demo's supplies, two years of bills and their payments: valid, realistic, with every case
the portal explains (estimates and their catch-up, a price change, instalments, time-barred
amounts, payments late, partial or in an instalment plan)."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from sportello_contracts.bills import BillIssued, BillLine
from sportello_contracts.payments import InstalmentPlanApproved, PaymentRegistered
from sportello_contracts.supplies import (
    DirectDebitPayment,
    EmailDelivery,
    PagoPaPayment,
    PostalDelivery,
    SupplyActivated,
)
from sportello_deploy.backoffice import check_supply
from sportello_deploy.demo import DEMO_CUSTOMERS, DEMO_LOGIN
from sportello_deploy.demo_bills import (
    DEMO_SUPPLIES,
    ESTIMATES_THEN_CATCH_UP,
    INSTALMENTS,
    OVERDUE,
    PAYMENT_STORY,
    POWER_CHANGE,
    RAISED_POWER_KW,
    REGISTERED_DAYS_AFTER,
    TIME_BARRED,
    DemoBill,
    DemoBilling,
    demo_billing,
    energy_receipt,
    excise_lines,
    monthly_instalments,
    months_after,
    power_change_on,
    price_change_on,
    vat_lines,
)
from sportello_deploy.identifiers import check_iban

TODAY = date(2026, 3, 20)
# Days the schedule treats differently: month ends, a leap day, just before a bill is issued.
TODAYS = (TODAY, date(2025, 12, 31), date(2026, 1, 11), date(2028, 2, 29), date(2027, 7, 1))


@pytest.fixture(scope="module")
def demo() -> DemoBilling:
    return demo_billing(TODAY)


def _bills_by_supply(demo: DemoBilling) -> dict[str, list[BillIssued]]:
    bills: dict[str, list[BillIssued]] = defaultdict(list)
    for item in demo.bills:
        bills[item.bill.supply_id].append(item.bill)
    return bills


def _supply(demo: DemoBilling, supply_id: str) -> SupplyActivated:
    return next(s for s, _ in demo.supplies if s.supply_id == supply_id)


def _years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years, day=min(day.day, 28) if day.month == 2 else day.day)


@pytest.mark.parametrize("today", TODAYS)
def test_every_bill_validates_and_its_lines_add_up_to_its_total(today: date) -> None:
    for item in demo_billing(today).bills:
        again = BillIssued.model_validate_json(item.bill.model_dump_json())
        assert again == item.bill
        assert sum(line.amount_cents for line in again.lines) == again.total_cents > 0
        assert again.due_on == again.issued_on + timedelta(days=20)
        assert again.issued_on > again.period_end  # billed after the period, within 45 days
        assert (again.issued_on - again.period_end).days <= 45


@pytest.mark.parametrize("today", TODAYS)
def test_each_supply_has_contiguous_bills_for_the_two_years_to_today(today: date) -> None:
    bills = _bills_by_supply(demo_billing(today))
    assert set(bills) == {s.activated.supply_id for s in DEMO_SUPPLIES}
    for supply in DEMO_SUPPLIES:
        own = bills[supply.activated.supply_id]
        assert len(own) == 24 // supply.months_per_bill
        assert all(_years_before(today, 2) < bill.issued_on <= today for bill in own)
        for earlier, later in pairwise(own):
            assert later.period_start == earlier.period_end + timedelta(days=1)
        # The latest bill is the latest one due: its next would be issued after today.
        assert (today - own[-1].issued_on).days < 31 * supply.months_per_bill
        assert all(bill.customer_code == supply.activated.customer_code for bill in own)
        assert own[0].period_start >= supply.activated.activated_on


def test_the_same_day_gives_the_same_events_and_another_day_moves_the_bills_on() -> None:
    assert demo_billing(TODAY) == demo_billing(TODAY)
    later = demo_billing(TODAY + timedelta(days=62))
    earlier_numbers = {b.bill.bill_number: b.event_id for b in demo_billing(TODAY).bills}
    later_numbers = {b.bill.bill_number: b.event_id for b in later.bills}
    assert later_numbers.keys() != earlier_numbers.keys()
    # A bill in both runs keeps its event id: consumers ignore it the second time.
    for number in earlier_numbers.keys() & later_numbers.keys():
        assert earlier_numbers[number] == later_numbers[number]


def test_no_two_bills_share_a_number_an_event_id_or_a_notice_position(
    demo: DemoBilling,
) -> None:
    numbers = [b.bill.bill_number for b in demo.bills]
    ids = [b.event_id for b in demo.bills] + [i for _, i in demo.supplies + demo.updates]
    positions = [b.bill.notice_position for b in demo.bills if b.bill.notice_position]
    assert len(set(numbers)) == len(numbers)
    assert len(set(ids)) == len(ids)
    assert len(set(positions)) == len(positions)
    assert all(len(p) == 13 and p.isdigit() for p in positions)


def test_pagopa_bills_carry_a_notice_and_direct_debit_bills_none(demo: DemoBilling) -> None:
    for item in demo.bills:
        payment = _supply(demo, item.bill.supply_id).payment
        if isinstance(payment, PagoPaPayment):
            assert item.bill.payment_method == "pagopa"
            assert item.bill.notice_position is not None
        else:
            assert item.bill.payment_method == "direct_debit"
            assert item.bill.notice_position is None


def test_the_supplies_are_those_of_the_demo_customers_as_the_demo_tells_them(
    demo: DemoBilling,
) -> None:
    codes = {c.customer_code for c in DEMO_CUSTOMERS}
    by_customer: dict[str, list[SupplyActivated]] = defaultdict(list)
    for supply, _ in demo.supplies:
        check_supply(supply)  # the point for the commodity, the IBAN's check digits
        assert supply.customer_code in codes
        by_customer[supply.customer_code].append(supply)
    assert set(by_customer) == codes
    rossi = {s.commodity: s for s in by_customer["C00010001"]}
    assert set(rossi) == {"gas", "electricity"}
    assert len(rossi["gas"].point_id) == 14
    assert rossi["electricity"].point_id.startswith("IT")
    assert rossi["electricity"].contracted_power_kw == 3.0
    for supply in rossi.values():
        assert supply.payment == PagoPaPayment()
        assert supply.delivery == PostalDelivery(address=supply.address)
    (bianchi,) = by_customer["C00010002"]
    assert bianchi.commodity == "electricity"
    assert isinstance(bianchi.delivery, EmailDelivery)
    assert isinstance(bianchi.payment, DirectDebitPayment)
    assert check_iban(bianchi.payment.iban).startswith("IT")
    assert len(by_customer["C00010003"]) == len(by_customer["C00010004"]) == 1
    (condominium,) = by_customer["C00010005"]
    assert (condominium.commodity, condominium.use) == ("gas", "non_domestic")


def test_electricity_bills_split_consumption_by_band_and_read_each_band(
    demo: DemoBilling,
) -> None:
    for item in demo.bills:
        bill = item.bill
        if bill.consumption.unit != "kWh":
            assert bill.consumption.by_band == {}
            continue
        assert set(bill.consumption.by_band) == {"F1", "F2", "F3"}
        assert sum(bill.consumption.by_band.values()) == bill.consumption.quantity
        assert {r.band for r in bill.readings} == {"F1", "F2", "F3"}


def test_gas_is_used_mostly_in_winter(demo: DemoBilling) -> None:
    for supply_id, bills in _bills_by_supply(demo).items():
        if not supply_id.startswith("FG"):
            continue
        by_month = {bill.period_start.month: bill.consumption.quantity for bill in bills}
        assert by_month[1] > 4 * by_month[7]


def test_two_estimated_bills_are_followed_by_an_actual_reading_with_their_catch_up(
    demo: DemoBilling,
) -> None:
    bills = _bills_by_supply(demo)[ESTIMATES_THEN_CATCH_UP]
    kinds = [bill.readings[0].kind for bill in bills]
    first = kinds.index("estimated")
    assert kinds[first : first + 3] == ["estimated", "estimated", "actual"]
    before, estimated, after = bills[first - 1], bills[first : first + 2], bills[first + 2]
    (catch_up,) = [line for line in after.lines if line.catch_up]
    assert catch_up.section == "adjustment"
    assert (catch_up.period_start, catch_up.period_end) == (
        estimated[0].period_start,
        estimated[1].period_end,
    )
    # The actual reading accounts for everything: what the estimates billed, what they missed
    # (the catch-up), and the new period's own consumption. The meter counts m3, the bills Smc
    # (m3 x the correction factor), each reading rounded to the m3.
    assert catch_up.quantity is not None
    assert catch_up.quantity > 0
    (supply,) = [s for s in DEMO_SUPPLIES if s.activated.supply_id == ESTIMATES_THEN_CATCH_UP]
    assert supply.correction_factor is not None
    used_smc = (after.readings[0].value - before.readings[0].value) * supply.correction_factor
    billed = sum(b.consumption.quantity for b in (*estimated, after))
    assert abs(used_smc - (billed + catch_up.quantity)) <= supply.correction_factor


def test_a_bill_is_over_150_percent_of_the_average_of_the_12_months_before_it(
    demo: DemoBilling,
) -> None:
    qualifying = []
    for bills in _bills_by_supply(demo).values():
        for bill in bills:
            year_before = [
                b.total_cents
                for b in bills
                if bill.issued_on - timedelta(days=365) <= b.issued_on < bill.issued_on
            ]
            if len(year_before) >= 3 and bill.total_cents > 1.5 * (
                sum(year_before) / len(year_before)
            ):
                qualifying.append(bill)
    # The catch-up bill is one of them, whatever the day.
    assert any(any(line.catch_up for line in bill.lines) for bill in qualifying)


@pytest.mark.parametrize("today", TODAYS)
def test_one_catch_up_bills_a_period_that_ended_over_two_years_before_its_bill(
    today: date,
) -> None:
    barred = [
        (item.bill, line)
        for item in demo_billing(today).bills
        for line in item.bill.lines
        if line.catch_up and line.period_end is not None
        if line.period_end < _years_before(item.bill.issued_on, 2)
    ]
    assert len(barred) == 1
    bill, line = barred[0]
    assert bill.supply_id == TIME_BARRED
    assert line.amount_cents > 0


@pytest.mark.parametrize("today", TODAYS)
def test_the_offers_prices_change_once_during_the_two_years(today: date) -> None:
    changed_on = price_change_on(today)
    assert _years_before(today, 1) < changed_on < today
    for supply_id, bills in _bills_by_supply(demo_billing(today)).items():
        prices = [
            next(line.unit_price for line in bill.lines if line.section == "consumption")
            for bill in bills
        ]
        assert len(set(prices)) == 2, supply_id
        changes = [i for i in range(1, len(prices)) if prices[i] != prices[i - 1]]
        assert len(changes) == 1
        assert bills[changes[0]].period_start == changed_on


def test_the_contracted_power_raised_once_shows_on_the_bills_after_it(
    demo: DemoBilling,
) -> None:
    ((update, _),) = demo.updates
    assert (update.supply_id, update.contracted_power_kw) == (POWER_CHANGE, RAISED_POWER_KW)
    for bill in _bills_by_supply(demo)[POWER_CHANGE]:
        (power,) = [line for line in bill.lines if line.section == "power"]
        raised = bill.period_start >= power_change_on(TODAY)
        assert power.quantity == Decimal(str(RAISED_POWER_KW if raised else 3.0))


def _items_by_supply(demo: DemoBilling) -> dict[str, list[DemoBill]]:
    by_supply: dict[str, list[DemoBill]] = defaultdict(list)
    for item in demo.bills:
        by_supply[item.bill.supply_id].append(item)
    return by_supply


@pytest.mark.parametrize("today", TODAYS)
def test_past_bills_are_paid_the_latest_pagopa_ones_are_not_and_some_are_overdue(
    today: date,
) -> None:
    demo = demo_billing(today)
    for supply_id, items in _items_by_supply(demo).items():
        if isinstance(_supply(demo, supply_id).payment, DirectDebitPayment):
            # Collected by the bank on the due date, whichever bill it is.
            for item in items:
                due = item.bill.due_on
                expected = [(due, "direct_debit", item.bill.total_cents)] if due < today else []
                assert [(p.paid_on, p.channel, p.amount_cents) for p in item.payments] == expected
            continue
        unpaid = 2 if supply_id in OVERDUE else 1
        # The latest may be the one in an instalment plan (its first instalment paid).
        assert all(item.payments == () or item.plan for item in items[-unpaid:])
        assert all(item.payments for item in items[:-unpaid])
    overdue = [i for i in demo.bills if not i.payments and i.bill.due_on < today]
    assert len(overdue) >= 2


@pytest.mark.parametrize("today", TODAYS)
def test_every_payment_is_registered_days_after_it_was_paid_and_never_after_today(
    today: date,
) -> None:
    demo = demo_billing(today)
    registrations = [p.registration_id for item in demo.bills for p in item.payments]
    assert len(set(registrations)) == len(registrations)
    for item in demo.bills:
        for payment in item.payments:
            again = PaymentRegistered.model_validate_json(payment.model_dump_json())
            assert again == payment
            assert (payment.bill_number, payment.customer_code) == (
                item.bill.bill_number,
                item.bill.customer_code,
            )
            assert item.bill.issued_on <= payment.paid_on <= payment.registered_on <= today
            assert (payment.registered_on - payment.paid_on).days <= REGISTERED_DAYS_AFTER
            assert payment.payment_id is None  # none settles an online payment of the portal
        if item.plan is None:
            assert item.paid_cents in (0, item.bill.total_cents) or (
                item.bill.supply_id == PAYMENT_STORY
            )


@pytest.mark.parametrize("today", TODAYS)
def test_the_demo_logins_electricity_was_paid_on_pagopa_by_card_late_and_in_part(
    today: date,
) -> None:
    items = _items_by_supply(demo_billing(today))[PAYMENT_STORY]
    assert _supply(demo_billing(today), PAYMENT_STORY).customer_code == (
        DEMO_LOGIN.customer.customer_code
    )
    paid = [item for item in items if item.payments]
    channels = {p.channel for item in paid for p in item.payments}
    assert {"pagopa", "card"} <= channels
    late = [i for i in paid if any(p.paid_on > i.bill.due_on for p in i.payments)]
    assert len(late) == 1
    assert late[0].paid_cents == late[0].bill.total_cents  # paid in full, only late
    (partly,) = [i for i in paid if i.paid_cents < i.bill.total_cents]
    assert 0 < partly.paid_cents < partly.bill.total_cents
    assert partly.paid_cents % 100 == 0  # a transfer of whole euro
    assert partly is items[-2]  # still open: the rest can be paid now
    # The latest is left for the demo user to pay online.
    assert items[-1].payments == ()
    assert items[-1].bill.payment_method == "pagopa"


@pytest.mark.parametrize("today", TODAYS)
def test_one_bill_is_in_a_plan_of_three_instalments_the_first_paid_the_next_to_come(
    today: date,
) -> None:
    demo = demo_billing(today)
    (item,) = [i for i in demo.bills if i.plan is not None]
    plan = item.plan
    assert plan is not None
    assert item.bill.supply_id == INSTALMENTS
    assert item.bill.customer_code == DEMO_LOGIN.customer.customer_code
    assert item.bill.total_cents >= 5_000  # no plan under 50 EUR (TIF)
    again = InstalmentPlanApproved.model_validate_json(plan.model_dump_json())
    assert again == plan
    # Asked within 10 days after the due date, granted by today.
    assert item.bill.due_on < plan.approved_on <= item.bill.due_on + timedelta(days=10)
    assert plan.approved_on < today
    instalments = plan.instalments
    assert len(instalments) == 3
    assert sum(i.amount_cents for i in instalments) == item.bill.total_cents + plan.interest_cents
    assert 0 < plan.interest_cents < item.bill.total_cents // 50
    assert instalments[0].due_on > plan.approved_on
    (payment,) = item.payments
    assert payment.amount_cents == instalments[0].amount_cents
    assert plan.approved_on <= payment.paid_on <= instalments[0].due_on
    assert instalments[1].due_on > today  # the rest still to come, none overdue
    # The latest gas bill, if it is not the one in the plan, is left to pay online.
    latest = _items_by_supply(demo)[INSTALMENTS][-1]
    assert latest is item or latest.payments == ()


def test_instalments_split_evenly_the_cents_left_on_the_last_a_month_apart() -> None:
    instalments = monthly_instalments(10_000, 3, date(2027, 1, 31))
    assert [i.number for i in instalments] == [1, 2, 3]
    assert [i.amount_cents for i in instalments] == [3_333, 3_333, 3_334]
    assert [i.due_on for i in instalments] == [
        date(2027, 1, 31),
        date(2027, 2, 28),  # no 31 February: its last day
        date(2027, 3, 31),
    ]
    assert months_after(date(2027, 11, 30), 3) == date(2028, 2, 29)
    with pytest.raises(ValueError, match="too little for 3 instalments"):
        monthly_instalments(2, 3, date(2027, 1, 1))


def test_domestic_electricity_pays_10_percent_vat_and_the_condominium_22(
    demo: DemoBilling,
) -> None:
    for item in demo.bills:
        rates = {line.unit_price for line in item.bill.lines if line.section == "vat"}
        supply = _supply(demo, item.bill.supply_id)
        if supply.use == "non_domestic":
            assert rates == {Decimal("0.22")}
        elif supply.commodity == "electricity":
            assert rates == {Decimal("0.10")}
        elif item.bill.period_start.month == 1:  # winter gas: beyond the reduced allowance
            assert rates == {Decimal("0.10"), Decimal("0.22")}


def test_all_in_prices_are_those_of_italy_in_2025_and_2026(demo: DemoBilling) -> None:
    bills = _bills_by_supply(demo)
    for supply_id in ("FG10001", "FG10003", "FG10005"):
        winter = [b for b in bills[supply_id] if b.period_start.month in (1, 11)]
        winter = [b for b in winter if not any(line.catch_up for line in b.lines)]
        for bill in winter:
            assert 1.0 <= bill.total_cents / 100 / float(bill.consumption.quantity) <= 1.3
    for supply_id in ("FE10001", "FE10002"):
        year = bills[supply_id][-12:]
        paid = sum(line.amount_cents for b in year for line in b.lines if line.section != "other")
        used = sum(b.consumption.quantity for b in year)
        assert 0.25 <= paid / 100 / float(used) <= 0.35


def test_gas_excise_is_charged_by_yearly_bracket_pro_rata() -> None:
    lines = excise_lines("gas", "domestic", 365, Decimal(2000), resident_exemption=False)
    assert [line.quantity for line in lines] == [120, 360, 1080, 440]
    assert sum(line.amount_cents for line in lines) == 528 + 6300 + 18360 + 8184
    half_year = excise_lines("gas", "domestic", 73, Decimal(50), resident_exemption=False)
    assert [line.quantity for line in half_year] == [24, 26]  # 120 Smc x 73/365 = 24 Smc


def test_a_resident_pays_no_electricity_excise_on_150_kwh_a_month() -> None:
    (line,) = excise_lines("electricity", "domestic", 31, Decimal(200), resident_exemption=True)
    assert (line.quantity, line.amount_cents) == (Decimal(50), 114)
    assert excise_lines("electricity", "domestic", 30, Decimal(140), resident_exemption=True) == ()
    (full,) = excise_lines("electricity", "domestic", 31, Decimal(200), resident_exemption=False)
    assert full.quantity == 200


def test_domestic_gas_vat_is_reduced_on_the_first_480_smc_a_year() -> None:
    lines = vat_lines("gas", "domestic", 365, Decimal(960), 100_000)
    assert [(line.unit_price, line.quantity) for line in lines] == [
        (Decimal("0.10"), Decimal(500)),
        (Decimal("0.22"), Decimal(500)),
    ]
    assert [line.amount_cents for line in lines] == [5_000, 11_000]
    (non_domestic,) = vat_lines("gas", "non_domestic", 365, Decimal(960), 100_000)
    assert non_domestic.amount_cents == 22_000


def test_the_energy_receipt_taxes_charges_and_leaves_untaxed_lines_alone() -> None:
    consumption = BillLine(section="consumption", description="Materia", amount_cents=10_000)
    licence = BillLine(section="other", description="Canone RAI", amount_cents=900)
    lines = energy_receipt(
        [consumption],
        commodity="electricity",
        use="domestic",
        days=31,
        taxed_quantity=Decimal(300),
        resident_exemption=False,
        untaxed=[licence],
    )
    excise = 681  # 300 kWh x 0.0227 EUR
    assert [line.section for line in lines] == ["consumption", "taxes", "vat", "other"]
    assert lines[1].amount_cents == excise
    assert lines[2].amount_cents == round((10_000 + excise) * 0.10)
    assert lines[3] == licence
