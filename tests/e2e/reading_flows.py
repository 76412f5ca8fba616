"""Steps the readings end-to-end tests share: a customer with a metered supply, as the
back-office would set one up, and the reading calls through the gateway."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from e2e.billing_flows import gas_bill, gas_supply, publish, supplies_of
from e2e.flows import bearer, signed_in_customer
from sportello_contracts.bills import ReadingWindow
from sportello_contracts.readings import MeterInstalled, MeterSpec
from sportello_contracts.supplies import SupplyActivated
from sportello_deploy.testing import eventually

ROME = ZoneInfo("Europe/Rome")


def today() -> date:
    return datetime.now(ROME).date()


def gas_meter(supply: SupplyActivated, initial: int = 1000, digits: int = 5) -> MeterInstalled:
    return MeterInstalled(
        supply_id=supply.supply_id,
        customer_code=supply.customer_code,
        commodity="gas",
        point_id=supply.point_id,
        meter=MeterSpec(
            serial=f"GM-{random.randint(0, 10**8):08d}",
            digits=digits,
            unit="m3",
            correction_factor=Decimal("1.02"),
        ),
        installed_on=today() - timedelta(days=400),
        initial={"total": initial},
    )


async def metered_customer(
    system: Any,
    gateway: httpx.AsyncClient,
    *,
    window: tuple[int, int] | None = (-3, 3),
    initial: int = 1000,
) -> tuple[Any, dict[str, Any], SupplyActivated, MeterInstalled]:
    """A signed-in customer with a gas supply, its meter, and a bill whose next reading window
    runs from `window[0]` to `window[1]` days around today."""
    customer, session = await signed_in_customer(system, gateway)
    supply = gas_supply(customer.customer_code)
    meter = gas_meter(supply, initial)
    bill = gas_bill(customer.customer_code, supply.supply_id, issued_on=today() - timedelta(20))
    if window is not None:
        bill = bill.model_copy(
            update={
                "next_reading_window": ReadingWindow(
                    opens_on=today() + timedelta(window[0]),
                    closes_on=today() + timedelta(window[1]),
                )
            }
        )
    await publish(system, supply, meter, bill)
    await supplies_of(gateway, session, 1)
    await box_of(gateway, session, supply.supply_id, lambda box: box["state"] != "no_meter")
    return customer, session, supply, meter


async def box_of(
    gateway: httpx.AsyncClient,
    session: dict[str, Any],
    supply_id: str,
    until: Any = lambda box: True,
) -> dict[str, Any]:
    async def shown() -> dict[str, Any] | None:
        answer = await gateway.get(f"/v1/supplies/{supply_id}/reading-box", headers=bearer(session))
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text
        box: dict[str, Any] = answer.json()
        return box if until(box) else None

    return await eventually(shown, seconds=20, what=f"the reading box of {supply_id}")


async def send_reading(
    gateway: httpx.AsyncClient,
    session: dict[str, Any],
    supply_id: str,
    body: Any,
    key: str | None = None,
) -> httpx.Response:
    headers = bearer(session) | ({"Idempotency-Key": key} if key else {})
    return await gateway.post(f"/v1/supplies/{supply_id}/readings", json=body, headers=headers)


async def reading_becomes(
    gateway: httpx.AsyncClient, session: dict[str, Any], reading_id: str, status: str
) -> dict[str, Any]:
    async def shown() -> dict[str, Any] | None:
        answer = await gateway.get(f"/v1/readings/{reading_id}", headers=bearer(session))
        assert answer.status_code == 200, answer.text
        reading: dict[str, Any] = answer.json()
        return reading if reading["status"] == status else None

    return await eventually(shown, seconds=20, what=f"reading {reading_id} {status}")


async def history_of(
    gateway: httpx.AsyncClient, session: dict[str, Any], supply_id: str, count: int, **query: str
) -> list[dict[str, Any]]:
    async def listed() -> list[dict[str, Any]] | None:
        answer = await gateway.get(
            f"/v1/supplies/{supply_id}/readings",
            params={"limit": "100", **query},
            headers=bearer(session),
        )
        assert answer.status_code == 200, answer.text
        readings: list[dict[str, Any]] = answer.json()["readings"]
        return readings if len(readings) >= count else None

    return await eventually(listed, seconds=30, what=f"{count} readings of {supply_id}")
