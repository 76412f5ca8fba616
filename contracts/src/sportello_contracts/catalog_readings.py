"""Readings' messages, each with an example: `catalog` adds them to the list the tests read."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sportello_contracts.base import Contract
from sportello_contracts.bills import ReadingWindow
from sportello_contracts.envelope import EventPayload
from sportello_contracts.readings import (
    EXPORT_INTERVALS,
    GET_CONSUMPTION,
    GET_INTERVALS,
    GET_READING,
    LIST_READING_BOXES,
    LIST_READINGS,
    SUBMIT_READING,
    BandTotal,
    ConsumptionReply,
    DistributorReadingsPublished,
    EnergyPricesChanged,
    ExportIntervalsRequest,
    GetConsumptionRequest,
    GetIntervalsRequest,
    GetReadingRequest,
    IntervalDaysPublished,
    IntervalPoint,
    IntervalsReply,
    ListReadingBoxesRequest,
    ListReadingsRequest,
    MeterInstalled,
    MeterPublic,
    MeterSpec,
    MonthConsumption,
    ReadingBox,
    ReadingBoxesReply,
    ReadingProgressed,
    ReadingPublic,
    ReadingReceipt,
    ReadingReply,
    ReadingsPage,
    ReadingStatusChanged,
    SelfReadingReceived,
    SubmitReadingRequest,
    TrackerStep,
)
from sportello_contracts.rpc import Caller, Document, Operation

_CALLER = Caller(user_id="acc-7f3a", role="customer", customer_codes=("C00012345",))
_WHEN = datetime(2026, 11, 27, 9, 12, tzinfo=UTC)
_READING_ID = "RDG-8C1D2E3F4A5B6C7D8E9F"
_METER = MeterPublic(
    serial="GM-00912233",
    digits=5,
    unit="m3",
    registers=("total",),
    smart=False,
    correction_factor=Decimal("1.021000"),
    installed_on=date(2019, 3, 12),
)
_READING = ReadingPublic(
    reading_id=_READING_ID,
    supply_id="GAS-000123",
    meter_serial="GM-00912233",
    read_on=date(2026, 11, 27),
    values={"total": 4521},
    unit="m3",
    source="customer",
    status="received",
    status_label="Ricevuta",
    consumption=212,
    answer_by=date(2026, 12, 3),
    steps=(
        TrackerStep(
            status="received",
            on=date(2026, 11, 27),
            explanation="Abbiamo ricevuto la tua lettura: la passiamo al distributore.",
        ),
    ),
)
_WINDOW = ReadingWindow(opens_on=date(2026, 11, 25), closes_on=date(2026, 11, 30))

EVENT_EXAMPLES: tuple[EventPayload, ...] = (
    MeterInstalled(
        supply_id="GAS-000123",
        customer_code="C00012345",
        commodity="gas",
        point_id="00881234567890",
        meter=MeterSpec(
            serial="GM-00912233", digits=5, unit="m3", correction_factor=Decimal("1.021")
        ),
        installed_on=date(2019, 3, 12),
        initial={"total": 12},
    ),
    EnergyPricesChanged(
        supply_id="ELE-000124",
        customer_code="C00012345",
        valid_from=date(2026, 10, 1),
        euro_per_kwh={
            "F1": Decimal("0.142"),
            "F2": Decimal("0.128"),
            "F3": Decimal("0.109"),
        },
    ),
    ReadingProgressed(
        reading_id=_READING_ID,
        customer_code="C00012345",
        supply_id="GAS-000123",
        step="rejected",
        on=date(2026, 12, 1),
        reason_code="implausible",
        note="Lettura incompatibile con i consumi rilevati dal distributore.",
    ),
    DistributorReadingsPublished(
        batch_id="DSTR-2026-11-30-001",
        rows=(
            {
                "supply_id": "GAS-000123",
                "meter_serial": "GM-00912233",
                "read_on": "2026-11-30",
                "values": {"total": 4533},
                "kind": "actual",
            },
        ),
    ),
    IntervalDaysPublished(
        batch_id="CURVE-2026-11-29-001",
        rows=({"supply_id": "ELE-000124", "day": "2026-11-29", "quarter_wh": [52] * 96},),
    ),
    SelfReadingReceived(
        reading_id=_READING_ID,
        customer_code="C00012345",
        supply_id="GAS-000123",
        point_id="00881234567890",
        commodity="gas",
        meter_serial="GM-00912233",
        read_on=date(2026, 11, 27),
        received_at=_WHEN,
        values={"total": 4521},
        unit="m3",
        consumption=212,
        account_id="acc-7f3a",
    ),
    ReadingStatusChanged(
        reading_id=_READING_ID,
        customer_code="C00012345",
        supply_id="GAS-000123",
        point_id="00881234567890",
        account_id="acc-7f3a",
        status="billed",
        on=date(2026, 12, 10),
        read_on=date(2026, 11, 27),
        values={"total": 4521},
        unit="m3",
        explanation="La tua lettura è stata usata nella bolletta 2026-000512.",
        bill_number="2026-000512",
    ),
)

OPERATIONS: tuple[Operation, ...] = (  # type: ignore[type-arg]
    SUBMIT_READING,
    LIST_READING_BOXES,
    LIST_READINGS,
    GET_READING,
    GET_CONSUMPTION,
    GET_INTERVALS,
    EXPORT_INTERVALS,
)

RPC_EXAMPLES: tuple[Contract, ...] = (
    SubmitReadingRequest(caller=_CALLER, supply_id="GAS-000123", digits="04521"),
    ReadingReceipt(
        outcome="received",
        reading=_READING,
        message=(
            "Abbiamo ricevuto la tua lettura del 27/11/2026. La passiamo al distributore: "
            "ti diremo se è stata convalidata entro il 03/12/2026."
        ),
    ),
    ListReadingBoxesRequest(caller=_CALLER),
    ReadingBoxesReply(
        boxes=(
            ReadingBox(
                supply_id="GAS-000123",
                customer_code="C00012345",
                point_id="00881234567890",
                commodity="gas",
                state="open",
                message="Comunica la lettura entro il 30/11/2026: la useremo in bolletta.",
                meter=_METER,
                last_reading=_READING,
                window=_WINDOW,
            ),
        )
    ),
    ListReadingsRequest(caller=_CALLER, supply_id="GAS-000123"),
    ReadingsPage(supply_id="GAS-000123", meters=(_METER,), readings=(_READING,)),
    GetReadingRequest(caller=_CALLER, reading_id=_READING_ID),
    ReadingReply(reading=_READING),
    GetConsumptionRequest(caller=_CALLER, supply_id="GAS-000123", months=12, until="2026-11"),
    ConsumptionReply(
        supply_id="GAS-000123",
        commodity="gas",
        unit="Smc",
        months=(
            MonthConsumption(
                month="2026-11",
                quantity=Decimal("118.4"),
                source="readings",
                previous_year=Decimal("131.0"),
                previous_year_source="billed",
            ),
        ),
        total=Decimal("118.4"),
        previous_year_total=Decimal("131.0"),
    ),
    GetIntervalsRequest(
        caller=_CALLER, supply_id="ELE-000124", period="day", on=date(2026, 11, 29)
    ),
    IntervalsReply(
        supply_id="ELE-000124",
        period="day",
        first_day=date(2026, 11, 29),
        last_day=date(2026, 11, 29),
        resolution="15m",
        points=(
            IntervalPoint(
                start=datetime(2026, 11, 28, 23, 0, tzinfo=UTC),
                end=datetime(2026, 11, 28, 23, 15, tzinfo=UTC),
                kwh=Decimal("0.052"),
                by_band={"F3": Decimal("0.052")},
            ),
        ),
        bands=(
            BandTotal(
                band="F3",
                kwh=Decimal("4.992"),
                euro_per_kwh=Decimal("0.109"),
                cost_cents=54,
            ),
        ),
        total_kwh=Decimal("4.992"),
        total_cost_cents=54,
        days_with_data=1,
        days_missing=0,
    ),
    ExportIntervalsRequest(
        caller=_CALLER,
        supply_id="ELE-000124",
        first_day=date(2026, 11, 1),
        last_day=date(2026, 11, 30),
    ),
    Document(
        media_type="text/csv; charset=utf-8",
        filename="ELE-000124-2026-11-01-2026-11-30.csv",
        sha256="5f0c8b8e3a1d3d2f6b7f1c1b2a4e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e",
    ),
)
