"""Benchmark of the hot path: an authenticated read and a command, through Sportello and bare.

    .venv/bin/python bench/hot_path.py [--rounds 3] [--seconds 10] [--connections 32]

Two systems run side by side on the same SecantusDB and the same RabbitMQ:
  - Sportello: the real gateway (with one bench-only route for the write, `bench_gateway.py`),
    identity for the read (`GET /v1/me`), the bench service for the write (`POST /bench/notes`,
    a command with its idempotency key, its stored reply and an outbox record);
  - the baseline (`bare_path.py`): a FastAPI route and a plain aio-pika client, a plain aio-pika
    handler doing one `find_one` (read) or one transaction with two inserts (write).
wrk drives each for `--seconds`, in alternating order, `--rounds` times per path. Reported:
requests/s (median over rounds), p50/p99 (wrk's, the median over rounds), and the CPU time per
request of every process involved (gateway, service, RabbitMQ, SecantusDB), from /proc.
"""

import argparse
import asyncio
import importlib.metadata
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from clocks import cpu_seconds

from sportello_deploy.backoffice import BackOffice
from sportello_deploy.servers import (
    SecantusDB,
    delete_broker_objects,
    ensure_management_api,
    free_port,
    reachable,
    wait_for_port,
)
from sportello_deploy.testing import random_customer
from sportello_kit.declare import declare_all
from sportello_kit.settings import ServiceSettings

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
HERE = Path(__file__).parent
TOKEN_ISSUER = "sportello-identity"
TOKEN_AUDIENCE = "sportello-gateway"
NOTE = '{"text": "lettura del contatore: 01234"}'

# The targets of issue 15, as ratios to the baseline measured in the same run.
TARGETS = {"read": 0.8, "write": 0.7}
READ_P99_AT_MOST = 1.3  # times the baseline's p99
CPU_PER_REQUEST_AT_MOST_MS = 0.6  # the gateway's, and the service's on a read


@dataclass(frozen=True)
class Side:
    """One of the two systems, seen from wrk: where to send, and which processes do the work."""

    name: str
    url: str
    gateway: int  # pids
    services: dict[str, int]  # the path ("read", "write") -> the pid that serves it


@dataclass(frozen=True)
class Round:
    requests: int
    rate: float  # requests/s, wrk's figure
    p50_ms: float
    p99_ms: float
    failures: int  # non-2xx answers and socket errors
    cpu: dict[str, float]  # process -> CPU seconds during the round


# --- CPU clocks --------------------------------------------------------------------------


def pid_of(pattern: str) -> int:
    found = subprocess.run(  # noqa: S603
        ["pgrep", "-o", "-f", pattern], capture_output=True, text=True, check=False
    ).stdout.split()
    if not found:
        raise RuntimeError(f"no process matches {pattern!r}")
    return int(found[0])


# --- the processes -----------------------------------------------------------------------


@contextmanager
def process(command: list[str], env: dict[str, str], log_dir: Path, name: str) -> Iterator[int]:
    log = log_dir / f"{name}.log"
    with open(log, "wb") as output:
        child = subprocess.Popen(  # noqa: S603
            command, env=env, stdout=output, stderr=output, cwd=HERE
        )
    try:
        yield child.pid
    except BaseException:
        print(f"--- {name} ---\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
        raise
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def wait_ready(url: str, seconds: float = 60) -> None:
    """Until `url` answers at all (a 401 without a token is an answer)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


async def sign_in(gateway: str, rabbitmq_url: str, prefix: str) -> str:
    """A customer onboarded through the back-office, registered and signed in: its token."""
    customer = random_customer()
    async with BackOffice(rabbitmq_url, prefix) as backoffice:
        await backoffice.onboard(customer)
    password = "Bench-Lettura-2026"
    body = {
        "fiscal_code": customer.fiscal_code,
        "registration_pin": customer.registration_pin,
        "username": f"bench.{customer.customer_code.lower()}",
        "password": password,
    }
    async with httpx.AsyncClient(base_url=gateway, timeout=10) as client:
        deadline = time.monotonic() + 30
        while (answer := await client.post("/v1/auth/register", json=body)).status_code != 201:
            # Until identity has both of the back-office's events.
            if time.monotonic() > deadline:
                raise RuntimeError(f"registration failed: {answer.status_code} {answer.text}")
            await asyncio.sleep(0.2)
        answer = await client.post(
            "/v1/auth/login", json={"username": body["username"], "password": password}
        )
        answer.raise_for_status()
        token: str = answer.json()["access_token"]
        me = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        me.raise_for_status()
        return token


# --- wrk ---------------------------------------------------------------------------------


def wrk_script(folder: Path, path: str, token: str) -> Path:
    script = folder / f"{path}.lua"
    lines = [f'wrk.headers["Authorization"] = "Bearer {token}"']
    if path == "write":
        # Every command with an idempotency key of its own, as a client sends them.
        lines += [
            'wrk.method = "POST"',
            f"wrk.body = '{NOTE}'",
            'wrk.headers["Content-Type"] = "application/json"',
            f'local run, sent = "{secrets.token_hex(6)}", 0',
            "request = function()",
            "  sent = sent + 1",
            '  wrk.headers["Idempotency-Key"] = "bench-" .. run .. "-" .. sent',
            "  return wrk.format()",
            "end",
        ]
    script.write_text("\n".join(lines) + "\n")
    return script


ROUTES = {"read": "/v1/me", "write": "/bench/notes"}
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def run_wrk(
    url: str, script: Path, seconds: float, connections: int
) -> tuple[int, float, float, float, int]:
    output = subprocess.run(  # noqa: S603
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    quantiles = {
        q: float(value) * _UNITS[unit]
        for q, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    failures = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output)) + sum(
        int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)
    )
    return requests, rate, quantiles["50"], quantiles["99"], failures


@contextmanager
def profiled(side: Side, path: str, args: argparse.Namespace) -> Iterator[None]:
    """With `--profile DIR`: py-spy samples the gateway and the service during the round.

    Collapsed stacks, one file per process and path, appended round after round (py-spy's
    `raw` format: `bench/profile_summary.py` reads them). Sampling costs the sampled processes
    little (`--nonblocking`), but it costs a core's share: figures of a profiled run are not
    the benchmark's.
    """
    if args.profile is None:
        yield
        return
    samplers = [
        subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--pid",
                str(pid),
                "--rate",
                "250",
                "--nonblocking",
                "--format",
                "raw",
                "--duration",
                str(args.seconds),
                "--output",
                str(args.profile / f"{path}-{side.name}-{role}.{time.monotonic_ns()}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for role, pid in (("gateway", side.gateway), ("service", side.services[path]))
    ]
    try:
        yield
    finally:
        for sampler in samplers:
            sampler.wait(30)


def measure(
    side: Side, path: str, script: Path, clocks: dict[str, int], args: argparse.Namespace
) -> Round:
    pids = {**clocks, "gateway": side.gateway, "service": side.services[path]}
    with profiled(side, path, args):
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        requests, rate, p50, p99, failures = run_wrk(
            side.url + ROUTES[path], script, args.seconds, args.connections
        )
        cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    return Round(requests, rate, p50, p99, failures, cpu)


# --- the report --------------------------------------------------------------------------

PROCESSES = ("gateway", "service", "rabbitmq", "database")


def summary(rounds: list[Round]) -> dict[str, float]:
    requests = sum(r.requests for r in rounds)
    figures = {
        "rate": statistics.median(r.rate for r in rounds),
        "p50": statistics.median(r.p50_ms for r in rounds),
        "p99": statistics.median(r.p99_ms for r in rounds),
        "failures": sum(r.failures for r in rounds),
    }
    for name in PROCESSES:
        figures[name] = sum(r.cpu[name] for r in rounds) / requests * 1e3  # ms per request
    return figures


def report(results: dict[tuple[str, str], list[Round]], paths: list[str]) -> bool:
    print(
        "\n| path | system | requests/s | vs baseline | p50 ms | p99 ms | gateway CPU ms/req "
        "| service CPU ms/req | RabbitMQ CPU ms/req | SecantusDB CPU ms/req | failures |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    met = True
    for path in paths:
        ours, bare = results[("Sportello", path)], results[("baseline", path)]
        ratio = statistics.median(o.rate / b.rate for o, b in zip(ours, bare, strict=True))
        for name, rounds in (("Sportello", ours), ("baseline", bare)):
            f = summary(rounds)
            shown = f"**{ratio:.2f}**" if name == "Sportello" else "1.00"
            print(
                f"| {path} | {name} | {f['rate']:,.0f} | {shown} | {f['p50']:.1f} | {f['p99']:.1f} "
                f"| {f['gateway']:.2f} | {f['service']:.2f} | {f['rabbitmq']:.2f} "
                f"| {f['database']:.2f} | {f['failures']:.0f} |"
            )
        o, b = summary(ours), summary(bare)
        checks = [(f"requests/s ratio {ratio:.2f} >= {TARGETS[path]}", ratio >= TARGETS[path])]
        checks.append(
            (
                f"gateway CPU {o['gateway']:.2f} ms/req <= {CPU_PER_REQUEST_AT_MOST_MS}",
                o["gateway"] <= CPU_PER_REQUEST_AT_MOST_MS,
            )
        )
        if path == "read":
            checks += [
                (
                    f"p99 {o['p99']:.1f} ms <= {READ_P99_AT_MOST} x {b['p99']:.1f} ms",
                    o["p99"] <= READ_P99_AT_MOST * b["p99"],
                ),
                (
                    f"service CPU {o['service']:.2f} ms/req <= {CPU_PER_REQUEST_AT_MOST_MS}",
                    o["service"] <= CPU_PER_REQUEST_AT_MOST_MS,
                ),
            ]
        for what, ok in checks:
            print(f"{path}: {what}: {'met' if ok else 'MISSED'}")
            met = met and ok
        # What the absolute figures cannot say on a machine slower than the issue's: how much
        # more each process spends than the bare libraries doing the same work.
        print(
            f"{path}: CPU per request against the baseline's: "
            + ", ".join(f"{n} {o[n] / b[n]:.2f}x" for n in PROCESSES if b[n] > 0)
        )
        if o["failures"] or b["failures"]:
            print(f"{path}: some requests failed: the figures are not comparable")
            met = False
    return met


def setup() -> str:
    versions = ", ".join(
        f"{package} {importlib.metadata.version(package)}"
        for package in ("fastapi", "uvicorn", "aio-pika", "faststream", "pydantic", "pymongo")
    )
    load = os.getloadavg()[0]
    return (
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {load:.2f}, {versions}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per system and path")
    parser.add_argument("--seconds", type=int, default=10, help="length of one round")
    parser.add_argument("--connections", type=int, default=32, help="wrk's open connections")
    parser.add_argument("--paths", default="read,write", help="read, write or both")
    parser.add_argument(
        "--only", choices=("Sportello", "baseline"), help="drive only one system (for profiling)"
    )
    parser.add_argument(
        "--profile", type=Path, help="a folder: py-spy samples the gateways and services there"
    )
    parser.add_argument("--logs", type=Path, help="a folder to keep the processes' logs in")
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    paths = args.paths.split(",")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    if not reachable("127.0.0.1", 5672):
        sys.exit("RabbitMQ is not running on 127.0.0.1:5672: start it (rabbitmq-server -detached)")
    url = RABBITMQ_URL  # this machine's broker only: a benchmark sends no traffic elsewhere
    prefix = f"bench-{secrets.token_hex(4)}"
    database = None
    mongo_url = os.environ.get("MONGO_URL")
    if mongo_url is None:
        database = SecantusDB(port=free_port(), storage=":memory:")
        database.start()
        mongo_url = database.url
    ports = {name: free_port() for name in ("gateway", "operators", "bare")}
    env = {
        **os.environ,
        "SPORTELLO_ENV": "development",
        "RABBITMQ_URL": url,
        "MONGO_URL": mongo_url,
        "BUS_PREFIX": prefix,
        "TOKEN_ISSUER": TOKEN_ISSUER,
        "TOKEN_AUDIENCE": TOKEN_AUDIENCE,
        # The baseline verifies with the key Sportello's gateway publishes.
        "BARE_JWKS_URL": f"http://127.0.0.1:{ports['gateway']}/.well-known/jwks.json",
        "GATEWAY_PORT": str(ports["gateway"]),
        "GATEWAY_INTERNAL_PORT": str(ports["operators"]),
        "BARE_PORT": str(ports["bare"]),
        "BARE_QUEUE_PREFIX": prefix,
        "IDENTITY_ACCESS_TOKEN_MINUTES": "120",
        "GRACEFUL_TIMEOUT": "5",
        "PYTHONPATH": str(HERE),
    }
    try:
        ensure_management_api(url)
        asyncio.run(
            declare_all(
                ServiceSettings.model_validate(
                    {"RABBITMQ_URL": url, "BUS_PREFIX": prefix, "SPORTELLO_ENV": "development"}
                )
            )
        )
        with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
            logs = args.logs or Path(folder)
            logs.mkdir(parents=True, exist_ok=True)
            python = sys.executable

            def start(name: str, *command: str) -> int:
                return stack.enter_context(process([python, *command], env, logs, name))

            identity = start("identity", "-m", "sportello_identity")
            bench_service = start("bench-service", "echo_service.py")
            gateway = start("gateway", "bench_gateway.py")
            bare_handler = start("bare-handler", "bare_path.py", "handler")
            bare_gateway = start("bare-gateway", "bare_path.py", "gateway")
            wait_for_port("127.0.0.1", ports["gateway"], 60, "the gateway")
            wait_for_port("127.0.0.1", ports["bare"], 60, "the bare gateway")
            sportello_url = f"http://127.0.0.1:{ports['gateway']}"
            wait_ready(f"http://127.0.0.1:{ports['operators']}/health")
            token = asyncio.run(sign_in(sportello_url, url, prefix))
            sides = [
                Side(
                    "Sportello", sportello_url, gateway, {"read": identity, "write": bench_service}
                ),
                Side(
                    "baseline",
                    f"http://127.0.0.1:{ports['bare']}",
                    bare_gateway,
                    {"read": bare_handler, "write": bare_handler},
                ),
            ]
            if args.only:
                sides = [s for s in sides if s.name == args.only]
            clocks = {
                "rabbitmq": pid_of("beam.smp"),
                # With MONGO_URL, the server found on this machine (if any).
                "database": database.process.pid
                if database is not None and database.process is not None
                else pid_of("mongod"),
            }
            scripts = {path: wrk_script(logs, path, token) for path in paths}
            print(setup())
            results = run_rounds(sides, paths, scripts, clocks, args)
        if args.only is None:
            met = report(results, paths)
            print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
            sys.exit(0 if met else 1)
    finally:
        if database is not None:
            database.stop()
        asyncio.run(delete_broker_objects(url, prefix))


def run_rounds(
    sides: list[Side],
    paths: list[str],
    scripts: dict[str, Path],
    clocks: dict[str, int],
    args: argparse.Namespace,
) -> dict[tuple[str, str], list[Round]]:
    results: dict[tuple[str, str], list[Round]] = {(s.name, p): [] for s in sides for p in paths}
    for path in paths:
        for side in sides:  # warm-up: connections, caches, code paths; not counted
            run_wrk(side.url + ROUTES[path], scripts[path], 3, args.connections)
        for number in range(args.rounds):
            # Alternating order, so neither system always runs first (or last).
            order = sides if number % 2 == 0 else sides[::-1]
            line = [f"{path} round {number + 1}:"]
            for side in order:
                result = measure(side, path, scripts[path], clocks, args)
                results[(side.name, path)].append(result)
                line.append(
                    f"{side.name} {result.rate:,.0f}/s p99 {result.p99_ms:.1f} ms "
                    f"(gateway {result.cpu['gateway'] / result.requests * 1e3:.2f}, "
                    f"service {result.cpu['service'] / result.requests * 1e3:.2f} ms/req)"
                )
            print("  ".join(line), flush=True)
    return results


if __name__ == "__main__":
    main()
