"""Supplies and bills as the back-office would send them: valid, with made-up points and numbers,
for tests and benchmarks (published through `BackOffice`)."""

import random
from datetime import date, timedelta
from decimal import Decimal

from sportello_contracts.bills import (
    BillIssued,
    BillLine,
    ConsumptionBilled,
    PaymentMethod,
    ReadingUsed,
)
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
    payment_method: PaymentMethod = "pagopa",
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
        payment_method=payment_method,
        notice_position=f"{random.randint(0, 10**13 - 1):013d}"
        if payment_method == "pagopa"
        else None,
    )
