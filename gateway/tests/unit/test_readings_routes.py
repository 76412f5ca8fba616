"""Readings, consumption and smart-meter data over HTTP: each route sends metering its operation
with the caller, answers what metering replied (201 or 200 for a reading, the CSV's bytes), and
refuses a bad identifier, body or query before metering hears of it; the home page asks for the
reading boxes together with billing's parts."""

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sportello_contracts.bills import (
    GET_BALANCE,
    LIST_BILLS,
    BalanceReply,
    BillsPage,
    ReadingWindow,
)
from sportello_contracts.identity import GET_SCOPE, ScopeReply
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
    IntervalPoint,
    IntervalsReply,
    MeterPublic,
    MonthConsumption,
    ReadingBox,
    ReadingBoxesReply,
    ReadingPublic,
    ReadingReceipt,
    ReadingReply,
    ReadingsPage,
    TrackerStep,
)
from sportello_contracts.rpc import Document, ErrorKind, ServiceError
from sportello_contracts.supplies import LIST_SUPPLIES, SuppliesReply
from sportello_gateway.bus import ServiceRefused, ServiceUnavailable
from sportello_gateway.routes.readings import READING_EXAMPLES

METER = MeterPublic(
    serial="GM-00912233",
    digits=5,
    unit="m3",
    registers=("total",),
    smart=False,
    installed_on=date(2019, 3, 12),
)
READING = ReadingPublic(
    reading_id="RDG-8C1D2E3F4A5B6C7D8E9F",
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
            status="received", on=date(2026, 11, 27), explanation="Abbiamo ricevuto la lettura."
        ),
    ),
)
RECEIPT = ReadingReceipt(
    outcome="received", reading=READING, message="Ti diremo l'esito entro il 03/12/2026."
)


def box(supply_id: str, state: str = "open") -> ReadingBox:
    return ReadingBox.model_validate(
        {
            "supply_id": supply_id,
            "customer_code": "C00012345",
            "point_id": "00881234567890",
            "commodity": "gas",
            "state": state,
            "message": "Comunica la lettura entro il 30/11/2026.",
            "meter": METER,
            "last_reading": READING,
            "window": ReadingWindow(opens_on=date(2026, 11, 25), closes_on=date(2026, 11, 30)),
        }
    )


BOXES = ReadingBoxesReply(boxes=(box("GAS-000123"), box("ELE-000124", "read_remotely")))
PAGE = ReadingsPage(supply_id="GAS-000123", meters=(METER,), readings=(READING,), next_cursor="c2")
CONSUMPTION = ConsumptionReply(
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
        MonthConsumption(month="2026-10"),  # a gap
    ),
    total=Decimal("118.4"),
    previous_year_total=Decimal("131.0"),
)
INTERVALS = IntervalsReply(
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
    bands=(BandTotal(band="F3", kwh=Decimal("0.052"), euro_per_kwh=Decimal("0.109")),),
    total_kwh=Decimal("0.052"),
    days_with_data=1,
    days_missing=0,
)
CSV_CONTENT = "start;end;kwh;band\r\n2026-11-29T00:00+01:00;2026-11-29T00:15+01:00;0,052;F3\r\n"
CSV_SHA = hashlib.sha256(CSV_CONTENT.encode()).hexdigest()
CSV = Document(
    media_type="text/csv; charset=utf-8",
    filename="ELE-000124-2026-11-01-2026-11-30.csv",
    sha256=CSV_SHA,
    content=CSV_CONTENT.encode(),
)
REPLIES: dict[str, Any] = {
    SUBMIT_READING.name: RECEIPT,
    LIST_READING_BOXES.name: BOXES,
    LIST_READINGS.name: PAGE,
    GET_READING.name: ReadingReply(reading=READING),
    GET_CONSUMPTION.name: CONSUMPTION,
    GET_INTERVALS.name: INTERVALS,
    EXPORT_INTERVALS.name: CSV,
}
EXPORT = "/v1/supplies/ELE-000124/intervals.csv?first_day=2026-11-01&last_day=2026-11-30"


@pytest.fixture(autouse=True)
def metering(bus: Any) -> None:
    bus.replies[GET_SCOPE.name] = ScopeReply(
        account_id="acc-1", role="customer", customer_codes=("C00012345",)
    )
    bus.replies.update(REPLIES)


@pytest.fixture
def token(signer: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.token()}"}


def metering_calls(bus: Any) -> list[Any]:
    """What reached metering (the gateway's own asks of identity left out)."""
    return [sent for sent in bus.sent if sent.operation.service == "metering"]


def refused(kind: ErrorKind, code: str) -> ServiceRefused:
    return ServiceRefused(ServiceError(kind=kind, code=code, message="Non si può."))


# Sending a reading.


def test_a_new_reading_is_a_201_pointing_at_its_tracker_sent_with_the_clients_key(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    response = client.post(
        "/v1/supplies/gas-000123/readings",
        json={"digits": " 04521 "},
        headers={**token, "Idempotency-Key": "rdg-1"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/readings/{READING.reading_id}"
    assert response.json() == RECEIPT.model_dump(mode="json")
    (sent,) = metering_calls(bus)
    assert sent.operation is SUBMIT_READING
    assert sent.idempotency_key == "rdg-1"
    assert sent.request.supply_id == "GAS-000123"
    assert (sent.request.digits, sent.request.bands) == ("04521", None)
    assert sent.request.caller.user_id == "acc-1"
    assert sent.request.caller.customer_codes == ("C00012345",)


def test_without_a_key_the_request_id_makes_the_reading_safe_to_retry(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    response = client.post(
        "/v1/supplies/GAS-000123/readings",
        json={"digits": "04521"},
        headers={**token, "X-Request-ID": "req-0123456789"},
    )
    assert response.status_code == 201, response.text
    (sent,) = metering_calls(bus)
    assert sent.idempotency_key == "req-0123456789"


def test_a_reading_sent_before_is_a_200_without_a_new_location(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    bus.replies[SUBMIT_READING.name] = RECEIPT.model_copy(update={"outcome": "already_received"})
    response = client.post(
        "/v1/supplies/GAS-000123/readings", json={"digits": "04521"}, headers=token
    )
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "already_received"
    assert response.json()["reading"]["reading_id"] == READING.reading_id
    assert "location" not in response.headers


def test_a_banded_meter_sends_one_value_per_band(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    body = READING_EXAMPLES["bands"]["value"]
    response = client.post("/v1/supplies/ELE-000124/readings", json=body, headers=token)
    assert response.status_code == 201, response.text
    (sent,) = metering_calls(bus)
    assert sent.request.digits is None
    assert sent.request.bands == body["bands"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),  # neither digits nor bands
        ({"digits": "04521", "bands": {"F1": "1", "F2": "2", "F3": "3"}}, "body"),  # both
        ({"digits": "   "}, "body.digits"),
        ({"digits": "1" * 21}, "body.digits"),
        ({"digits": 4521}, "body.digits"),  # the digits as typed, leading zeros and all
        ({"bands": {"F4": "1"}}, "body.bands.F4.[key]"),
        ({"digits": "04521", "supply_id": "GAS-000999"}, "body.supply_id"),  # the path's
        ({"digits": "04521", "caller": {"user_id": "acc-2", "role": "operator"}}, "body.caller"),
        ({"digits": "04521", "read_on": "2026-01-01"}, "body.read_on"),
    ],
)
def test_a_reading_the_contract_refuses_is_a_422_naming_the_field_and_nothing_is_sent(
    client: TestClient, bus: Any, token: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/supplies/GAS-000123/readings", json=body, headers=token)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert metering_calls(bus) == []


def test_a_malformed_idempotency_key_is_a_422_metering_never_hears_of(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    response = client.post(
        "/v1/supplies/GAS-000123/readings",
        json={"digits": "04521"},
        headers={**token, "Idempotency-Key": "not a key"},
    )
    assert response.status_code == 422
    assert metering_calls(bus) == []


@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [
        (ErrorKind.NOT_FOUND, "supply_not_found", 404),
        (ErrorKind.CONFLICT, "read_remotely", 409),
        (ErrorKind.CONFLICT, "supply_ceased", 409),
        (ErrorKind.CONFLICT, "no_meter", 409),
        (ErrorKind.INVALID, "not_digits", 422),
        (ErrorKind.INVALID, "too_many_digits", 422),
        (ErrorKind.INVALID, "wrong_registers", 422),
        (ErrorKind.INVALID, "lower_than_previous", 422),
        (ErrorKind.CONFLICT, "idempotency_key_reused", 409),
    ],
)
def test_meterings_refusal_of_a_reading_is_the_clients_problem_and_is_documented(
    client: TestClient, bus: Any, token: dict[str, str], kind: ErrorKind, code: str, status: int
) -> None:
    bus.replies[SUBMIT_READING.name] = refused(kind, code)
    response = client.post(
        "/v1/supplies/GAS-000123/readings", json={"digits": "04521"}, headers=token
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert "location" not in response.headers
    documented = client.get("/openapi.json").json()["paths"]["/v1/supplies/{supply_id}/readings"]
    assert f"`{code}`" in documented["post"]["responses"][str(status)]["description"]


def test_the_reading_route_documents_both_successes_and_both_forms_of_body(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/v1/supplies/{supply_id}/readings"]["post"]
    receipt = {"$ref": "#/components/schemas/ReadingReceipt"}
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == receipt
    assert "Location" in operation["responses"]["201"]["headers"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == receipt
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    assert [set(example["value"]) for example in examples.values()] == [{"digits"}, {"bands"}]
    assert operation["tags"] == ["readings"]


# Reading what metering knows.


@pytest.mark.parametrize(
    ("path", "operation", "fields", "answer"),
    [
        (
            "/v1/supplies/gas-000123/readings?source=customer&status=rejected&cursor=c1&limit=5",
            LIST_READINGS,
            {
                "supply_id": "GAS-000123",
                "source": "customer",
                "status": "rejected",
                "cursor": "c1",
                "limit": 5,
            },
            PAGE.model_dump(mode="json"),
        ),
        (
            "/v1/supplies/GAS-000123/readings",
            LIST_READINGS,
            {"source": None, "status": None, "cursor": None, "limit": 20},
            PAGE.model_dump(mode="json"),
        ),
        (
            f"/v1/readings/{READING.reading_id}",
            GET_READING,
            {"reading_id": READING.reading_id},
            READING.model_dump(mode="json"),
        ),
        (
            "/v1/reading-boxes?customer_code=c00012345",
            LIST_READING_BOXES,
            {"customer_code": "C00012345", "supply_id": None},
            BOXES.model_dump(mode="json"),
        ),
        (
            "/v1/reading-boxes",
            LIST_READING_BOXES,
            {"customer_code": None, "supply_id": None},
            BOXES.model_dump(mode="json"),
        ),
        (
            "/v1/supplies/ele-000124/reading-box",
            LIST_READING_BOXES,
            {"customer_code": None, "supply_id": "ELE-000124"},
            BOXES.boxes[1].model_dump(mode="json"),
        ),
        (
            "/v1/supplies/GAS-000123/consumption?months=24&until=2026-11",
            GET_CONSUMPTION,
            {"supply_id": "GAS-000123", "months": 24, "until": "2026-11"},
            CONSUMPTION.model_dump(mode="json"),
        ),
        (
            "/v1/supplies/GAS-000123/consumption",
            GET_CONSUMPTION,
            {"months": 12, "until": None},
            CONSUMPTION.model_dump(mode="json"),
        ),
        (
            "/v1/supplies/ELE-000124/intervals?period=week&on=2026-11-29",
            GET_INTERVALS,
            {"supply_id": "ELE-000124", "period": "week", "on": date(2026, 11, 29)},
            INTERVALS.model_dump(mode="json"),
        ),
        (
            "/v1/supplies/ELE-000124/intervals?on=2026-11-29",
            GET_INTERVALS,
            {"period": "day"},
            INTERVALS.model_dump(mode="json"),
        ),
    ],
)
def test_each_route_sends_its_operation_with_the_caller_and_answers_the_reply(
    client: TestClient,
    bus: Any,
    token: dict[str, str],
    path: str,
    operation: Any,
    fields: dict[str, Any],
    answer: dict[str, Any],
) -> None:
    response = client.get(path, headers=token)
    assert response.status_code == 200, response.text
    assert response.json() == answer
    (sent,) = metering_calls(bus)
    assert sent.operation == operation
    assert sent.request.caller.user_id == "acc-1"
    assert sent.request.caller.customer_codes == ("C00012345",)
    assert {name: getattr(sent.request, name) for name in fields} == fields
    assert sent.idempotency_key is None  # reads are never replayed


def test_a_supply_metering_gives_no_box_of_is_not_found_not_a_500(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    response = client.get("/v1/supplies/GAS-000999/reading-box", headers=token)
    assert response.status_code == 404
    assert response.json()["code"] == "supply_not_found"
    assert response.json()["details"] == {"supply_id": "GAS-000999"}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/readings/rdg-8C1D2E3F4A5B",  # the prefix is upper case
        "/v1/readings/RDG-12345",  # too short
        "/v1/readings/RDG-8C1D.2E3F4A5B",
        "/v1/readings/R-8C1D2E3F4A5B",
        "/v1/readings/RDG-" + "A" * 81,
        "/v1/supplies/abc/readings",
        "/v1/supplies/GAS_000123/reading-box",
        "/v1/supplies/GAS%0A000123/consumption",
        "/v1/supplies/" + "A" * 31 + "/intervals?on=2026-11-29",
        "/v1/supplies/a'b/intervals.csv?first_day=2026-11-01&last_day=2026-11-30",
    ],
)
def test_a_malformed_identifier_in_the_path_is_a_422_metering_never_hears_of(
    client: TestClient, bus: Any, token: dict[str, str], path: str
) -> None:
    response = client.get(path, headers=token)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_request"
    assert metering_calls(bus) == []


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/supplies/GAS-000123/readings?limit=0", "query.limit"),
        ("/v1/supplies/GAS-000123/readings?limit=101", "query.limit"),
        ("/v1/supplies/GAS-000123/readings?source=neighbour", "query.source"),
        ("/v1/supplies/GAS-000123/readings?status=lost", "query.status"),
        ("/v1/supplies/GAS-000123/readings?cursor=" + "c" * 201, "query.cursor"),
        ("/v1/supplies/GAS-000123/readings?supply_id=GAS-000999", "query.supply_id"),
        ("/v1/reading-boxes?customer_code=C0-1", "query.customer_code"),
        ("/v1/reading-boxes?supply_id=GAS-000123", "query.supply_id"),
        ("/v1/supplies/GAS-000123/consumption?months=0", "query.months"),
        ("/v1/supplies/GAS-000123/consumption?months=25", "query.months"),
        ("/v1/supplies/GAS-000123/consumption?until=2026-13", "query.until"),
        ("/v1/supplies/GAS-000123/consumption?until=2026-1", "query.until"),
        ("/v1/supplies/ELE-000124/intervals", "query.on"),
        ("/v1/supplies/ELE-000124/intervals?on=2026-02-30", "query.on"),
        ("/v1/supplies/ELE-000124/intervals?on=2026-11-29&period=year", "query.period"),
        ("/v1/supplies/ELE-000124/intervals.csv?first_day=2026-11-01", "query.last_day"),
        (
            "/v1/supplies/ELE-000124/intervals.csv?first_day=2026-11-01&last_day=30/11/2026",
            "query.last_day",
        ),
        ("/v1/supplies/ELE-000124/intervals?on=2026-11-29&colour=blue", "query.colour"),
        # Days no meter has data for, and past what a week or a month can be counted to.
        ("/v1/supplies/ELE-000124/intervals?period=month&on=9999-12-31", "query.on"),
        ("/v1/supplies/ELE-000124/intervals?period=week&on=0001-01-01", "query.on"),
        (
            "/v1/supplies/ELE-000124/intervals.csv?first_day=1999-12-25&last_day=2000-01-05",
            "query.first_day",
        ),
        ("/v1/supplies/GAS-000123/consumption?until=0000-01", "query.until"),
        ("/v1/supplies/GAS-000123/consumption?until=9999-12", "query.until"),
    ],
)
def test_a_bad_query_is_a_422_naming_the_parameter(
    client: TestClient, bus: Any, token: dict[str, str], path: str, field: str
) -> None:
    response = client.get(path, headers=token)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert metering_calls(bus) == []


@pytest.mark.parametrize(
    ("first_day", "last_day"),
    [("2026-11-30", "2026-11-01"), ("2025-01-01", "2026-01-02"), ("2020-01-01", "2026-01-01")],
    ids=["reversed", "367 days", "six years"],
)
def test_an_export_span_the_contract_refuses_is_a_422_of_the_query_not_a_500(
    client: TestClient, bus: Any, token: dict[str, str], first_day: str, last_day: str
) -> None:
    response = client.get(
        f"/v1/supplies/ELE-000124/intervals.csv?first_day={first_day}&last_day={last_day}",
        headers=token,
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["query"]
    assert metering_calls(bus) == []


def test_a_whole_year_of_366_days_is_exported(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    response = client.get(
        "/v1/supplies/ELE-000124/intervals.csv?first_day=2024-01-01&last_day=2024-12-31",
        headers=token,
    )
    assert response.status_code == 200, response.text
    (sent,) = metering_calls(bus)
    assert sent.operation is EXPORT_INTERVALS
    assert (sent.request.first_day, sent.request.last_day) == (date(2024, 1, 1), date(2024, 12, 31))


@pytest.mark.parametrize(
    ("path", "operation", "kind", "code", "status"),
    [
        (
            "/v1/supplies/GAS-000999/readings",
            LIST_READINGS,
            ErrorKind.NOT_FOUND,
            "supply_not_found",
            404,
        ),
        (
            "/v1/supplies/GAS-000123/readings?cursor=forged",
            LIST_READINGS,
            ErrorKind.INVALID,
            "invalid_cursor",
            422,
        ),
        (
            "/v1/readings/RDG-000000000000",
            GET_READING,
            ErrorKind.NOT_FOUND,
            "reading_not_found",
            404,
        ),
        (
            "/v1/reading-boxes?customer_code=C00099999",
            LIST_READING_BOXES,
            ErrorKind.NOT_FOUND,
            "customer_not_found",
            404,
        ),
        (
            "/v1/supplies/GAS-000999/reading-box",
            LIST_READING_BOXES,
            ErrorKind.NOT_FOUND,
            "supply_not_found",
            404,
        ),
        (
            "/v1/supplies/GAS-000999/consumption",
            GET_CONSUMPTION,
            ErrorKind.NOT_FOUND,
            "supply_not_found",
            404,
        ),
        (
            "/v1/supplies/GAS-000123/intervals?on=2026-11-29",
            GET_INTERVALS,
            ErrorKind.CONFLICT,
            "not_smart",
            409,
        ),
        (
            "/v1/supplies/GAS-000123/intervals.csv?first_day=2026-11-01&last_day=2026-11-30",
            EXPORT_INTERVALS,
            ErrorKind.CONFLICT,
            "not_smart",
            409,
        ),
    ],
)
def test_meterings_refusal_is_the_clients_problem_as_metering_said_it_and_is_documented(
    client: TestClient,
    bus: Any,
    token: dict[str, str],
    path: str,
    operation: Any,
    kind: ErrorKind,
    code: str,
    status: int,
) -> None:
    bus.replies[operation.name] = refused(kind, code)
    response = client.get(path, headers=token)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert response.json()["detail"] == "Non si può."
    documented = client.get("/openapi.json").json()["paths"][_template(path)]["get"]["responses"]
    assert f"`{code}`" in documented[str(status)]["description"]


def _template(path: str) -> str:
    """The OpenAPI path of a concrete one: its ids back to their parameters."""
    parts = path.split("?", 1)[0].split("/")
    if parts[2] == "readings":
        parts[3] = "{reading_id}"
    elif parts[2] == "supplies":
        parts[3] = "{supply_id}"
    return "/".join(parts)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/supplies/GAS-000123/readings",
        f"/v1/readings/{READING.reading_id}",
        "/v1/reading-boxes",
        "/v1/supplies/GAS-000123/reading-box",
        "/v1/supplies/GAS-000123/consumption",
        "/v1/supplies/ELE-000124/intervals?on=2026-11-29",
        EXPORT,
    ],
)
def test_without_a_token_nothing_reaches_metering(client: TestClient, bus: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert metering_calls(bus) == []


def test_without_a_token_no_reading_reaches_metering(client: TestClient, bus: Any) -> None:
    response = client.post("/v1/supplies/GAS-000123/readings", json={"digits": "04521"})
    assert response.status_code == 401
    assert metering_calls(bus) == []


# The CSV.


def test_the_csv_is_its_bytes_to_download_with_its_name_and_etag(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    response = client.get(EXPORT, headers=token)
    assert response.status_code == 200, response.text
    assert response.content == CSV_CONTENT.encode()
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-length"] == str(len(CSV_CONTENT))
    assert response.headers["etag"] == f'"{CSV_SHA}"'
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["content-disposition"] == (
        'attachment; filename="ELE-000124-2026-11-01-2026-11-30.csv"'
    )
    (sent,) = metering_calls(bus)
    assert sent.request.supply_id == "ELE-000124"
    assert (sent.request.first_day, sent.request.last_day) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )


@pytest.mark.parametrize("held", [f'"{CSV_SHA}"', f'W/"{CSV_SHA}"', "*"])
def test_a_client_holding_the_current_csv_gets_a_304(
    client: TestClient, token: dict[str, str], held: str
) -> None:
    response = client.get(EXPORT, headers={**token, "If-None-Match": held})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == f'"{CSV_SHA}"'


def test_a_csv_name_cannot_break_out_of_its_header(
    client: TestClient, bus: Any, token: dict[str, str]
) -> None:
    bus.replies[EXPORT_INTERVALS.name] = CSV.model_copy(
        update={"filename": 'x".csv\r\nSet-Cookie: a=b'}
    )
    response = client.get(EXPORT, headers=token)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    assert (
        response.headers["content-disposition"] == 'attachment; filename="x_.csv__Set-Cookie__a_b"'
    )


def test_the_csv_route_documents_csv_a_304_and_its_problems(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][
        "/v1/supplies/{supply_id}/intervals.csv"
    ]["get"]
    documented = operation["responses"]
    assert set(documented["200"]["content"]) == {"text/csv; charset=utf-8"}
    assert {"ETag", "Content-Disposition", "Cache-Control"} <= set(documented["200"]["headers"])
    assert "304" in documented
    assert "`not_smart`" in documented["409"]["description"]
    assert "`supply_not_found`" in documented["404"]["description"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["first_day"]["schema"]["format"] == "date"
    assert parameters["last_day"]["required"] is True


# The home page's reading boxes.


@dataclass
class MeetingBus:
    """Answers from `replies`, but billing's and metering's answers wait until `together` of
    their calls are in flight at once: calls made one after the other never meet, and fail."""

    replies: dict[str, Any]
    sent: list[Any] = field(default_factory=list)
    connected: bool = True
    together: int = 4
    barrier: asyncio.Barrier | None = None

    async def call(self, operation: Any, request: Any, **_: Any) -> Any:
        self.sent.append((operation, request))
        if operation.service in ("billing", "metering"):
            if self.barrier is None:
                self.barrier = asyncio.Barrier(self.together)
            try:
                async with asyncio.timeout(2):
                    await self.barrier.wait()
            except TimeoutError:
                raise AssertionError(f"{operation.name} waited alone") from None
        reply = self.replies[operation.name]
        if isinstance(reply, Exception):
            raise reply
        return reply


@pytest.fixture
def meeting(bus: Any) -> MeetingBus:
    bus.replies[LIST_BILLS.name] = BillsPage(groups=())
    bus.replies[LIST_SUPPLIES.name] = SuppliesReply(supplies=())
    bus.replies[GET_BALANCE.name] = BalanceReply(
        amount_due_cents=0, overdue_cents=0, unpaid_bills=0
    )
    bus.replies[LIST_READING_BOXES.name] = ReadingBoxesReply(
        boxes=(box("GAS-000123"), box("GAS-000100", "ceased"), box("ELE-000124", "read_remotely"))
    )
    return MeetingBus(replies=bus.replies)  # the identity keys and scope as well


@pytest.fixture
def home_client(make_app: Callable[..., FastAPI], meeting: MeetingBus) -> TestClient:
    app = make_app()
    app.state.bus = meeting
    return TestClient(app, raise_server_exceptions=False)


def test_the_home_page_asks_for_the_reading_boxes_with_billings_parts_at_once(
    home_client: TestClient, meeting: MeetingBus, token: dict[str, str]
) -> None:
    response = home_client.get("/v1/home?customer_code=c00012345", headers=token)
    assert response.status_code == 200, response.text
    boxes = response.json()["reading_boxes"]
    # A ceased supply's box stays on its own page: home shows the supplies still supplied.
    assert [(b["supply_id"], b["state"]) for b in boxes] == [
        ("GAS-000123", "open"),
        ("ELE-000124", "read_remotely"),
    ]
    (asked,) = [r for op, r in meeting.sent if op is LIST_READING_BOXES]
    assert asked.customer_code == "C00012345"  # the same narrowing as billing's parts
    assert asked.supply_id is None
    assert asked.caller.user_id == "acc-1"


def test_metering_unavailable_fails_the_home_page_as_any_part_does(
    home_client: TestClient, meeting: MeetingBus, token: dict[str, str]
) -> None:
    meeting.replies[LIST_READING_BOXES.name] = ServiceUnavailable("metering", "no reply in time")
    response = home_client.get("/v1/home", headers=token)
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["details"] == {"service": "metering"}
