"""The back-office's bulk data end to end: distributors' readings and smart meters' 15-minute
days, thousands per message, kept once each with the bad rows dead-lettered alone; then served
as monthly consumption against last year, curves by time band with their cost, and CSV."""

import csv
import io
import json
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from e2e.billing_flows import publish
from e2e.flows import assert_problem, bearer, signed_in_customer
from e2e.reading_flows import box_of, gas_meter, history_of, metered_customer, today
from sportello_contracts.readings import (
    DistributorReadingsPublished,
    EnergyPricesChanged,
    IntervalDaysPublished,
    MeterInstalled,
    MeterSpec,
)
from sportello_deploy.sample_billing import gas_supply
from sportello_deploy.testing import eventually, take_dead_letters
from sportello_kit.topology import DEAD_LETTER_REASON, Topology
from sportello_metering.domain.calendar import quarters_in

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def _queue(system: Any, routing_key: str) -> str:
    return Topology(system.servers.prefix).event_queue_name("metering", routing_key)


async def _dead_letters(system: Any, routing_key: str, batch_id: str) -> list[Any]:
    async def arrived() -> list[Any] | None:
        taken = await take_dead_letters(system.servers.rabbitmq_url, _queue(system, routing_key))
        mine = [m for m in taken if json.loads(m.body)["payload"]["batch_id"] == batch_id]
        return mine or None

    return await eventually(arrived, seconds=20, what=f"dead letters of {batch_id}")


async def test_distributor_readings_in_bulk_are_kept_once_and_bad_rows_dead_lettered(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    supplies = [gas_supply(customer.customer_code) for _ in range(3)]
    meters = [gas_meter(s, initial=100) for s in supplies]
    await publish(system, *supplies, *meters)
    for supply in supplies:
        await box_of(gateway, session, supply.supply_id, lambda box: box["state"] != "no_meter")
    start = today() - timedelta(days=390)
    good = [
        {
            "supply_id": m.supply_id,
            "meter_serial": m.meter.serial,
            "read_on": (start + timedelta(days=30 * month)).isoformat(),
            "values": {"total": 100 + 40 * month},
        }
        for m in meters
        for month in range(1, 13)
    ]
    bad = [
        {**good[1], "values": {"total": "dodici"}},
        {**good[2], "read_on": (today() + timedelta(days=3)).isoformat()},
        {"supply_id": "S-404404404", "meter_serial": "X", "read_on": "2026-02-30", "values": {}},
        {"nothing": "useful"},
    ]
    # Rows about a meter or a supply not known yet: tried again, as their events may come
    # second; dead-lettered after the last retry if they never do.
    unknown = [
        {**good[0], "meter_serial": "GM-NOT-THERE"},
        {**good[0], "supply_id": "S-404404404"},
    ]
    late_supply = gas_supply(customer.customer_code)
    late_meter = gas_meter(late_supply, initial=100)
    early = [
        {**good[0], "supply_id": late_supply.supply_id, "meter_serial": late_meter.meter.serial}
    ]
    rows = (*good, *bad, *unknown, *early)
    batch = DistributorReadingsPublished(batch_id=f"D-{customer.customer_code}", rows=rows)
    again = batch.model_copy(update={"batch_id": batch.batch_id + "-again"})
    await publish(system, batch, again, late_supply, late_meter)

    for supply in supplies:
        history = await history_of(gateway, session, supply.supply_id, 12)
        assert len(history) == 12  # twice sent, kept once
        assert {r["source"] for r in history} == {"distributor"}
    (dead, *_) = await _dead_letters(
        system, "backoffice.distributor_readings.published", batch.batch_id + ".bad"
    )
    payload = json.loads(dead.body)["payload"]
    assert len(payload["rows"]) == len(bad)
    reason = dead.headers[DEAD_LETTER_REASON]
    assert f"{len(bad)} of {len(rows)} rows refused" in reason
    assert "dodici" not in reason  # the reason says what is wrong, not the values
    (dead, *_) = await _dead_letters(
        system, "backoffice.distributor_readings.published", batch.batch_id + ".later"
    )
    assert json.loads(dead.body)["payload"]["rows"] == unknown
    reason = dead.headers[DEAD_LETTER_REASON]
    assert "GM-NOT-THERE" in reason
    assert "S-404404404" in reason
    assert "tried 4 times" in reason
    # The row that came before its meter was kept once the meter arrived.
    (kept,) = await history_of(gateway, session, late_supply.supply_id, 1)
    assert kept["meter_serial"] == late_meter.meter.serial

    # Twelve months of readings: consumption by month, each against the year before.
    answer = await gateway.get(
        f"/v1/supplies/{supplies[0].supply_id}/consumption",
        params={"months": "12"},
        headers=bearer(session),
    )
    assert answer.status_code == 200, answer.text
    reply = answer.json()
    assert reply["unit"] == "Smc"
    assert len(reply["months"]) == 12
    shown = [m for m in reply["months"] if m["quantity"] is not None]
    assert shown
    assert all(m["source"] == "readings" for m in shown)
    assert any(m["quantity"] is None for m in reply["months"])  # gaps stay gaps


def _curve(day: date, base: int) -> list[int]:
    return [base + (i % 8) for i in range(quarters_in(day))]


async def test_smart_meter_days_are_kept_served_by_band_with_their_cost_and_exported(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session, gas, _ = await metered_customer(system, gateway)
    supply = gas_supply(customer.customer_code)  # its meter says electricity
    supply_id = supply.supply_id
    meter = MeterInstalled(
        supply_id=supply_id,
        customer_code=customer.customer_code,
        commodity="electricity",
        point_id=f"IT001E{random.randint(0, 10**8):08d}",
        meter=MeterSpec(serial="E2G-1", digits=6, unit="kWh", smart=True),
        installed_on=today() - timedelta(days=60),
        initial={"total": 0},
    )
    prices = EnergyPricesChanged(
        supply_id=supply_id,
        customer_code=customer.customer_code,
        valid_from=today() - timedelta(days=90),
        euro_per_kwh={"F1": Decimal("0.15"), "F2": Decimal("0.13"), "F3": Decimal("0.11")},
    )
    await publish(system, meter, prices)
    await box_of(gateway, session, supply_id, lambda box: box["state"] == "read_remotely")
    days = [today() - timedelta(days=n) for n in range(1, 15)]
    rows: list[dict[str, Any]] = [
        {"supply_id": supply_id, "day": d.isoformat(), "quarter_wh": _curve(d, 50)} for d in days
    ]
    bad = [
        {"supply_id": supply_id, "day": days[0].isoformat(), "quarter_wh": [1] * 95},
        {"supply_id": gas.supply_id, "day": days[1].isoformat(), "quarter_wh": [1] * 96},
        {
            "supply_id": supply_id,
            "day": (today() + timedelta(days=2)).isoformat(),
            "quarter_wh": [1] * quarters_in(today() + timedelta(days=2)),
        },
    ]
    batch = IntervalDaysPublished(batch_id=f"I-{customer.customer_code}", rows=(*rows, *bad))
    await publish(system, batch)
    (dead, *_) = await _dead_letters(
        system, "backoffice.interval_days.published", batch.batch_id + ".bad"
    )
    assert len(json.loads(dead.body)["payload"]["rows"]) == len(bad)
    assert "no smart electricity meter" in dead.headers[DEAD_LETTER_REASON]

    async def day_shown() -> dict[str, Any] | None:
        answer = await gateway.get(
            f"/v1/supplies/{supply_id}/intervals",
            params={"period": "day", "on": days[0].isoformat()},
            headers=bearer(session),
        )
        assert answer.status_code == 200, answer.text
        reply: dict[str, Any] = answer.json()
        return reply if reply["days_with_data"] == 1 else None

    day = await eventually(day_shown, seconds=20, what="a day of 15-minute data")
    assert day["resolution"] == "15m"
    assert len(day["points"]) == quarters_in(days[0])
    expected = Decimal(sum(_curve(days[0], 50))) / 1000
    assert Decimal(day["total_kwh"]) == expected
    assert sum(Decimal(b["kwh"]) for b in day["bands"]) == expected
    assert day["total_cost_cents"] > 0

    week = await gateway.get(
        f"/v1/supplies/{supply_id}/intervals",
        params={"period": "week", "on": days[7].isoformat()},
        headers=bearer(session),
    )
    assert week.status_code == 200, week.text
    assert week.json()["resolution"] == "1h"
    month = await gateway.get(
        f"/v1/supplies/{supply_id}/intervals",
        params={"period": "month", "on": days[0].isoformat()},
        headers=bearer(session),
    )
    assert month.json()["resolution"] == "1d"
    assert month.json()["days_missing"] > 0  # the days before the data began are gaps

    exported = await gateway.get(
        f"/v1/supplies/{supply_id}/intervals.csv",
        params={"first_day": days[1].isoformat(), "last_day": days[0].isoformat()},
        headers=bearer(session),
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows_back = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows_back) == 1 + quarters_in(days[1]) + quarters_in(days[0])

    # A gas supply has no 15-minute data; a span over a year is refused; nor another's supply.
    answer = await gateway.get(
        f"/v1/supplies/{gas.supply_id}/intervals",
        params={"on": days[0].isoformat()},
        headers=bearer(session),
    )
    assert_problem(answer, 409, "not_smart")
    answer = await gateway.get(
        f"/v1/supplies/{supply_id}/intervals.csv",
        params={"first_day": "2024-01-01", "last_day": "2025-06-01"},
        headers=bearer(session),
    )
    assert answer.status_code == 422, answer.text
    _, stranger = await signed_in_customer(system, gateway)
    answer = await gateway.get(
        f"/v1/supplies/{supply_id}/intervals",
        params={"on": days[0].isoformat()},
        headers=bearer(stranger),
    )
    assert_problem(answer, 404, "supply_not_found")
