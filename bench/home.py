"""Benchmark of the home call against the sum of its parts called one by one.

    .venv/bin/python bench/home.py [--slices 20] [--calls 30]   # about two minutes
    .venv/bin/python bench/home.py --quick                       # under a minute

It needs RabbitMQ on 127.0.0.1:5672 (`RABBITMQ_URL` and `RABBITMQ_MANAGEMENT_URL` point it at
another broker on this machine) and starts the rest: SecantusDB (in memory; `MONGO_URL`
points it at another), identity, billing and the gateway, on a bus prefix of its own
(`bench-<hex>`, deleted at the end). A customer is onboarded through the back-office simulator
with three gas supplies and 40 bills over two years, registers and logs in through the gateway.
Then, one call at a time, in interleaved slices:

  - **home**: `GET /v1/home`, which asks billing for the latest bills, the active supplies and
    the balance at once;
  - **parts one by one**: `GET /v1/bills?limit=3&order=newest` (the home's latest bills),
    then `GET /v1/supplies?status=active`, then the balance, which has no route of its own:
    `billing.balance.get` called with the gateway's `BusClient` from the benchmark, with the
    `Caller` the gateway builds for this customer. One sample is the three together;
  - for orientation, the same three operations straight on the bus with `BusClient`, one by one
    and all at once (`asyncio.gather`): what the composition saves without HTTP around it.

Reported: p50/p99 of each, the ratios home / (parts one by one), and the CPU per sample of the
gateway, billing and identity (from /proc).
"""

import argparse
import asyncio
import importlib.metadata
import math
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from clocks import cpu_seconds

from sportello_contracts.bills import (
    GET_BALANCE,
    LIST_BILLS,
    BillIssued,
    GetBalanceRequest,
    ListBillsRequest,
)
from sportello_contracts.rpc import Caller
from sportello_contracts.supplies import (
    LIST_SUPPLIES,
    ListSuppliesRequest,
    SupplyActivated,
)
from sportello_deploy.backoffice import BackOffice, broker_address
from sportello_deploy.processes import Deployable, stop_all
from sportello_deploy.sample_billing import gas_bill, gas_supply
from sportello_deploy.servers import (
    LOCAL_HOSTS,
    SecantusDB,
    delete_broker_objects,
    ensure_management_api,
    free_port,
    reachable,
)
from sportello_deploy.testing import random_customer
from sportello_gateway.bus import BusClient
from sportello_kit.declare import declare_all
from sportello_kit.settings import ServiceSettings
from sportello_kit.topology import Topology

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
PASSWORD = "Bench-Casa-2026"
SUPPLIES = 3
BILLS = 40
CASES = ("home", "parts one by one", "bus, one by one", "bus, all at once")
PROCESSES = ("gateway", "billing", "identity")


# --- the customer's data, as the back-office sends it ---------------------------------------


def supply(customer_code: str, number: int) -> SupplyActivated:
    return gas_supply(customer_code, supply_id=f"S-BENCH-{customer_code}-{number}")


def bill(customer_code: str, supply_id: str, number: int, issued_on: date) -> BillIssued:
    """A two-month gas bill whose lines add up, due 20 days after its issue."""
    return gas_bill(
        customer_code,
        supply_id,
        issued_on=issued_on,
        smc=150 + number % 7 * 10,
        number=f"F-{customer_code}-{number:04d}",
    )


async def load_customer(gateway: httpx.AsyncClient, url: str, prefix: str) -> tuple[str, str]:
    """A customer with its supplies and bills, registered and logged in: (code, token)."""
    customer = random_customer()
    code = customer.customer_code
    supplies = [supply(code, n) for n in range(SUPPLIES)]
    today = date.today()
    # Round-robin over the supplies, one every 18 days: 40 bills inside the two years shown.
    bills = [
        bill(code, supplies[n % SUPPLIES].supply_id, n, today - timedelta(days=18 * n))
        for n in range(BILLS)
    ]
    async with BackOffice(url, prefix) as backoffice:
        await backoffice.onboard(customer)
        for activated in supplies:
            await backoffice.activate_supply(activated)
        for issued in bills:
            await backoffice.publish(issued)
    body = {
        "fiscal_code": customer.fiscal_code,
        "registration_pin": customer.registration_pin,
        "username": f"bench.{code.lower()}",
        "password": PASSWORD,
    }
    await until(lambda: _registered(gateway, body), "registration")
    answer = await gateway.post(
        "/v1/auth/login", json={"username": body["username"], "password": PASSWORD}
    )
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    await until(lambda: _all_shown(gateway, token), f"billing showing {BILLS} bills")
    return code, token


async def _registered(gateway: httpx.AsyncClient, body: dict[str, str]) -> bool:
    # Refused until identity has both of the back-office's events.
    return (await gateway.post("/v1/auth/register", json=body)).status_code == 201


async def _all_shown(gateway: httpx.AsyncClient, token: str) -> bool:
    answer = await gateway.get("/v1/bills", params={"limit": 100}, headers=bearer(token))
    if answer.status_code != 200:
        return False
    return sum(len(group["bills"]) for group in answer.json()["groups"]) >= BILLS


async def until(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {what} within {seconds} s")
        await asyncio.sleep(0.2)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def caller_of(token: str, customer_code: str) -> Caller:
    """The `Caller` the gateway builds for this token (`auth.current_caller`): the account and
    session from its claims (verified by the gateway on every request above), the customer's
    code from identity's scope."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return Caller(
        user_id=str(claims["sub"]),
        role="customer",
        customer_codes=(customer_code,),
        session_id=str(claims["sid"]),
    )


# --- the cases -------------------------------------------------------------------------------


@dataclass
class Cell:
    seconds: list[float] = field(default_factory=list)
    parts: dict[str, list[float]] = field(default_factory=dict)  # part -> seconds
    cpu: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PROCESSES, 0.0))


class Cases:
    """Each case, one sample per call; the parts of a sequence timed too."""

    def __init__(self, gateway: httpx.AsyncClient, bus: BusClient, token: str, caller: Caller):
        self.gateway = gateway
        self.bus = bus
        self.headers = bearer(token)
        self.caller = caller

    async def get(self, path: str, **params: Any) -> None:
        answer = await self.gateway.get(path, params=params, headers=self.headers)
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text}")

    async def bills(self) -> None:
        await self.bus.call(
            LIST_BILLS, ListBillsRequest(caller=self.caller, limit=3, order="newest")
        )

    async def supplies(self) -> None:
        await self.bus.call(LIST_SUPPLIES, ListSuppliesRequest(caller=self.caller, status="active"))

    async def balance(self) -> None:
        await self.bus.call(GET_BALANCE, GetBalanceRequest(caller=self.caller))

    def steps(self, case: str) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
        """The steps of one sample, in order (a step that is a gather is one step)."""
        if case == "home":
            return [("home", lambda: self.get("/v1/home"))]
        if case == "parts one by one":
            return [
                (
                    "GET /v1/bills?limit=3&order=newest",
                    lambda: self.get("/v1/bills", limit=3, order="newest"),
                ),
                (
                    "GET /v1/supplies?status=active",
                    lambda: self.get("/v1/supplies", status="active"),
                ),
                ("balance, bus", self.balance),
            ]
        if case == "bus, one by one":
            return [("bills", self.bills), ("supplies", self.supplies), ("balance", self.balance)]
        return [
            (
                "all three",
                lambda: asyncio.gather(self.bills(), self.supplies(), self.balance()),
            )
        ]

    async def sample(self, case: str, cell: Cell) -> None:
        started = time.perf_counter()
        for name, step in self.steps(case):
            before = time.perf_counter()
            await step()
            cell.parts.setdefault(name, []).append(time.perf_counter() - before)
        cell.seconds.append(time.perf_counter() - started)


async def run_slices(
    cases: Cases, pids: dict[str, int], args: argparse.Namespace
) -> tuple[dict[str, Cell], list[float]]:
    cells = {case: Cell() for case in CASES}
    for case in CASES:  # warm-up: connections, caches (the token's, the scope's); not counted
        for _ in range(10):
            await cases.sample(case, Cell())
    ratios = []  # per slice: home's p50 / the parts' p50
    for number in range(args.slices):
        # Rotating order, so no case always runs first on this shared machine.
        order = CASES[number % len(CASES) :] + CASES[: number % len(CASES)]
        medians = {}
        for case in order:
            cell = cells[case]
            before = {name: cpu_seconds(pid) for name, pid in pids.items()}
            slice_cell = Cell()
            for _ in range(args.calls):
                await cases.sample(case, slice_cell)
            for name, pid in pids.items():
                cell.cpu[name] += cpu_seconds(pid) - before[name]
            cell.seconds += slice_cell.seconds
            for part, seconds in slice_cell.parts.items():
                cell.parts.setdefault(part, []).extend(seconds)
            medians[case] = statistics.median(slice_cell.seconds)
        ratios.append(medians["home"] / medians["parts one by one"])
        print(
            f"  slice {number + 1}/{args.slices}: "
            + ", ".join(f"{case} {medians[case] * 1e3:.1f} ms" for case in CASES),
            flush=True,
        )
    return cells, ratios


# --- the report ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least `q` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def report(cells: dict[str, Cell], ratios: list[float]) -> None:
    print(
        "\n| case | samples | p50 ms | p99 ms | gateway CPU ms | billing CPU ms "
        "| identity CPU ms |\n|---|---:|---:|---:|---:|---:|---:|"
    )
    for case in CASES:
        cell = cells[case]
        n = len(cell.seconds)
        print(
            f"| {case} | {n} | {statistics.median(cell.seconds) * 1e3:.2f} "
            f"| {percentile(cell.seconds, 0.99) * 1e3:.2f} | "
            + " | ".join(f"{cell.cpu[p] / n * 1e3:.2f}" for p in PROCESSES)
            + " |"
        )
    print("\nthe parts, inside their sequences (p50 / p99 ms):")
    for case in ("parts one by one", "bus, one by one"):
        for part, seconds in cells[case].parts.items():
            print(
                f"  {case}: {part}: {statistics.median(seconds) * 1e3:.2f} / "
                f"{percentile(seconds, 0.99) * 1e3:.2f}"
            )
    home, parts = cells["home"].seconds, cells["parts one by one"].seconds
    bus_one, bus_all = cells["bus, one by one"].seconds, cells["bus, all at once"].seconds
    print(
        f"\nhome / (parts one by one): p50 {statistics.median(home) / statistics.median(parts):.2f}"
        f", p99 {percentile(home, 0.99) / percentile(parts, 0.99):.2f}; median of the per-slice "
        f"p50 ratios {statistics.median(ratios):.2f} (range {min(ratios):.2f}-{max(ratios):.2f})"
    )
    print(
        "bus, all at once / one by one: p50 "
        f"{statistics.median(bus_all) / statistics.median(bus_one):.2f}, p99 "
        f"{percentile(bus_all, 0.99) / percentile(bus_one, 0.99):.2f}"
    )


def setup() -> str:
    versions = ", ".join(
        f"{package} {importlib.metadata.version(package)}"
        for package in ("fastapi", "uvicorn", "aio-pika", "faststream", "pydantic", "pymongo")
    )
    return (
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, {versions}"
    )


# --- the system ------------------------------------------------------------------------------


async def measure(
    gateway_url: str, url: str, prefix: str, pids: dict[str, int], args: argparse.Namespace
) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as gateway:
        await until(lambda: _ready(gateway), "gateway ready")
        code, token = await load_customer(gateway, url, prefix)
        bus = BusClient(url, Topology(prefix), timeout=10, name="bench-home")
        await bus.connect()
        try:
            cases = Cases(gateway, bus, token, caller_of(token, code))
            print(setup())
            print(f"customer {code}: {SUPPLIES} supplies, {BILLS} bills")
            cells, ratios = await run_slices(cases, pids, args)
        finally:
            await bus.close()
    report(cells, ratios)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


async def _ready(gateway: httpx.AsyncClient) -> bool:
    try:
        return (await gateway.get("/health/ready")).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=20, help="turns of every case")
    parser.add_argument("--calls", type=int, default=30, help="samples per case in a slice")
    parser.add_argument("--quick", action="store_true", help="5 slices of 10 samples")
    parser.add_argument("--logs", type=Path, help="a folder to keep the processes' logs in")
    args = parser.parse_args()
    if args.quick:
        args.slices, args.calls = 5, 10
    url = os.environ.get("RABBITMQ_URL", RABBITMQ_URL)
    broker = urlsplit(url)
    if broker.hostname not in LOCAL_HOSTS:  # a benchmark sends no traffic off this machine
        sys.exit(f"RABBITMQ_URL must name a broker on this machine, not {broker.hostname}")
    if not reachable(broker.hostname, broker.port or 5672):
        sys.exit(f"RabbitMQ is not running at {broker_address(url)}: start it")
    management = os.environ.get("RABBITMQ_MANAGEMENT_URL")
    prefix = f"bench-{secrets.token_hex(4)}"
    database = None
    mongo_url = os.environ.get("MONGO_URL")
    if mongo_url is None:
        database = SecantusDB(port=free_port(), storage=":memory:")
        database.start()
        mongo_url = database.url
    gateway_port = free_port()
    env = {
        **os.environ,
        "SPORTELLO_ENV": "development",
        "RABBITMQ_URL": url,
        "MONGO_URL": mongo_url,
        "BUS_PREFIX": prefix,
        "GATEWAY_PORT": str(gateway_port),
        "GATEWAY_INTERNAL_PORT": str(free_port()),
        "IDENTITY_ACCESS_TOKEN_MINUTES": "120",  # longer than the run: no refresh inside it
        "GRACEFUL_TIMEOUT": "5",
    }
    deployables: list[Deployable] = []
    try:
        settings = {"RABBITMQ_URL": url, "BUS_PREFIX": prefix, "SPORTELLO_ENV": "development"}
        if management is None:
            ensure_management_api(url)
        else:
            settings["RABBITMQ_MANAGEMENT_URL"] = management
        asyncio.run(declare_all(ServiceSettings.model_validate(settings)))
        with tempfile.TemporaryDirectory() as folder:
            logs = args.logs or Path(folder)
            logs.mkdir(parents=True, exist_ok=True)
            for name in ("identity", "billing", "gateway"):
                deployable = Deployable(name, env, logs / f"{name}.log")
                deployable.start()
                deployables.append(deployable)
            pids = {d.name: d.process.pid for d in deployables if d.process is not None}
            try:
                asyncio.run(measure(f"http://127.0.0.1:{gateway_port}", url, prefix, pids, args))
            except BaseException:
                for d in deployables:
                    log = (logs / f"{d.name}.log").read_text(errors="replace")[-2000:]
                    print(f"--- {d.name} ---\n{log}", file=sys.stderr)
                raise
            finally:
                stop_all(deployables, seconds=10)
    finally:
        if database is not None:
            database.stop()
        asyncio.run(delete_broker_objects(url, prefix))


if __name__ == "__main__":
    main()
