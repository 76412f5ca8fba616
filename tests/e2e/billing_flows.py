"""Steps the billing end-to-end tests share: supplies and bills published as the back-office
would, and waiting for billing to show them."""

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from e2e.flows import bearer
from sportello_contracts.bills import BillIssued, BillLine, ConsumptionBilled, ReadingUsed
from sportello_contracts.envelope import EventPayload
from sportello_contracts.supplies import (
    Delivery,
    Distributor,
    Meter,
    PagoPaPayment,
    Payment,
    PostalAddress,
    PostalDelivery,
    SupplyActivated,
)
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.testing import eventually

HOME = PostalAddress(street="Via Roma", number="12", post_code="00184", city="Roma", province="RM")


def italian_iban(account: int) -> str:
    """A valid Italian IBAN (check digits computed) for a made-up account number."""
    bban = f"X0542811101{account:012d}"
    digits = "".join(str(int(c, 36)) for c in bban + "IT00")
    return f"IT{98 - int(digits) % 97:02d}{bban}"


def new_id(prefix: str) -> str:
    return f"{prefix}-{random.randint(0, 10**9):09d}"


def gas_supply(
    customer_code: str,
    *,
    supply_id: str | None = None,
    delivery: Delivery | None = None,
    payment: Payment | None = None,
) -> SupplyActivated:
    return SupplyActivated(
        supply_id=supply_id or new_id("S"),
        customer_code=customer_code,
        commodity="gas",
        point_id=f"{random.randint(0, 10**14 - 1):014d}",
        address=HOME,
        offer_code="GAS-CASA-24",
        offer_name="Gas Casa Sicuro",
        meter=Meter(serial="GM-778812"),
        distributor=Distributor(name="Italgas Reti", emergency_number="800 900 999"),
        activated_on=date(2023, 4, 1),
        delivery=delivery or PostalDelivery(address=HOME),
        payment=payment or PagoPaPayment(),
    )


def gas_bill(
    customer_code: str,
    supply_id: str,
    *,
    issued_on: date,
    smc: int = 180,
    price: str = "0.65",
    estimated: bool = False,
    number: str | None = None,
    payment_method: str = "pagopa",
) -> BillIssued:
    """A two-month gas bill issued on `issued_on`, due 20 days later, whose lines add up."""
    end = issued_on - timedelta(days=10)
    start = end - timedelta(days=60)
    energy = round(smc * Decimal(price) * 100)
    lines = (
        BillLine(
            section="consumption",
            description="Materia gas naturale",
            quantity=Decimal(smc),
            unit="Smc",
            unit_price=Decimal(price),
            amount_cents=energy,
        ),
        BillLine(section="fixed", description="Quota fissa", amount_cents=2400),
        BillLine(section="taxes", description="Accise", amount_cents=smc * 17),
        BillLine(
            section="vat", description="IVA 10%", amount_cents=(energy + 2400 + smc * 17) // 10
        ),
    )
    return BillIssued(
        bill_number=number or new_id("B"),
        customer_code=customer_code,
        supply_id=supply_id,
        period_start=start,
        period_end=end,
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=20),
        total_cents=sum(line.amount_cents for line in lines),
        lines=lines,
        consumption=ConsumptionBilled(quantity=Decimal(smc), unit="Smc"),
        readings=(
            ReadingUsed(read_on=end, value=4000 + smc, kind="estimated" if estimated else "actual"),
        ),
        payment_method=payment_method,  # type: ignore[arg-type]
        notice_position=f"{random.randint(0, 10**13 - 1):013d}"
        if payment_method == "pagopa"
        else None,
    )


async def publish(system: Any, *payloads: EventPayload) -> None:
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        for payload in payloads:
            await backoffice.publish(payload)


async def supplies_of(
    gateway: httpx.AsyncClient, session: dict[str, Any], count: int, **query: str
) -> list[dict[str, Any]]:
    """The caller's supplies, once billing shows `count` of them."""

    async def listed() -> list[dict[str, Any]] | None:
        answer = await gateway.get("/v1/supplies", params=query, headers=bearer(session))
        assert answer.status_code == 200, answer.text
        supplies: list[dict[str, Any]] = answer.json()["supplies"]
        return supplies if len(supplies) >= count else None

    return await eventually(listed, seconds=20, what=f"{count} supplies shown")


async def bills_of(
    gateway: httpx.AsyncClient, session: dict[str, Any], count: int, **query: str
) -> list[dict[str, Any]]:
    """The caller's bills (all groups, in order), once billing shows `count` of them."""

    async def listed() -> list[dict[str, Any]] | None:
        answer = await gateway.get(
            "/v1/bills", params={"limit": "100", **query}, headers=bearer(session)
        )
        assert answer.status_code == 200, answer.text
        bills = [bill for group in answer.json()["groups"] for bill in group["bills"]]
        return bills if len(bills) >= count else None

    return await eventually(listed, seconds=20, what=f"{count} bills shown")
