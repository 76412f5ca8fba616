"""The demo's meters and readings: a meter for every demo supply, the one its bills read; the
distributors' readings of two years agreeing with the bills; prices, 15-minute data and reading
windows as the demo login's story needs them; the same events at every run."""

from collections import defaultdict
from datetime import date, timedelta
from itertools import pairwise

import pytest

from sportello_contracts.bills import BillIssued
from sportello_contracts.readings import (
    DistributorReadingsPublished,
    IntervalDaysPublished,
    MeterInstalled,
    Register,
)
from sportello_deploy.backoffice import BackOffice, Batch, batch_event_id, content_event_id
from sportello_deploy.demo import DEMO_LOGIN, load_demo_data
from sportello_deploy.demo_bills import (
    DEMO_SUPPLIES,
    ESTIMATES_THEN_CATCH_UP,
    OPEN_WINDOW,
    DemoBilling,
    demo_billing,
    dial,
    meter_at,
)
from sportello_deploy.demo_readings import CURVE_DAYS, REPLACED, DemoReadings, demo_readings
from sportello_deploy.identifiers import check_point
from sportello_deploy.interval_curves import quarters_in

TODAY = date(2026, 3, 20)
TODAYS = (TODAY, date(2025, 12, 31), date(2026, 1, 11), date(2028, 2, 29), date(2027, 7, 1))
SUPPLIES = {supply.activated.supply_id: supply for supply in DEMO_SUPPLIES}


@pytest.fixture(scope="module")
def billing() -> DemoBilling:
    return demo_billing(TODAY)


@pytest.fixture(scope="module")
def readings(billing: DemoBilling) -> DemoReadings:
    return demo_readings(TODAY, billing)


def _bills(billing: DemoBilling) -> dict[str, list[BillIssued]]:
    bills: dict[str, list[BillIssued]] = defaultdict(list)
    for item in billing.bills:
        bills[item.bill.supply_id].append(item.bill)
    return bills


def _current_meters(readings: DemoReadings) -> dict[str, MeterInstalled]:
    # The latest installed on each supply: the one its bills read.
    meters: dict[str, MeterInstalled] = {}
    for meter in readings.meters:
        meters[meter.supply_id] = meter
    return meters


@pytest.mark.parametrize("today", TODAYS)
def test_every_meter_validates_and_every_supply_has_the_meter_its_supply_names(
    today: date,
) -> None:
    readings = demo_readings(today)
    for meter in readings.meters:
        assert MeterInstalled.model_validate_json(meter.model_dump_json()) == meter
        check_point(meter.commodity, meter.point_id)
    current = _current_meters(readings)
    assert set(current) == set(SUPPLIES)
    for supply_id, meter in current.items():
        activated = SUPPLIES[supply_id].activated
        assert (meter.customer_code, meter.point_id) == (
            activated.customer_code,
            activated.point_id,
        )
        assert meter.meter.serial == activated.meter.serial
        assert meter.meter.smart == activated.meter.smart
        assert meter.installed_on >= activated.activated_on


def test_domestic_gas_meters_have_5_digits_a_correction_factor_and_are_read_by_hand(
    readings: DemoReadings,
) -> None:
    domestic_gas = [
        meter
        for supply_id, meter in _current_meters(readings).items()
        if meter.commodity == "gas" and SUPPLIES[supply_id].activated.use == "domestic"
    ]
    assert len(domestic_gas) == 2
    for meter in domestic_gas:
        assert (meter.meter.unit, meter.meter.digits, meter.meter.smart) == ("m3", 5, False)
        assert meter.meter.correction_factor is not None
        assert meter.meter.correction_factor > 1


def test_electricity_meters_read_each_band_one_is_not_smart_and_one_replaced_another(
    readings: DemoReadings,
) -> None:
    electricity = [m for m in _current_meters(readings).values() if m.commodity == "electricity"]
    assert all(m.meter.banded and m.meter.registers == ("F1", "F2", "F3") for m in electricity)
    assert any(m.meter.smart for m in electricity)
    (by_hand,) = [m for m in electricity if not m.meter.smart]
    assert by_hand.meter.correction_factor is None
    # The replaced meter comes first, and its replacement names it with its last reading.
    on_replaced = [m for m in readings.meters if m.supply_id == REPLACED]
    first, second = on_replaced
    assert second.replaced_serial == first.meter.serial
    assert second.removal is not None
    assert first.installed_on < second.installed_on


@pytest.mark.parametrize("today", TODAYS)
def test_every_bill_reads_its_supplys_meter_within_its_digits_from_its_first_reading(
    today: date,
) -> None:
    billing = demo_billing(today)
    meters = _current_meters(demo_readings(today, billing))
    for supply_id, bills in _bills(billing).items():
        meter = meters[supply_id]
        for bill in bills:
            registers = {"total" if r.band is None else r.band for r in bill.readings}
            assert registers == set(meter.meter.registers), bill.bill_number
            for reading in bill.readings:
                register = "total" if reading.band is None else reading.band
                assert meter.initial[register] <= reading.value < 10**meter.meter.digits
                assert reading.read_on >= meter.installed_on


def test_the_meters_readings_agree_with_the_bills_the_distributors_readings_too(
    billing: DemoBilling, readings: DemoReadings
) -> None:
    by_day = {(r.supply_id, r.read_on): r.values for r in readings.distributor_readings}
    compared = 0
    for supply_id, bills in _bills(billing).items():
        supply = SUPPLIES[supply_id]
        for bill in bills:
            if bill.readings[0].kind == "estimated":
                assert (supply_id, bill.period_end) not in by_day
                continue
            # An actual or self-reading is what the meter showed at the end of the period.
            shown = dial(supply, meter_at(supply, bill.period_end + timedelta(days=1)))
            assert {r.band: r.value for r in bill.readings} == shown
            if (supply_id, bill.period_end) in by_day:
                values = by_day[(supply_id, bill.period_end)]
                assert {r.band or "total": r.value for r in bill.readings} == values
                compared += 1
    assert compared > 40


def test_a_bill_prints_the_same_reading_whatever_day_the_demo_runs(
    billing: DemoBilling,
) -> None:
    # (Whose reading it was, the distributor's or the customer's, alternates from the latest
    # bill back; what the meter showed does not move.)
    later = {item.bill.bill_number: item.bill for item in demo_billing(date(2026, 6, 3)).bills}
    same = 0
    for item in billing.bills:
        other = later.get(item.bill.bill_number)
        if other is None or "estimated" in {r.kind for r in (*item.bill.readings, *other.readings)}:
            continue
        shown = [(r.read_on, r.band, r.value) for r in item.bill.readings]
        assert [(r.read_on, r.band, r.value) for r in other.readings] == shown
        same += 1
    assert same > 50


def test_gas_supplies_have_the_distributors_monthly_readings_of_two_years(
    readings: DemoReadings,
) -> None:
    month_ends: dict[str, list[date]] = defaultdict(list)
    for reading in readings.distributor_readings:
        assert reading.kind == "actual"
        assert reading.read_on < TODAY
        assert (reading.read_on + timedelta(days=1)).day == 1
        month_ends[reading.supply_id].append(reading.read_on)
    gas = [s for s, supply in SUPPLIES.items() if supply.activated.commodity == "gas"]
    assert set(gas) <= set(month_ends)
    # Each of the 24 months before this one, and so the same months a year before too, has a
    # reading at either end (from the end of February 2024, 25 months before TODAY's month),
    # but where the distributor could not read (the two estimated bills: four months).
    last_month_end = TODAY.replace(day=1) - timedelta(days=1)
    for supply_id in gas:
        ends = month_ends[supply_id]
        assert ends == sorted(ends)
        assert (ends[0], ends[-1]) == (date(2024, 2, 29), last_month_end)
        assert len(ends) == (25 if supply_id != ESTIMATES_THEN_CATCH_UP else 21)
    # The electricity meter read by hand is read with its bills, not every month.
    by_hand = {s for s, supply in SUPPLIES.items() if not supply.activated.meter.smart}
    assert not (by_hand - set(gas)) & set(month_ends)


def test_distributor_readings_never_go_back_on_a_meter(readings: DemoReadings) -> None:
    series: dict[str, list[dict[Register, int]]] = defaultdict(list)
    for reading in readings.distributor_readings:
        series[reading.supply_id].append(dict(reading.values))
    for values in series.values():
        for before, after in pairwise(values):
            assert all(after[r] >= before[r] for r in before)


def test_the_demo_logins_smart_meter_has_prices_and_35_days_of_curves_to_yesterday(
    billing: DemoBilling, readings: DemoReadings
) -> None:
    login = DEMO_LOGIN.customer.customer_code
    (smart,) = [
        s
        for s, supply in SUPPLIES.items()
        if supply.activated.customer_code == login and supply.activated.commodity == "electricity"
    ]
    assert SUPPLIES[smart].activated.meter.smart
    days = sorted(d.day for d in readings.interval_days if d.supply_id == smart)
    assert days == [TODAY - timedelta(days=n) for n in range(CURVE_DAYS, 0, -1)]
    assert all(len(d.quarter_wh) == quarters_in(d.day) for d in readings.interval_days)
    prices = sorted(
        (p for p in readings.prices if p.supply_id == smart), key=lambda p: p.valid_from
    )
    assert len(prices) == 2
    # The bills charge the energy at the prices in force when their period starts.
    for bill in _bills(billing)[smart]:
        in_force = [p for p in prices if p.valid_from <= bill.period_start][-1]
        for line in bill.lines:
            if line.description.startswith("Spesa per la materia energia, fascia "):
                band = line.description[-2:]
                assert line.unit_price == in_force.euro_per_kwh[band]  # type: ignore[index]


def test_the_main_gas_supply_is_in_its_reading_window_today_another_supply_is_not(
    billing: DemoBilling,
) -> None:
    bills = _bills(billing)
    main = bills[OPEN_WINDOW][-1].next_reading_window
    assert main is not None
    assert main.opens_on <= TODAY <= main.closes_on
    assert 5 <= (main.closes_on - main.opens_on).days + 1 <= 7
    assert SUPPLIES[OPEN_WINDOW].activated.customer_code == DEMO_LOGIN.customer.customer_code
    outside = [
        bill.next_reading_window
        for supply_id, supply_bills in bills.items()
        if supply_id != OPEN_WINDOW
        for bill in supply_bills[-1:]
        if bill.next_reading_window is not None
    ]
    assert outside
    assert all(not (w.opens_on <= TODAY <= w.closes_on) for w in outside)
    assert all(w.opens_on > TODAY for w in outside)  # the next window is still to come


@pytest.mark.parametrize("today", TODAYS)
def test_windows_are_printed_for_meters_read_by_hand_for_a_reading_after_the_bill(
    today: date,
) -> None:
    for supply_id, bills in _bills(demo_billing(today)).items():
        smart = SUPPLIES[supply_id].smart_readings
        for bill, following in zip(bills, [*bills[1:], None], strict=True):
            window = bill.next_reading_window
            assert (window is None) == smart
            if window is None:
                continue
            assert window.closes_on >= bill.issued_on
            if following is not None:
                # The next bill's reading was taken within the window this bill printed.
                assert window.opens_on <= following.period_end <= window.closes_on
        if supply_id == OPEN_WINDOW:
            last = bills[-1].next_reading_window
            assert last is not None
            assert last.opens_on <= today <= last.closes_on


def test_the_same_day_publishes_the_same_events_and_another_day_the_same_meters(
    readings: DemoReadings,
) -> None:
    again = demo_readings(TODAY)
    assert again == readings
    assert [content_event_id(m) for m in again.meters] == [
        content_event_id(m) for m in readings.meters
    ]
    batches: list[Batch] = [*readings.distributor_batches, *readings.interval_batches]
    batches_again: list[Batch] = [*again.distributor_batches, *again.interval_batches]
    assert [batch_event_id(b) for b in batches] == [batch_event_id(b) for b in batches_again]
    assert len({content_event_id(m) for m in readings.meters}) == len(readings.meters)
    for batch in batches:
        kind = DistributorReadingsPublished if "DSTR" in batch.batch_id else IntervalDaysPublished
        assert kind.model_validate_json(batch.model_dump_json()) == batch
    # Run on another day, the demo installs the same meters (the same events), and the
    # distributor read the same values on the days both runs hold.
    later = demo_readings(date(2026, 5, 4))
    assert {content_event_id(m) for m in later.meters} == {
        content_event_id(m) for m in readings.meters
    }
    values = {(r.supply_id, r.read_on): r.values for r in readings.distributor_readings}
    shared = [r for r in later.distributor_readings if (r.supply_id, r.read_on) in values]
    assert len(shared) > 80
    assert all(values[(r.supply_id, r.read_on)] == r.values for r in shared)


class _Recorder(BackOffice):
    """The simulator with its ids and checks, recording what it would send instead of sending."""

    def __init__(self) -> None:
        super().__init__("amqp://guest:guest@127.0.0.1:9/", "nowhere")
        self.sent: list[tuple[str, str]] = []

    async def publish_raw(
        self, body: bytes, routing_key: str, message_id: str | None = None
    ) -> None:
        assert message_id is not None
        self.sent.append((routing_key, message_id))


async def test_the_demo_published_twice_the_same_day_sends_the_same_events() -> None:
    first, second = _Recorder(), _Recorder()
    counts = await load_demo_data(first, TODAY)
    await load_demo_data(second, TODAY)
    assert first.sent == second.sent
    assert len({message_id for _, message_id in first.sent}) == len(first.sent)
    kinds = [routing_key for routing_key, _ in first.sent]
    assert kinds.count(MeterInstalled.ROUTING_KEY) == counts.meters == len(SUPPLIES) + 1
    assert counts.distributor_readings > 100
    assert counts.interval_days == CURVE_DAYS * 2
    # After the supplies and their bills, as the demo's order promises.
    assert kinds.index(MeterInstalled.ROUTING_KEY) > max(
        i for i, kind in enumerate(kinds) if kind == BillIssued.ROUTING_KEY
    )
    assert {DistributorReadingsPublished.ROUTING_KEY, IntervalDaysPublished.ROUTING_KEY} <= set(
        kinds
    )
