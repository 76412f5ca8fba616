"""The demo's meters and readings, consistent with its bills: the meter each bill reads (and the
one it replaced), the electricity supplies' energy prices, the distributors' monthly readings
of two years, and the smart meters' 15-minute data of the last weeks.

Pure, like `demo_bills`: the same `today` gives the same events, and their event ids come from
their content (`BackOffice`), so loading the demo again changes nothing.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from sportello_contracts.bills import Band
from sportello_contracts.readings import (
    BANDS,
    DistributorReading,
    DistributorReadingsPublished,
    EnergyPricesChanged,
    IntervalDay,
    IntervalDaysPublished,
    MeterInstalled,
    Register,
)
from sportello_deploy.backoffice import (
    distributor_reading_batches,
    energy_prices_changed,
    interval_day_batches,
    meter_installed,
)
from sportello_deploy.demo_bills import (
    DEMO_SUPPLIES,
    POWER_PRICE,
    DemoBilling,
    DemoSupply,
    demo_billing,
    dial,
    meter_at,
    price_change_on,
)
from sportello_deploy.interval_curves import curve_day, days_between

# The meter the demo login's electricity had before its 2G meter: installed with the supply,
# replaced on the 2G meter's installation day, its last reading per band.
REPLACED = "FE10001"
FIRST_METER_SERIAL = "1G-ARE-30117746"
FIRST_METER_REMOVAL: dict[Register, int] = {"F1": 3_993, "F2": 3_751, "F3": 4_356}
# Distributors' actual readings: one at the end of each month, this many months back.
DISTRIBUTOR_MONTHS = 25
# 15-minute data: these supplies' smart meters, the days before today.
CURVES = ("FE10001", "FE10002")
CURVE_DAYS = 35


@dataclass(frozen=True)
class DemoReadings:
    meters: tuple[MeterInstalled, ...]  # a replaced meter before the one that replaced it
    prices: tuple[EnergyPricesChanged, ...]
    distributor_readings: tuple[DistributorReading, ...]
    interval_days: tuple[IntervalDay, ...]

    @property
    def distributor_batches(self) -> list[DistributorReadingsPublished]:
        return distributor_reading_batches(self.distributor_readings, prefix="DEMO-DSTR")

    @property
    def interval_batches(self) -> list[IntervalDaysPublished]:
        return interval_day_batches(self.interval_days, prefix="DEMO-CURVE")


def demo_readings(today: date, billing: DemoBilling | None = None) -> DemoReadings:
    """The meters and readings of the demo supplies, for the demo bills of `today` (`billing`,
    computed if not given)."""
    billing = billing or demo_billing(today)
    return DemoReadings(
        meters=tuple(meter for supply in DEMO_SUPPLIES for meter in _meters_of(supply)),
        prices=tuple(
            prices
            for supply in DEMO_SUPPLIES
            if supply.activated.commodity == "electricity"
            for prices in _prices_of(supply, today)
        ),
        distributor_readings=tuple(
            reading
            for supply in DEMO_SUPPLIES
            for reading in _distributor_readings_of(supply, billing, today)
        ),
        interval_days=tuple(
            _curve_of(supply, day)
            for day in days_between(today - timedelta(days=CURVE_DAYS), today - timedelta(days=1))
            for supply in DEMO_SUPPLIES
            if supply.activated.supply_id in CURVES
        ),
    )


def registers_of(values: dict[Band | None, int]) -> dict[Register, int]:
    """The demo bills' meter values as a meter's registers ("total", or one per band)."""
    return {"total" if band is None else band: value for band, value in values.items()}


def _meters_of(supply: DemoSupply) -> list[MeterInstalled]:
    activated = supply.activated
    replaced = activated.supply_id == REPLACED
    meters = []
    if replaced:
        meters.append(
            meter_installed(
                supply_id=activated.supply_id,
                customer_code=activated.customer_code,
                commodity=activated.commodity,
                point_id=activated.point_id,
                serial=FIRST_METER_SERIAL,
                digits=supply.meter_digits,
                installed_on=activated.activated_on,
                initial=dict.fromkeys(BANDS, 0),
                banded=True,
                # First-generation meters were read remotely too, if less often.
                smart=True,
            )
        )
    meters.append(
        meter_installed(
            supply_id=activated.supply_id,
            customer_code=activated.customer_code,
            commodity=activated.commodity,
            point_id=activated.point_id,
            serial=activated.meter.serial,
            digits=supply.meter_digits,
            installed_on=supply.meter_installed_on,
            initial=registers_of(dial(supply, meter_at(supply, supply.meter_installed_on))),
            banded=activated.commodity == "electricity",
            smart=activated.meter.smart,
            correction_factor=supply.correction_factor,
            replaces=FIRST_METER_SERIAL if replaced else None,
            removal=FIRST_METER_REMOVAL if replaced else None,
        )
    )
    return meters


def _prices_of(supply: DemoSupply, today: date) -> list[EnergyPricesChanged]:
    """The energy prices its bills charge: the offer's first ones from the start, then the new
    ones from the day they changed."""
    activated = supply.activated
    return [
        energy_prices_changed(
            supply_id=activated.supply_id,
            customer_code=activated.customer_code,
            valid_from=valid_from,
            euro_per_kwh={band: POWER_PRICE[band][index] for band in BANDS},
        )
        for index, valid_from in enumerate((activated.activated_on, price_change_on(today)))
    ]


def _distributor_readings_of(
    supply: DemoSupply, billing: DemoBilling, today: date
) -> list[DistributorReading]:
    """An actual reading at the end of each month of the last two years, for the gas meters
    and the smart electricity meters; none in a period its bill had to estimate (the
    distributor could not read the meter: that is why it was estimated)."""
    activated = supply.activated
    if activated.commodity == "electricity" and not activated.meter.smart:
        return []
    unread = [
        (item.bill.period_start, item.bill.period_end)
        for item in billing.bills
        if item.bill.supply_id == activated.supply_id
        and any(reading.kind == "estimated" for reading in item.bill.readings)
    ]
    this_month = today.replace(day=1)
    readings = []
    for back in range(DISTRIBUTOR_MONTHS, 0, -1):
        following = _months_before(this_month, back - 1)  # the first of the month after
        read_on = following - timedelta(days=1)
        if read_on < supply.meter_installed_on or any(a <= read_on <= b for a, b in unread):
            continue
        readings.append(
            DistributorReading(
                supply_id=activated.supply_id,
                meter_serial=activated.meter.serial,
                read_on=read_on,
                values=registers_of(dial(supply, meter_at(supply, following))),
            )
        )
    return readings


def _curve_of(supply: DemoSupply, day: date) -> IntervalDay:
    """A household's day, scaled to what the supply uses on a day of that month."""
    weights = supply.monthly_profile
    month_kwh = supply.yearly_quantity * weights[day.month - 1] / sum(weights)
    daily_kwh = month_kwh / monthrange(day.year, day.month)[1]
    return curve_day(supply.activated.supply_id, day, "household", daily_kwh=daily_kwh)


def _months_before(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)
