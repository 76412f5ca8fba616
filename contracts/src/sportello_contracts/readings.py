"""Meters, readings and consumption: the back-office's events, metering's, and what the portal
reads and sends (a self-reading, its journey, the history, consumption by month)."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    Field,
    JsonValue,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from sportello_contracts.base import Contract
from sportello_contracts.bills import Band, ReadingWindow
from sportello_contracts.envelope import EventPayload
from sportello_contracts.formats import CustomerCode
from sportello_contracts.rpc import Document, Operation, Request
from sportello_contracts.supplies import Commodity, MeterSerial, PointId, ShortText, SupplyId

# What a meter counts on: one register, or (electricity) one per time band.
Register = Literal["total", "F1", "F2", "F3"]
BANDS: tuple[Band, ...] = ("F1", "F2", "F3")
MeterUnit = Literal["m3", "kWh"]  # gas meters count cubic metres, electricity meters kWh
RegisterValue = Annotated[int, Field(ge=0, le=999_999_999_999)]
Registers = dict[Register, RegisterValue]
# Ours (`RDG-`, a customer's) or the back-office's (a distributor's reading), as the tracker
# and the history name them.
ReadingId = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}-[0-9A-Za-z-]{6,80}$")]
BatchId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{4,80}$")]
# The days meter data are about and a portal asks for, and its months (`Month`): this
# century's. Any other is a mistake, and a week or a month around 9999-12-31 (or a day's
# quarters around 0001-01-01) is past what Python's dates can count to.
CenturyDay = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2099, 12, 31))]
CorrectionFactor = Annotated[Decimal, Field(ge=Decimal("0.5"), le=Decimal("2"), decimal_places=6)]


class MeterSpec(Contract):
    """A meter as the distributor installed it."""

    serial: MeterSerial
    # Integer digits on the dial (the red decimals are not read): a value has at most these.
    digits: Annotated[int, Field(ge=3, le=12)]
    unit: MeterUnit
    # Electricity: one register per time band (F1, F2, F3) rather than one in all.
    banded: bool = False
    # Remotely read (2G electricity meters): the distributor reads it every month.
    smart: bool = False
    # Gas: the coefficient C that turns the meter's m3 into standard m3 (Smc) where the meter
    # has no converter of its own.
    correction_factor: CorrectionFactor | None = None

    @property
    def registers(self) -> tuple[Register, ...]:
        return BANDS if self.banded else ("total",)

    @model_validator(mode="after")
    def _consistent(self) -> "MeterSpec":
        if self.unit == "m3" and self.banded:
            raise ValueError("a gas meter has no time bands")
        if self.unit == "kWh" and self.correction_factor is not None:
            raise ValueError("an electricity meter has no correction factor")
        return self


def check_registers(meter: MeterSpec, values: Registers, what: str) -> None:
    """`values` has each of the meter's registers, each within its digits."""
    if set(values) != set(meter.registers):
        raise ValueError(f"{what} must give the registers {', '.join(meter.registers)}")
    if any(v >= 10**meter.digits for v in values.values()):
        raise ValueError(f"{what} has more digits than the meter ({meter.digits})")


class MeterInstalled(EventPayload):
    """A meter was installed on a supply, with its first reading; a replacement names the meter
    it replaces and that meter's last reading, which ends its series (the history keeps it)."""

    ROUTING_KEY = "backoffice.meter.installed"
    VERSION = 1

    supply_id: SupplyId
    customer_code: CustomerCode
    commodity: Commodity
    point_id: PointId
    meter: MeterSpec
    installed_on: date
    initial: Registers
    replaced_serial: MeterSerial | None = None
    removal: Registers | None = None  # the replaced meter's last reading

    @model_validator(mode="after")
    def _consistent(self) -> "MeterInstalled":
        if (self.commodity == "gas") != (self.meter.unit == "m3"):
            raise ValueError("gas meters count m3, electricity meters kWh")
        check_registers(self.meter, self.initial, "initial")
        if (self.replaced_serial is None) != (self.removal is None):
            raise ValueError("a replacement gives both replaced_serial and removal")
        if self.replaced_serial is not None and self.replaced_serial == self.meter.serial:
            raise ValueError("a meter does not replace itself")
        return self


class EnergyPricesChanged(EventPayload):
    """The energy price per time band of an electricity supply from `valid_from` (what its
    interval data are costed at: the consumption part, before taxes and fixed parts)."""

    ROUTING_KEY = "backoffice.energy_prices.changed"
    VERSION = 1

    supply_id: SupplyId
    customer_code: CustomerCode
    valid_from: date
    euro_per_kwh: dict[
        Band, Annotated[Decimal, Field(ge=Decimal("0"), le=Decimal("10"), decimal_places=6)]
    ]

    @model_validator(mode="after")
    def _every_band(self) -> "EnergyPricesChanged":
        if set(self.euro_per_kwh) != set(BANDS):
            raise ValueError("euro_per_kwh gives F1, F2 and F3 (the same three for one price)")
        return self


# A self-reading's journey, as the back-office reports it.
ReadingStep = Literal["forwarded", "validated", "rejected"]
RejectionReason = Literal[
    "implausible",  # far from what the meter's history allows
    "meter_mismatch",  # not the meter installed on the supply
    "lower_than_previous",
    "unreadable",
    "other",
]


class ReadingProgressed(EventPayload):
    """A step of a customer's reading: passed to the distributor, then validated or rejected."""

    ROUTING_KEY = "backoffice.reading.progressed"
    VERSION = 1

    reading_id: ReadingId
    customer_code: CustomerCode
    supply_id: SupplyId
    step: ReadingStep
    on: date
    reason_code: RejectionReason | None = None
    note: ShortText | None = None  # the distributor's own words, shown after the reason

    @model_validator(mode="after")
    def _reason_for_rejections(self) -> "ReadingProgressed":
        if (self.step == "rejected") != (self.reason_code is not None):
            raise ValueError("reason_code is given for a rejection, and only for one")
        return self


DistributorKind = Literal["actual", "estimated"]


class DistributorReading(Contract):
    """One distributor's reading in a batch: an actual reading, or the distributor's estimate."""

    supply_id: SupplyId
    meter_serial: MeterSerial
    read_on: CenturyDay
    values: Registers
    kind: DistributorKind = "actual"


class IntervalDay(Contract):
    """One supply's day of 15-minute electricity data, in Wh per quarter from local midnight
    (Europe/Rome): 96 quarters, 92 on the day clocks go forward, 100 on the day they go back."""

    supply_id: SupplyId
    day: CenturyDay
    quarter_wh: Annotated[
        tuple[Annotated[int, Field(ge=0, le=100_000_000)], ...],
        Field(min_length=1, max_length=100),
    ]


def _rows_of(row: type[Contract], most: int) -> Any:
    # Rows are read one by one by the consumer, so a bad row is dead-lettered alone and the
    # good ones are kept: the message takes any objects, its schema documents the row.
    return Annotated[
        tuple[dict[str, JsonValue], ...],
        Field(min_length=1, max_length=most),
        WithJsonSchema(
            {"type": "array", "minItems": 1, "maxItems": most, "items": row.model_json_schema()}
        ),
    ]


READINGS_PER_BATCH = 10_000
DAYS_PER_BATCH = 5_000


class DistributorReadingsPublished(EventPayload):
    """Distributors' readings in bulk (thousands of supplies). Each row is kept once, however
    often it comes; a row that breaks a rule is dead-lettered with its reason, in a message of
    this type holding the bad rows alone (replayable once the cause is fixed)."""

    ROUTING_KEY = "backoffice.distributor_readings.published"
    VERSION = 1

    batch_id: BatchId
    rows: _rows_of(DistributorReading, READINGS_PER_BATCH)  # type: ignore[valid-type]


class IntervalDaysPublished(EventPayload):
    """Smart meters' 15-minute data in bulk: a day per supply per row. A day sent again replaces
    the one kept; a bad day is dead-lettered like a bad distributor reading."""

    ROUTING_KEY = "backoffice.interval_days.published"
    VERSION = 1

    batch_id: BatchId
    rows: _rows_of(IntervalDay, DAYS_PER_BATCH)  # type: ignore[valid-type]


# Metering's events.

ReadingSource = Literal["customer", "distributor", "estimate"]
ReadingStatus = Literal[
    "received",  # kept by the portal
    "forwarded",  # passed to the distributor
    "validated",
    "rejected",
    "billed",  # used in a bill
    "superseded",  # the distributor's own reading of the same days counts instead
]


class SelfReadingReceived(EventPayload):
    """A customer's reading, for the back-office to pass to the distributor: `flagged` when its
    consumption is far above what the supply's history predicts (accepted all the same)."""

    ROUTING_KEY = "metering.reading.received"
    VERSION = 1

    reading_id: str
    customer_code: str
    supply_id: str
    point_id: str
    commodity: Commodity
    meter_serial: str
    read_on: date
    received_at: AwareDatetime
    values: Registers
    unit: MeterUnit
    consumption: int | None = None  # since the last reading that counts, in the meter's unit
    rolled_over: bool = False  # the dial went past its last digit since then
    flagged: bool = False
    flag_reason: str | None = None
    in_window: bool = True  # taken within the supply's reading window
    account_id: str  # who sent it


class ReadingStatusChanged(EventPayload):
    """A reading moved on its journey: what the customer is told, in Italian, at each step."""

    ROUTING_KEY = "metering.reading.changed"
    VERSION = 1

    reading_id: str
    customer_code: str
    supply_id: str
    point_id: str
    account_id: str | None = None  # who sent it (none for the distributor's)
    status: ReadingStatus
    on: date
    read_on: date
    values: Registers
    unit: MeterUnit
    explanation: str  # what happened and what comes next, in plain Italian
    bill_number: str | None = None  # billed: the bill it was used in
    answer_by: date | None = None  # received: when the customer learns the outcome at latest
    in_window: bool = True
    next_window_opens_on: date | None = None  # received outside the window


# What the portal shows and sends.


class TrackerStep(Contract):
    status: ReadingStatus
    on: date
    explanation: str


class ReadingPublic(Contract):
    """A reading in the history, with its journey."""

    reading_id: str
    supply_id: str
    meter_serial: str
    read_on: date
    values: Registers
    unit: MeterUnit
    source: ReadingSource
    status: ReadingStatus
    status_label: str  # the status in Italian
    reason: str | None = None  # why it was rejected or superseded, in plain Italian
    flagged: bool = False
    in_window: bool = True
    bill_number: str | None = None
    consumption: int | None = None
    answer_by: date | None = None
    steps: tuple[TrackerStep, ...] = ()


class MeterPublic(Contract):
    serial: str
    digits: int
    unit: MeterUnit
    registers: tuple[Register, ...]
    smart: bool
    correction_factor: Decimal | None = None
    installed_on: date
    removed_on: date | None = None


ReadingBoxState = Literal["open", "out_of_window", "read_remotely", "ceased", "no_meter"]


class ReadingBox(Contract):
    """The self-reading box of one supply (home page, supply page): whether it asks for digits,
    for which registers, and if not, why in words a customer understands."""

    supply_id: str
    customer_code: str
    point_id: str
    commodity: Commodity
    state: ReadingBoxState
    message: str
    meter: MeterPublic | None = None
    last_reading: ReadingPublic | None = None
    window: ReadingWindow | None = None
    next_window_opens_on: date | None = None


ReadingDigits = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)
]


class SubmitReadingRequest(Request):
    """A self-reading: the supply and the digits on the meter, nothing else (`bands` for a meter
    with one register per time band)."""

    supply_id: SupplyId
    digits: ReadingDigits | None = None
    bands: dict[Band, ReadingDigits] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "SubmitReadingRequest":
        if (self.digits is None) == (self.bands is None):
            raise ValueError("give either digits or bands")
        return self


ReceiptOutcome = Literal["received", "already_received"]


class ReadingReceipt(Contract):
    outcome: ReceiptOutcome
    reading: ReadingPublic
    message: str  # what happens next and by when, in Italian


class ListReadingBoxesRequest(Request):
    """The caller's supplies' reading boxes (one customer's for an administrator), or one."""

    customer_code: CustomerCode | None = None
    supply_id: SupplyId | None = None


class ReadingBoxesReply(Contract):
    boxes: tuple[ReadingBox, ...]


Cursor = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ListReadingsRequest(Request):
    """A supply's readings, newest first, across its meters."""

    supply_id: SupplyId
    source: ReadingSource | None = None
    status: ReadingStatus | None = None
    cursor: Cursor | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class ReadingsPage(Contract):
    supply_id: str
    meters: tuple[MeterPublic, ...]
    readings: tuple[ReadingPublic, ...]
    next_cursor: str | None = None


class GetReadingRequest(Request):
    reading_id: ReadingId


class ReadingReply(Contract):
    reading: ReadingPublic


ConsumptionSource = Literal["readings", "billed", "intervals"]
Month = Annotated[str, StringConstraints(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]


class MonthConsumption(Contract):
    """One month and the same month a year before; a month with no data is a gap (None)."""

    month: str  # YYYY-MM
    quantity: Decimal | None = None
    source: ConsumptionSource | None = None
    previous_year: Decimal | None = None
    previous_year_source: ConsumptionSource | None = None


class GetConsumptionRequest(Request):
    """`months` months up to `until` (this month if not given), each against the year before."""

    supply_id: SupplyId
    months: Annotated[int, Field(ge=1, le=24)] = 12
    until: Month | None = None


class ConsumptionReply(Contract):
    supply_id: str
    commodity: Commodity
    unit: Literal["Smc", "kWh"]
    months: tuple[MonthConsumption, ...]
    total: Decimal
    previous_year_total: Decimal


IntervalPeriod = Literal["day", "week", "month"]


class IntervalPoint(Contract):
    """A quarter (a day's curve), an hour (a week's) or a day (a month's); `kwh` None is a gap."""

    start: AwareDatetime
    end: AwareDatetime
    kwh: Decimal | None = None
    by_band: dict[Band, Decimal] = Field(default_factory=dict)


class BandTotal(Contract):
    band: Band
    kwh: Decimal
    euro_per_kwh: Decimal | None = None
    cost_cents: int | None = None  # the energy's cost at the supply's prices (before taxes)


class GetIntervalsRequest(Request):
    """The 15-minute data of the day, the week (Monday to Sunday) or the month holding `on`."""

    supply_id: SupplyId
    period: IntervalPeriod = "day"
    on: CenturyDay


class IntervalsReply(Contract):
    supply_id: str
    period: IntervalPeriod
    first_day: date
    last_day: date
    resolution: Literal["15m", "1h", "1d"]
    points: tuple[IntervalPoint, ...]
    bands: tuple[BandTotal, ...]
    total_kwh: Decimal
    total_cost_cents: int | None = None
    days_with_data: int
    days_missing: int


class ExportIntervalsRequest(Request):
    """Every quarter from `first_day` to `last_day` (at most 366 days) as CSV."""

    supply_id: SupplyId
    first_day: CenturyDay
    last_day: CenturyDay

    @model_validator(mode="after")
    def _span(self) -> "ExportIntervalsRequest":
        if self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")
        if (self.last_day - self.first_day).days > 365:
            raise ValueError("at most 366 days at a time")
        return self


SUBMIT_READING = Operation(
    "metering.reading.submit", SubmitReadingRequest, ReadingReceipt, command=True
)
LIST_READING_BOXES = Operation(
    "metering.reading_boxes.list", ListReadingBoxesRequest, ReadingBoxesReply
)
LIST_READINGS = Operation("metering.readings.list", ListReadingsRequest, ReadingsPage)
GET_READING = Operation("metering.reading.get", GetReadingRequest, ReadingReply)
GET_CONSUMPTION = Operation("metering.consumption.get", GetConsumptionRequest, ConsumptionReply)
GET_INTERVALS = Operation("metering.intervals.get", GetIntervalsRequest, IntervalsReply)
# The reply is the CSV itself (`Document`: bytes in the body, the rest in headers).
EXPORT_INTERVALS = Operation("metering.intervals.export", ExportIntervalsRequest, Document)
