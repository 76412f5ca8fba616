"""Demo data: customers onboarded through the back-office simulator, their supplies, bills,
meters and readings, and one ready-made login."""

import asyncio
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

import httpx

from sportello_deploy.backoffice import BackOffice, Batch, NewCustomer
from sportello_deploy.demo_bills import demo_billing
from sportello_deploy.demo_readings import demo_readings

DEMO_CUSTOMERS = (
    NewCustomer(
        customer_code="C00010001",
        fiscal_code="RSSMRA80A01H501U",
        full_name="Mario Rossi",
        email="mario.rossi@example.it",
        registration_pin="48213907",
    ),
    NewCustomer(
        customer_code="C00010002",
        fiscal_code="BNCGLI85M52F205H",
        full_name="Giulia Bianchi",
        email="giulia.bianchi@example.it",
        registration_pin="40271963",
    ),
    # One fiscal identity, two supply contracts: one account sees both.
    NewCustomer(
        customer_code="C00010003",
        fiscal_code="VRDLCU72D15L219S",
        full_name="Luca Verdi",
        email="luca.verdi@example.it",
        registration_pin="73920418",
    ),
    NewCustomer(
        customer_code="C00010004",
        fiscal_code="VRDLCU72D15L219S",
        full_name="Luca Verdi",
        email="luca.verdi@example.it",
        registration_pin="51836024",
    ),
    NewCustomer(
        customer_code="C00010005",
        fiscal_code="97123450583",
        full_name="Condominio Via Roma 12",
        email="condominio.viaroma12@example.it",
        registration_pin="26485910",
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    customer: NewCustomer


DEMO_LOGIN = DemoLogin("mario.rossi", "Demo-Sportello-2026", DEMO_CUSTOMERS[0])


def demo_event_ids(customer: NewCustomer) -> tuple[UUID, UUID]:
    # The same ids at every run: consumers recognise a re-run and change nothing.
    return (
        uuid5(NAMESPACE_URL, f"sportello-demo:{customer.customer_code}"),
        uuid5(NAMESPACE_URL, f"sportello-demo:{customer.customer_code}:pin"),
    )


async def load_demo_customers(backoffice: BackOffice) -> None:
    for customer in DEMO_CUSTOMERS:
        await backoffice.onboard(customer, event_ids=demo_event_ids(customer))


@dataclass(frozen=True)
class DemoCounts:
    customers: int
    supplies: int
    bills: int
    payments: int = 0
    plans: int = 0
    meters: int = 0
    distributor_readings: int = 0
    interval_days: int = 0


async def load_demo_data(backoffice: BackOffice, today: date | None = None) -> DemoCounts:
    """The demo customers, then their supplies, then the bills of the two years to `today`,
    then the instalment plans granted and the payments registered for them; then the supplies'
    meters, the electricity prices, the distributors' readings and the 15-minute data.

    In that order, so that no consumer has to park a bill for a supply it does not know yet, or
    a payment for a bill (they would, but the demo need not rely on it). The same `today`
    publishes the same events: registrations and plans have fixed ids, and their events' ids
    come from them; meters, prices and batches take theirs from their content.
    """
    day = today or date.today()
    billing = demo_billing(day)
    await load_demo_customers(backoffice)
    for supply, supply_event_id in billing.supplies:
        await backoffice.activate_supply(supply, event_id=supply_event_id)
    for update, update_event_id in billing.updates:
        await backoffice.publish(update, event_id=update_event_id)
    for bill in billing.bills:
        await backoffice.publish(bill.bill, event_id=bill.event_id)
    plans = [bill.plan for bill in billing.bills if bill.plan is not None]
    for plan in plans:
        await backoffice.approve_instalment_plan(plan)
    payments = [payment for bill in billing.bills for payment in bill.payments]
    for payment in payments:
        await backoffice.register_payment(payment)
    readings = demo_readings(day, billing)
    for meter in readings.meters:
        await backoffice.install_meter(meter)
    for prices in readings.prices:
        await backoffice.change_energy_prices(prices)
    batches: list[Batch] = [*readings.distributor_batches, *readings.interval_batches]
    for batch in batches:
        await backoffice.publish_batch(batch)
    return DemoCounts(
        len(DEMO_CUSTOMERS),
        len(billing.supplies),
        len(billing.bills),
        len(payments),
        len(plans),
        len(readings.meters),
        len(readings.distributor_readings),
        len(readings.interval_days),
    )


async def ensure_demo_login(gateway_url: str, attempts: int = 50) -> None:
    """Register the demo login through the gateway, as a user would, unless it exists already."""
    login = DEMO_LOGIN
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as http:
        for _ in range(attempts):
            signed_in = await http.post(
                "/v1/auth/login", json={"username": login.username, "password": login.password}
            )
            if signed_in.status_code == 200:
                return
            registered = await http.post(
                "/v1/auth/register",
                json={
                    "fiscal_code": login.customer.fiscal_code,
                    "registration_pin": login.customer.registration_pin,
                    "username": login.username,
                    "password": login.password,
                },
            )
            if registered.status_code == 201:
                return
            # The onboarding event may not be consumed yet: try again shortly.
            await asyncio.sleep(0.2)
    raise RuntimeError(f"could not register the demo login: {registered.text}")


@dataclass(frozen=True)
class DemoOperator:
    username: str
    password: str
    email: str
    full_name: str


DEMO_OPERATOR = DemoOperator(
    "operatore.demo", "Demo-Operatore-2026", "operatore.demo@example.it", "Operatore Demo"
)
# The variable the bootstrap command reads the password from (never the command line).
_PASSWORD_VARIABLE = "SPORTELLO_OPERATOR_PASSWORD"


def ensure_demo_operator(env: dict[str, str]) -> None:
    """Create the demo operator with identity's bootstrap command, unless it exists already.

    Run against identity's database with the deployables' own environment, as an operator
    bootstrapping a real deployment would. It has every permission once it enrols TOTP.
    """
    operator = DEMO_OPERATOR
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "sportello_identity.operator_cli",
            "create",
            "--username",
            operator.username,
            "--email",
            operator.email,
            "--full-name",
            operator.full_name,
            "--if-absent",
        ],
        env={**env, _PASSWORD_VARIABLE: operator.password},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        raise RuntimeError(f"could not create the demo operator: {done.stderr.strip()}")
