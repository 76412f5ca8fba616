"""Demo supplies, two years of their bills and what was paid of them, and the energy receipt
the simulator bills with.

Pure: the same `today` gives the same events, event ids and registration ids included, so
loading the demo again changes nothing. Figures are plausible for Italy in 2025-26 (gas about
1.0-1.3 EUR/Smc and electricity about 0.25-0.35 EUR/kWh all in), not a tariff: excise and VAT
follow the shape of the national rules (excise by yearly bracket, pro rata of the days billed;
VAT 10% on domestic gas up to 480 Smc a year and on domestic electricity, 22% otherwise).
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from sportello_contracts.bills import (
    Band,
    BillIssued,
    BillLine,
    ConsumptionBilled,
    LineSection,
    PaymentChannel,
    ReadingKind,
    ReadingUsed,
    ReadingWindow,
    Unit,
)
from sportello_contracts.payments import Instalment, InstalmentPlanApproved, PaymentRegistered
from sportello_contracts.supplies import (
    Commodity,
    DirectDebitPayment,
    Distributor,
    EmailDelivery,
    Meter,
    PagoPaPayment,
    PostalAddress,
    PostalDelivery,
    SupplyActivated,
    SupplyUpdated,
    Use,
)

# Regulated terms: at least 20 days between issue and due date (DOMAIN.md, "due date").
DUE_DAYS = 20
# Gas excise for civil uses (EUR/Smc) by yearly consumption bracket: (up to Smc a year, rate).
GAS_EXCISE_BRACKETS: tuple[tuple[int | None, Decimal], ...] = (
    (120, Decimal("0.044")),
    (480, Decimal("0.175")),
    (1560, Decimal("0.170")),
    (None, Decimal("0.186")),
)
ELECTRICITY_EXCISE = {"domestic": Decimal("0.0227"), "non_domestic": Decimal("0.0125")}
# A resident household with up to 3 kW pays no excise on its first 150 kWh a month.
EXCISE_FREE_KWH_PER_MONTH = 150
RESIDENT_EXEMPTION_MAX_KW = 3.0
REDUCED_VAT = Decimal("0.10")
STANDARD_VAT = Decimal("0.22")
# Domestic gas: the reduced VAT covers the first 480 Smc a year.
REDUCED_VAT_GAS_SMC_PER_YEAR = 480
# Canone RAI on a resident's electricity bill: 90 EUR a year in ten instalments (January-October).
TV_LICENCE_CENTS = 900
TV_LICENCE_MONTHS = range(1, 11)

_CENT = Decimal("0.01")
_DAYS_PER_YEAR = Decimal(365)


# The energy receipt: lines before taxes, then excise and VAT on them.


def cents(euro: Decimal) -> int:
    """Euro to integer cents, half away from zero (how bills round each line)."""
    return int((euro / _CENT).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def charge(
    section: LineSection,
    description: str,
    quantity: Decimal,
    unit: Unit,
    unit_price: Decimal,
    **more: date | bool,
) -> BillLine:
    """A line of quantity x price, its amount rounded to the cent."""
    return BillLine.model_validate(
        {
            "section": section,
            "description": description,
            "quantity": quantity,
            "unit": unit,
            "unit_price": unit_price,
            "amount_cents": cents(quantity * unit_price),
            **more,
        }
    )


def excise_lines(
    commodity: Commodity, use: Use, days: int, quantity: Decimal, resident_exemption: bool
) -> tuple[BillLine, ...]:
    """The excise on `quantity` billed over `days`: gas by bracket (the yearly brackets pro rata
    of the days billed), electricity at one rate, less a resident's free kWh."""
    if commodity == "gas":
        lines, below = [], Decimal(0)
        for number, (up_to, rate) in enumerate(GAS_EXCISE_BRACKETS, start=1):
            top = None if up_to is None else Decimal(up_to) * days / _DAYS_PER_YEAR
            taxed = quantity - below if top is None else min(quantity, top) - below
            if taxed > 0:
                taxed = taxed.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
                lines.append(charge("taxes", f"Accise gas, scaglione {number}", taxed, "Smc", rate))
            if top is not None:
                below = max(below, min(quantity, top))
        return tuple(lines)
    free = Decimal(0)
    if resident_exemption:
        free = Decimal(EXCISE_FREE_KWH_PER_MONTH) * _months(days)
    taxed = max(Decimal(0), quantity - free)
    if taxed == 0:
        return ()
    description = "Accise sull'energia elettrica"
    if free:
        description += f" (esenti i primi {EXCISE_FREE_KWH_PER_MONTH} kWh al mese)"
    return (charge("taxes", description, taxed, "kWh", ELECTRICITY_EXCISE[use]),)


def vat_lines(
    commodity: Commodity, use: Use, days: int, quantity: Decimal, base_cents: int
) -> tuple[BillLine, ...]:
    """VAT on `base_cents`: domestic gas splits it by the Smc within the reduced-rate allowance."""
    if use == "non_domestic":
        reduced_share = Decimal(0)
    elif commodity == "electricity" or quantity <= 0:
        reduced_share = Decimal(1)
    else:
        allowance = Decimal(REDUCED_VAT_GAS_SMC_PER_YEAR) * days / _DAYS_PER_YEAR
        reduced_share = min(quantity, allowance) / quantity
    reduced_base = cents(Decimal(base_cents) * reduced_share / 100)
    bases = ((REDUCED_VAT, reduced_base), (STANDARD_VAT, base_cents - reduced_base))
    return tuple(
        charge("vat", f"IVA {rate * 100:.0f}%", Decimal(base) / 100, "euro", rate)
        for rate, base in bases
        if base != 0
    )


def energy_receipt(
    charges: Sequence[BillLine],
    *,
    commodity: Commodity,
    use: Use,
    days: int,
    taxed_quantity: Decimal,
    resident_exemption: bool = False,
    untaxed: Sequence[BillLine] = (),
) -> tuple[BillLine, ...]:
    """A bill's lines: `charges` (consumption, fixed, power, adjustments), the excise on
    `taxed_quantity`, VAT on both, then `untaxed` lines (canone RAI); their sum is the total."""
    excise = excise_lines(commodity, use, days, taxed_quantity, resident_exemption)
    taxable = sum(line.amount_cents for line in (*charges, *excise))
    vat = vat_lines(commodity, use, days, taxed_quantity, taxable)
    return (*charges, *excise, *vat, *untaxed)


def notice_position_for(bill_number: str) -> str:
    """A 13-digit pagoPA position derived from the bill number: the same bill, the same one."""
    return f"{uuid5(NAMESPACE_URL, f'sportello-notice:{bill_number}').int % 10**13:013d}"


# Instalment plans.


def monthly_instalments(total_cents: int, count: int, first_due_on: date) -> tuple[Instalment, ...]:
    """`total_cents` in `count` even monthly instalments, the remainder of the division on the
    last; the n-th falls due n-1 months after `first_due_on` (the same day, or the month's
    last when it is shorter). `ValueError` when there is not a cent for each."""
    if total_cents < count:
        raise ValueError(f"too little for {count} instalments")
    each = total_cents // count
    return tuple(
        Instalment(
            number=number,
            due_on=months_after(first_due_on, number - 1),
            amount_cents=each if number < count else total_cents - each * (count - 1),
        )
        for number in range(1, count + 1)
    )


def months_after(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    following = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(day.day, (following - timedelta(days=1)).day))


def _months(days: int) -> int:
    """The whole months `days` make (a monthly bill is one month whether of 28 or 31 days)."""
    return max(1, round(days * 12 / 365))


# The demo's supplies.

_GAS_HOME = (18, 15, 11, 6, 3, 2, 1.5, 1.5, 2, 5, 12, 17)  # a flat: heating, cooking, hot water
_GAS_HEATING = (22, 18, 12, 4, 0.5, 0.3, 0.3, 0.3, 0.3, 4, 15, 20)  # central heating alone
_POWER_HOME = (105, 95, 95, 85, 85, 100, 125, 115, 95, 90, 95, 110)  # air conditioning in summer
_POWER_HOLIDAYS = (40, 35, 45, 70, 80, 120, 210, 230, 100, 50, 40, 60)  # a house by the sea
_BAND_SHARES: dict[Band, float] = {"F1": 0.33, "F2": 0.31, "F3": 0.36}


@dataclass(frozen=True)
class DemoSupply:
    """A demo supply and what its bills are made of."""

    activated: SupplyActivated
    yearly_quantity: int  # Smc or kWh
    monthly_profile: tuple[float, ...]  # relative weight of each calendar month
    months_per_bill: int  # 2 for gas (bimonthly), 1 for electricity
    issue_lag_days: int  # days from the end of the period to the bill
    # The meter: its dial at installation (electricity: split between the bands), its digits,
    # and the day it was installed, the first of a month that starts a billing period. Its
    # readings run from that day, whatever today is: a bill prints the same reading at every
    # run of the demo.
    first_reading: int
    meter_digits: int
    meter_installed_on: date
    fixed_per_month: Decimal
    notice_series: int  # makes each supply's pagoPA positions its own
    resident: bool = True  # electricity: excise exemption up to 3 kW, canone RAI
    smart_readings: bool = False  # read remotely every period: always an actual reading
    # Gas without a converter: the meter counts m3, bills Smc (m3 x this factor).
    correction_factor: Decimal | None = None


def _supply(
    supply_id: str,
    customer_code: str,
    commodity: Commodity,
    point_id: str,
    address: PostalAddress,
    offer: tuple[str, str],
    meter: Meter,
    distributor: Distributor,
    activated_on: date,
    delivery: PostalDelivery | EmailDelivery,
    payment: PagoPaPayment | DirectDebitPayment,
    use: Use = "domestic",
    contracted_power_kw: float | None = None,
) -> SupplyActivated:
    return SupplyActivated(
        supply_id=supply_id,
        customer_code=customer_code,
        commodity=commodity,
        point_id=point_id,
        address=address,
        use=use,
        contracted_power_kw=contracted_power_kw,
        offer_code=offer[0],
        offer_name=offer[1],
        meter=meter,
        distributor=distributor,
        activated_on=activated_on,
        delivery=delivery,
        payment=payment,
    )


_ROSSI_HOME = PostalAddress(
    street="Via Appia Nuova", number="123", post_code="00183", city="Roma", province="RM"
)
_BIANCHI_HOME = PostalAddress(
    street="Corso Buenos Aires", number="45", post_code="20124", city="Milano", province="MI"
)
_VERDI_HOME = PostalAddress(
    street="Via Garibaldi", number="20", post_code="10122", city="Torino", province="TO"
)
_VERDI_SEASIDE = PostalAddress(
    street="Via del Porto", number="8", post_code="17021", city="Alassio", province="SV"
)
_CONDOMINIUM = PostalAddress(
    street="Via Roma", number="12", post_code="10123", city="Torino", province="TO"
)
_CONDOMINIUM_ADMINISTRATOR = PostalAddress(
    recipient="c/o Studio Ferrari Amministrazioni",
    street="Corso Vittorio Emanuele II",
    number="80",
    post_code="10121",
    city="Torino",
    province="TO",
)
_ITALGAS = Distributor(name="Italgas Reti", emergency_number="800 900 999")
_ARETI = Distributor(name="Areti", emergency_number="800 130 336")
_UNARETI = Distributor(name="Unareti", emergency_number="800 933 301")
_E_DISTRIBUZIONE = Distributor(name="e-distribuzione", emergency_number="803 500")
_GAS_HOME_OFFER = ("GAS-CASA-VAR", "Gas Casa Indicizzata")
_POWER_HOME_OFFER = ("LUCE-CASA-VAR", "Luce Casa Indicizzata")
_GAS_CONDOMINIUM_OFFER = ("GAS-CONDOMINI", "Gas Condomini Riscaldamento")
# Giulia Bianchi's account (a made-up account at a real bank's ABI and CAB; check digits valid).
GIULIA_IBAN = "IT61X0306909606100000012345"

DEMO_SUPPLIES = (
    DemoSupply(
        _supply(
            "FG10001",
            "C00010001",
            "gas",
            "00881234567890",
            _ROSSI_HOME,
            _GAS_HOME_OFFER,
            Meter(serial="PGM-0457812"),
            _ITALGAS,
            date(2016, 3, 1),
            PostalDelivery(address=_ROSSI_HOME),
            PagoPaPayment(),
        ),
        yearly_quantity=950,
        monthly_profile=_GAS_HOME,
        months_per_bill=2,
        issue_lag_days=12,
        first_reading=4_812,
        meter_digits=5,
        meter_installed_on=date(2021, 9, 1),
        correction_factor=Decimal("1.021"),
        fixed_per_month=Decimal("11.50"),
        notice_series=100011,
    ),
    DemoSupply(
        _supply(
            "FE10001",
            "C00010001",
            "electricity",
            "IT002E12345678",
            _ROSSI_HOME,
            _POWER_HOME_OFFER,
            Meter(serial="2G-ARE-88213405", smart=True),
            _ARETI,
            date(2016, 3, 1),
            PostalDelivery(address=_ROSSI_HOME),
            PagoPaPayment(),
            contracted_power_kw=3.0,
        ),
        yearly_quantity=2_400,
        monthly_profile=_POWER_HOME,
        months_per_bill=1,
        issue_lag_days=9,
        first_reading=21_560,
        meter_digits=6,
        meter_installed_on=date(2021, 4, 1),  # a 2G meter, replacing the first one
        fixed_per_month=Decimal("8.40"),
        notice_series=100012,
        smart_readings=True,
    ),
    DemoSupply(
        _supply(
            "FE10002",
            "C00010002",
            "electricity",
            "IT012E00418822",
            _BIANCHI_HOME,
            _POWER_HOME_OFFER,
            Meter(serial="2G-UNA-40918831", smart=True),
            _UNARETI,
            date(2019, 6, 15),
            EmailDelivery(email="giulia.bianchi@example.it"),
            DirectDebitPayment(
                holder_name="Giulia Bianchi",
                holder_fiscal_code="BNCGLI85M52F205H",
                iban=GIULIA_IBAN,
            ),
            contracted_power_kw=3.0,
        ),
        yearly_quantity=1_900,
        monthly_profile=_POWER_HOME,
        months_per_bill=1,
        issue_lag_days=9,
        first_reading=9_870,
        meter_digits=6,
        meter_installed_on=date(2021, 2, 1),
        fixed_per_month=Decimal("8.40"),
        notice_series=100022,
        smart_readings=True,
    ),
    DemoSupply(
        _supply(
            "FG10003",
            "C00010003",
            "gas",
            "09951000337214",
            _VERDI_HOME,
            _GAS_HOME_OFFER,
            Meter(serial="PGM-1130987"),
            _ITALGAS,
            date(2018, 10, 1),
            PostalDelivery(address=_VERDI_HOME),
            PagoPaPayment(),
        ),
        yearly_quantity=700,
        monthly_profile=_GAS_HOME,
        months_per_bill=2,
        issue_lag_days=12,
        first_reading=7_205,
        meter_digits=5,
        meter_installed_on=date(2021, 3, 1),
        correction_factor=Decimal("1.013"),
        fixed_per_month=Decimal("11.50"),
        notice_series=100031,
    ),
    DemoSupply(
        _supply(
            "FE10004",
            "C00010004",
            "electricity",
            "IT001E73310456",
            _VERDI_SEASIDE,
            _POWER_HOME_OFFER,
            # Not read remotely: its bills alternate the distributor's and the customer's reading.
            Meter(serial="EDI-1G-51200877"),
            _E_DISTRIBUZIONE,
            date(2021, 5, 1),
            EmailDelivery(email="luca.verdi@example.it"),
            PagoPaPayment(),
            contracted_power_kw=3.0,
        ),
        yearly_quantity=1_080,
        monthly_profile=_POWER_HOLIDAYS,
        months_per_bill=1,
        issue_lag_days=9,
        first_reading=3_310,
        meter_digits=6,
        meter_installed_on=date(2021, 5, 1),
        fixed_per_month=Decimal("8.40"),
        notice_series=100042,
        resident=False,
    ),
    DemoSupply(
        _supply(
            "FG10005",
            "C00010005",
            "gas",
            "09951000890021",
            _CONDOMINIUM,
            _GAS_CONDOMINIUM_OFFER,
            Meter(serial="SMG40-7781204", smart=True),
            _ITALGAS,
            date(2012, 10, 1),
            PostalDelivery(address=_CONDOMINIUM_ADMINISTRATOR),
            PagoPaPayment(),
            use="non_domestic",
        ),
        yearly_quantity=18_000,
        monthly_profile=_GAS_HEATING,
        months_per_bill=2,
        issue_lag_days=12,
        first_reading=310_442,
        # A G40 meter with a volume converter of its own (no correction factor), read remotely.
        meter_digits=7,
        meter_installed_on=date(2020, 11, 1),
        fixed_per_month=Decimal("48.00"),
        notice_series=100051,
        smart_readings=True,
    ),
)

# The special cases, each on one supply.
ESTIMATES_THEN_CATCH_UP = "FG10001"  # two estimated bills, then an actual reading and a conguaglio
TIME_BARRED = "FG10003"  # a catch-up of consumption over two years old
POWER_CHANGE = "FE10002"  # 3 kW to 4.5 kW during the two years
# Its latest bill follows a meter fault: it qualifies for instalments while it can be asked.
AFTER_METER_FAULT = "FG10005"
RAISED_POWER_KW = 4.5
OVERDUE = ("FG10003", "FG10005")  # their last bill but one is left unpaid, past its due date
# An estimate of the supplier's: a share of the real consumption (winter came early).
ESTIMATE_SHARE = Decimal("0.75")

# Prices before taxes (EUR per unit); the offers' prices change once, on `price_change_on`.
_GAS_PRICE = (Decimal("0.545"), Decimal("0.598"))
_GAS_NETWORK = Decimal("0.118")  # transport, meter and system charges per Smc
POWER_PRICE: dict[Band, tuple[Decimal, Decimal]] = {
    "F1": (Decimal("0.168"), Decimal("0.152")),
    "F2": (Decimal("0.156"), Decimal("0.141")),
    "F3": (Decimal("0.142"), Decimal("0.129")),
}
_POWER_NETWORK = Decimal("0.047")
_POWER_FEE_PER_KW_MONTH = Decimal("1.95")


# The bills.


@dataclass(frozen=True)
class DemoBill:
    bill: BillIssued
    event_id: UUID
    # What the back-office registered for it, oldest first; none: unpaid (overdue once past
    # `due_on`). Each payment's event id comes from its registration id (`BackOffice`).
    payments: tuple[PaymentRegistered, ...] = ()
    plan: InstalmentPlanApproved | None = None  # an instalment plan granted for it

    @property
    def paid_cents(self) -> int:
        return sum(payment.amount_cents for payment in self.payments)


@dataclass(frozen=True)
class DemoBilling:
    supplies: tuple[tuple[SupplyActivated, UUID], ...]
    updates: tuple[tuple[SupplyUpdated, UUID], ...]
    bills: tuple[DemoBill, ...]  # per supply, oldest first


@dataclass(frozen=True)
class _Period:
    start: date
    end: date
    issued_on: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def demo_event_id(what: str) -> UUID:
    """The demo's fixed event id for `what` (the same at every run)."""
    return uuid5(NAMESPACE_URL, f"sportello-demo:{what}")


def price_change_on(today: date) -> date:
    """The day the offers' prices changed: 10 or 11 months ago, at the start of a gas period."""
    start = _add_months(today.replace(day=1), -10)
    return start if start.month % 2 == 1 else _add_months(start, -1)


def power_change_on(today: date) -> date:
    return _add_months(today.replace(day=1), -8)


def demo_billing(today: date) -> DemoBilling:
    """The demo's supplies, its one supply update, and the bills of the two years to `today`."""
    bills = tuple(bill for supply in DEMO_SUPPLIES for bill in _bills_of(supply, today))
    raised = SupplyUpdated(
        supply_id=POWER_CHANGE, customer_code="C00010002", contracted_power_kw=RAISED_POWER_KW
    )
    return DemoBilling(
        supplies=tuple(
            (s.activated, demo_event_id(f"supply:{s.activated.supply_id}")) for s in DEMO_SUPPLIES
        ),
        updates=((raised, demo_event_id(f"supply:{POWER_CHANGE}:power")),),
        bills=bills,
    )


def billing_periods(months_per_bill: int, issue_lag_days: int, today: date) -> list[_Period]:
    """Calendar periods of `months_per_bill` whose bill was issued in the two years to today."""
    since = _years_before(today, 2)
    start = today.replace(day=1)
    start = _add_months(start, -((start.month - 1) % months_per_bill))
    periods = []
    while True:
        end = _add_months(start, months_per_bill) - timedelta(days=1)
        issued_on = end + timedelta(days=issue_lag_days)
        if issued_on <= since:
            break
        if issued_on <= today:
            periods.append(_Period(start, end, issued_on))
        start = _add_months(start, -months_per_bill)
    return periods[::-1]


def _bills_of(supply: DemoSupply, today: date) -> list[DemoBill]:
    activated = supply.activated
    periods = billing_periods(supply.months_per_bill, supply.issue_lag_days, today)
    used = [_consumption(supply, period) for period in periods]
    billed = list(used)
    catch_up_at: int | None = None
    estimated_at: tuple[int, ...] = ()
    if activated.supply_id == ESTIMATES_THEN_CATCH_UP:
        catch_up_at = _last_january_bill(periods)
        estimated_at = (catch_up_at - 2, catch_up_at - 1)
        for index in estimated_at:
            billed[index] = {b: _whole(q * ESTIMATE_SHARE) for b, q in used[index].items()}
    bills, meter = [], meter_at(supply, periods[0].start)
    for index, period in enumerate(periods):
        adjustments: list[BillLine] = []
        kind: ReadingKind = "estimated" if index in estimated_at else _reading_kind(supply, index)
        if index == catch_up_at:
            price_index = _price_index(periods[index - 2].start, today)
            adjustments.append(_catch_up(periods, used, billed, index, price_index))
            # The distributor's actual reading: what was really used, estimated periods too.
            for earlier in estimated_at:
                meter = {b: meter[b] + used[earlier][b] - billed[earlier][b] for b in meter}
            kind = "actual"
        if activated.supply_id == TIME_BARRED and index == len(periods) - 3:
            adjustments.append(_time_barred_catch_up(period))
        meter = {b: meter[b] + billed[index][b] for b in meter}
        window = reading_window(supply, periods, index, today)
        bill = _bill(
            supply, period, billed[index], adjustments, dial(supply, meter), kind, window, today
        )
        if activated.supply_id == AFTER_METER_FAULT and index == len(periods) - 1:
            bill = bill.model_copy(update={"after_meter_fault": True})
        bills.append(DemoBill(bill, demo_event_id(f"bill:{bill.bill_number}")))
    return _with_payments(supply, bills, today)


def _bill(
    supply: DemoSupply,
    period: _Period,
    quantities: dict[Band | None, int],
    adjustments: list[BillLine],
    meter: dict[Band | None, int],
    kind: ReadingKind,
    window: ReadingWindow | None,
    today: date,
) -> BillIssued:
    activated = supply.activated
    raised = activated.supply_id == POWER_CHANGE and period.start >= power_change_on(today)
    power_kw = RAISED_POWER_KW if raised else activated.contracted_power_kw
    total_quantity = sum(quantities.values())
    taxed = Decimal(total_quantity) + sum(
        (line.quantity or Decimal(0)) for line in adjustments if line.unit in ("Smc", "kWh")
    )
    charges = [
        *_consumption_lines(activated.commodity, quantities, _price_index(period.start, today)),
        charge(
            "fixed",
            "Quota fissa",
            Decimal(supply.months_per_bill),
            "mesi",
            supply.fixed_per_month,
        ),
    ]
    if power_kw is not None:
        fee = _POWER_FEE_PER_KW_MONTH * supply.months_per_bill
        charges.append(charge("power", "Quota potenza", Decimal(str(power_kw)), "kW", fee))
    resident = supply.resident and activated.use == "domestic"
    tv_licence: tuple[BillLine, ...] = ()
    if (
        activated.commodity == "electricity"
        and resident
        and period.start.month in TV_LICENCE_MONTHS
    ):
        tv_licence = (
            BillLine(
                section="other",
                description="Canone di abbonamento alla televisione (canone RAI)",
                amount_cents=TV_LICENCE_CENTS,
            ),
        )
    lines = energy_receipt(
        [*charges, *adjustments],
        commodity=activated.commodity,
        use=activated.use,
        days=period.days,
        taxed_quantity=taxed,
        resident_exemption=resident and (power_kw or 0) <= RESIDENT_EXEMPTION_MAX_KW,
        untaxed=tv_licence,
    )
    number = f"B{period.start:%Y%m}-{activated.supply_id}"
    pagopa = isinstance(activated.payment, PagoPaPayment)
    unit: Literal["Smc", "kWh"] = "Smc" if activated.commodity == "gas" else "kWh"
    return BillIssued(
        bill_number=number,
        customer_code=activated.customer_code,
        supply_id=activated.supply_id,
        period_start=period.start,
        period_end=period.end,
        issued_on=period.issued_on,
        due_on=period.issued_on + timedelta(days=DUE_DAYS),
        total_cents=sum(line.amount_cents for line in lines),
        lines=lines,
        consumption=ConsumptionBilled(
            quantity=Decimal(total_quantity),
            unit=unit,
            by_band={b: Decimal(q) for b, q in quantities.items() if b is not None},
        ),
        readings=tuple(
            ReadingUsed(read_on=period.end, value=value, kind=kind, band=band)
            for band, value in meter.items()
        ),
        payment_method="pagopa" if pagopa else "direct_debit",
        notice_position=f"{period.start:%Y%m}{supply.notice_series:07d}" if pagopa else None,
        next_reading_window=window,
    )


def _consumption_lines(
    commodity: Commodity, quantities: dict[Band | None, int], price_index: int
) -> list[BillLine]:
    total = Decimal(sum(quantities.values()))
    if commodity == "gas":
        return [
            charge(
                "consumption", "Spesa per la materia gas", total, "Smc", _GAS_PRICE[price_index]
            ),
            charge(
                "consumption",
                "Trasporto, gestione del contatore e oneri di sistema",
                total,
                "Smc",
                _GAS_NETWORK,
            ),
        ]
    return [
        *(
            charge(
                "consumption",
                f"Spesa per la materia energia, fascia {band}",
                Decimal(quantity),
                "kWh",
                POWER_PRICE[band][price_index],
            )
            for band, quantity in quantities.items()
            if band is not None
        ),
        charge(
            "consumption",
            "Trasporto, gestione del contatore e oneri di sistema",
            total,
            "kWh",
            _POWER_NETWORK,
        ),
    ]


def _catch_up(
    periods: list[_Period],
    used: list[dict[Band | None, int]],
    billed: list[dict[Band | None, int]],
    index: int,
    price_index: int,
) -> BillLine:
    """The conguaglio of the two estimated (gas) bills before `index`, at their own price."""
    first, last = periods[index - 2], periods[index - 1]
    missing = sum(sum(used[i].values()) - sum(billed[i].values()) for i in (index - 2, index - 1))
    price = _GAS_PRICE[price_index] + _GAS_NETWORK
    return charge(
        "adjustment",
        f"Conguaglio dei consumi stimati dal {first.start:%d/%m/%Y} al {last.end:%d/%m/%Y}",
        Decimal(missing),
        "Smc",
        price,
        period_start=first.start,
        period_end=last.end,
        catch_up=True,
    )


def _time_barred_catch_up(period: _Period) -> BillLine:
    """A distributor's late correction: consumption of a period that ended over two years
    before the bill (time-barred: the customer may refuse to pay it)."""
    end = _add_months(_years_before(period.issued_on, 2).replace(day=1), -1) - timedelta(days=1)
    start = _add_months(end.replace(day=1), -2)
    return charge(
        "adjustment",
        f"Ricalcolo per rettifica dei consumi del distributore dal {start:%d/%m/%Y} "
        f"al {end:%d/%m/%Y}",
        Decimal(64),
        "Smc",
        _GAS_PRICE[0] + _GAS_NETWORK,
        period_start=start,
        period_end=end,
        catch_up=True,
    )


def _month_usage(supply: DemoSupply, month: date) -> float:
    """What was really used in `month`: its share of the year, give or take 10% (seeded by
    supply and month: the same every run)."""
    weights = supply.monthly_profile
    seed = random.Random(f"{supply.activated.supply_id}:{month:%Y-%m}")  # noqa: S311
    share = weights[month.month - 1] / sum(weights)
    return supply.yearly_quantity * share * seed.uniform(0.9, 1.1)


def _consumption(supply: DemoSupply, period: _Period) -> dict[Band | None, int]:
    """What was really used in `period`, month by month (`_month_usage`). Electricity by time
    band."""
    month, total = period.start, 0.0
    while month <= period.end:
        total += _month_usage(supply, month)
        month = _add_months(month, 1)
    if supply.activated.commodity == "gas":
        return {None: round(total)}
    seed = random.Random(f"{supply.activated.supply_id}:{period.start:%Y-%m}:bands")  # noqa: S311
    f1 = round(total * (_BAND_SHARES["F1"] + seed.uniform(-0.03, 0.03)))
    f2 = round(total * (_BAND_SHARES["F2"] + seed.uniform(-0.03, 0.03)))
    return {"F1": f1, "F2": f2, "F3": max(0, round(total) - f1 - f2)}


def _meter_start(supply: DemoSupply, commodity: Commodity) -> dict[Band | None, int]:
    """The meter before the first bill: electricity has one register per band."""
    if commodity == "gas":
        return {None: supply.first_reading}
    return {band: round(supply.first_reading * share) for band, share in _BAND_SHARES.items()}


def meter_at(supply: DemoSupply, day: date) -> dict[Band | None, int]:
    """What the supply's meter had counted (Smc or kWh; electricity by band) when `day` began:
    its first reading and what was used since its installation, period by period as the bills
    have it, then month by month within a period. `day` is the first of a month, not before
    the installation; `ValueError` otherwise."""
    installed, months = supply.meter_installed_on, supply.months_per_bill
    if installed.day != 1 or (installed.month - 1) % months:
        raise ValueError(f"{supply.activated.supply_id}: a meter installed off its billing periods")
    if day.day != 1 or day < installed:
        raise ValueError(
            f"{supply.activated.supply_id}: the demo's meter counts from {installed}, "
            f"on the first of a month (not {day})"
        )
    counter = _meter_start(supply, supply.activated.commodity)
    start = installed
    while (following := _add_months(start, months)) <= day:
        used = _consumption(supply, _Period(start, following - timedelta(days=1), following))
        counter = {band: counter[band] + used[band] for band in counter}
        start = following
    if start < day:  # within a gas period (billed every two months): its months so far
        month, partial = start, 0.0
        while month < day:
            partial += _month_usage(supply, month)
            month = _add_months(month, 1)
        counter = {None: counter[None] + round(partial)}
    return counter


def dial(supply: DemoSupply, counter: dict[Band | None, int]) -> dict[Band | None, int]:
    """What the meter's dial shows for `counter`: a gas meter without a converter counts m3,
    so what was used since its installation shows divided by the correction factor."""
    factor = supply.correction_factor
    if factor is None:
        return dict(counter)
    return {
        band: supply.first_reading + _whole((Decimal(value) - supply.first_reading) / factor)
        for band, value in counter.items()
    }


# The self-reading windows bills print, for the meters not read remotely. The demo login's gas
# supply takes a self-reading today: its latest bill's window is around today. The others are
# the last days of a billing period, as a supplier plans them.
OPEN_WINDOW = "FG10001"
WINDOW_DAYS = 6


def reading_window(
    supply: DemoSupply, periods: list[_Period], index: int, today: date
) -> ReadingWindow | None:
    """The window bill `index` prints: the last `WINDOW_DAYS` of the next period; for the
    latest bill, around today (`OPEN_WINDOW`) or the last days of the period in progress a week
    from today (a window still to come). None for a meter read remotely."""
    if supply.smart_readings:
        return None
    if index < len(periods) - 1:
        end = periods[index + 1].end
    elif supply.activated.supply_id == OPEN_WINDOW:
        opens = today - timedelta(days=WINDOW_DAYS // 2)
        return ReadingWindow(opens_on=opens, closes_on=opens + timedelta(days=WINDOW_DAYS - 1))
    else:
        end = period_end_holding(today + timedelta(days=7), supply.months_per_bill)
    return ReadingWindow(opens_on=end - timedelta(days=WINDOW_DAYS - 1), closes_on=end)


def period_end_holding(day: date, months_per_bill: int) -> date:
    """The last day of the billing period `day` falls in (periods of two months start in
    January, March...)."""
    start = day.replace(day=1)
    start = _add_months(start, -((start.month - 1) % months_per_bill))
    return _add_months(start, months_per_bill) - timedelta(days=1)


def _reading_kind(supply: DemoSupply, index: int) -> ReadingKind:
    """Remotely read meters give actual readings; the others alternate the distributor's
    reading and the customer's self-reading."""
    if supply.smart_readings or index % 2 == 0:
        return "actual"
    return "self"


def _last_january_bill(periods: list[_Period]) -> int:
    """The latest bill of a January-February period with two bills before it."""
    candidates = [i for i, p in enumerate(periods) if p.start.month == 1 and i >= 2]
    if not candidates:
        raise ValueError("two years of bimonthly bills always hold a January bill")
    return candidates[-1]


def _price_index(start: date, today: date) -> int:
    return 0 if start < price_change_on(today) else 1


# What was paid. Every bill is paid but the latest, left for the customer to pay (online, on
# pagoPA supplies); `OVERDUE` supplies leave the one before it unpaid too. Payments reach the
# back-office days after the customer paid (DOMAIN.md): it registers them this many days later.
REGISTERED_DAYS_AFTER = 3
PAID_DAYS_BEFORE_DUE = 4  # a pagoPA notice is usually paid a few days before it falls due
# The demo login's (Mario Rossi's) history tells every case a bill's status can show:
PAYMENT_STORY = "FE10001"  # paid on pagoPA, every fourth bill by card, one late, one in part
PAID_BY_CARD_EVERY = 4
PAID_LATE_AT = -7  # the bill (from the latest) paid late, at the post office
PAID_LATE_DAYS = 12
PARTLY_PAID_AT = -2  # the bill paid in part, by bank transfer: half, in whole euro
INSTALMENTS = "FG10001"  # one bill in an instalment plan of 3, the first instalment paid
PLAN_INSTALMENTS = 3
# The plan's bill: the latest due at least this many days ago; the plan is granted at most 10
# days after the due date (when instalments may be asked), and two days ago at the latest.
PLAN_DUE_DAYS_AGO = 5
PLAN_APPROVED_DAYS_AFTER_DUE = 10
ECB_REFERENCE_RATE = Decimal("0.0215")  # the instalments' interest rate (TIF), a year


def _with_payments(supply: DemoSupply, bills: list[DemoBill], today: date) -> list[DemoBill]:
    activated = supply.activated
    if isinstance(activated.payment, DirectDebitPayment):
        # The bank collects each bill on its due date; the latest waits for its own.
        return [
            replace(bill, payments=(_payment(bill, bill.bill.due_on, "direct_debit", today),))
            if bill.bill.due_on < today
            else bill
            for bill in bills
        ]
    unpaid = {len(bills) - 1}
    if activated.supply_id in OVERDUE:
        unpaid.add(len(bills) - 2)
    plan_at = _plan_bill(bills, today) if activated.supply_id == INSTALMENTS else None
    paid = []
    for index, bill in enumerate(bills):
        if index == plan_at:
            paid.append(_in_instalments(bill, today))
        elif index not in unpaid:
            paid.append(replace(bill, payments=(_pagopa_payment(supply, bills, index, today),)))
        else:
            paid.append(bill)
    return paid


def _pagopa_payment(
    supply: DemoSupply, bills: list[DemoBill], index: int, today: date
) -> PaymentRegistered:
    bill = bills[index]
    due_on = bill.bill.due_on
    if supply.activated.supply_id != PAYMENT_STORY:
        return _payment(bill, due_on - timedelta(days=PAID_DAYS_BEFORE_DUE), "pagopa", today)
    if index == len(bills) + PAID_LATE_AT:
        return _payment(bill, due_on + timedelta(days=PAID_LATE_DAYS), "postal_slip", today)
    if index == len(bills) + PARTLY_PAID_AT:
        half = bill.bill.total_cents // 200 * 100
        return _payment(bill, due_on - timedelta(days=2), "bank_transfer", today, cents=half)
    channel: PaymentChannel = "card" if index % PAID_BY_CARD_EVERY == 1 else "pagopa"
    return _payment(bill, due_on - timedelta(days=PAID_DAYS_BEFORE_DUE), channel, today)


def _payment(
    bill: DemoBill,
    paid_on: date,
    channel: PaymentChannel,
    today: date,
    cents: int | None = None,
    number: int = 1,
) -> PaymentRegistered:
    """The back-office's registration of a payment of `bill`: the whole of it unless `cents`
    say, registered a few days after it was paid (today at the latest)."""
    return PaymentRegistered(
        registration_id=f"DEMO-{bill.bill.bill_number}-{number}",
        bill_number=bill.bill.bill_number,
        customer_code=bill.bill.customer_code,
        amount_cents=bill.bill.total_cents if cents is None else cents,
        paid_on=paid_on,
        registered_on=min(paid_on + timedelta(days=REGISTERED_DAYS_AFTER), today),
        channel=channel,
    )


def _plan_bill(bills: list[DemoBill], today: date) -> int:
    """The bill in the plan: the latest due `PLAN_DUE_DAYS_AGO` days ago or more. A plan
    granted then has its first instalment due within a month or so, the second after today."""
    due = [i for i, b in enumerate(bills) if b.bill.due_on <= today - timedelta(PLAN_DUE_DAYS_AGO)]
    return due[-1]


def _in_instalments(bill: DemoBill, today: date) -> DemoBill:
    """`bill` in a plan of `PLAN_INSTALMENTS` monthly instalments with their interest, the
    first due a month after the plan was granted and paid (on its due date, or yesterday if
    that is still to come: paid early)."""
    approved_on = min(
        bill.bill.due_on + timedelta(days=PLAN_APPROVED_DAYS_AFTER_DUE), today - timedelta(days=2)
    )
    instalments = monthly_instalments(
        bill.bill.total_cents + _interest(bill.bill.total_cents, PLAN_INSTALMENTS),
        PLAN_INSTALMENTS,
        months_after(approved_on, 1),
    )
    plan = InstalmentPlanApproved(
        plan_id=f"DEMO-PLAN-{bill.bill.bill_number}",
        bill_number=bill.bill.bill_number,
        customer_code=bill.bill.customer_code,
        approved_on=approved_on,
        interest_cents=_interest(bill.bill.total_cents, PLAN_INSTALMENTS),
        instalments=instalments,
    )
    first = instalments[0]
    paid_on = min(first.due_on, today - timedelta(days=1))
    return replace(
        bill,
        plan=plan,
        payments=(_payment(bill, paid_on, "pagopa", today, cents=first.amount_cents),),
    )


def _interest(cents_due: int, months: int) -> int:
    """Simple interest at the ECB reference rate on what is left to pay, month by month: on
    average (months + 1) / (2 x months) of it, over `months` months."""
    return _whole(Decimal(cents_due) * ECB_REFERENCE_RATE * (months + 1) / 24)


def _whole(quantity: Decimal) -> int:
    return int(quantity.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
