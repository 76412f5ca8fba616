"""The one place tests get their servers: SecantusDB, RabbitMQ, SMTP, and the running system.

Every test run has its own bus prefix and its own in-memory database, so two runs never collide;
the run's queues and exchanges are deleted at the end. `MONGO_URL` and `RABBITMQ_URL` point the
tests at other servers (a real MongoDB replica set, a broker elsewhere).
"""

import asyncio
import os
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from e2e.flows import REFRESH_GRACE_SECONDS
from sportello_deploy.processes import DEPLOYABLES, PAYMENT_SANDBOX, Deployable, stop_all
from sportello_deploy.servers import (
    MailCatcher,
    SecantusDB,
    delete_broker_objects,
    ensure_management_api,
    ensure_rabbitmq,
    free_port,
)
from sportello_kit.declare import declare_all
from sportello_kit.settings import ServiceSettings

# Deployables assume production unless told: the tests run everything as development (the
# settings tests that check production's refusals set it themselves).
os.environ.setdefault("SPORTELLO_ENV", "development")

# What the running system and the tests' own services share: short retries, a short claim lease
# (so crash tests see a takeover in seconds), a small delivery limit.
BUS_SETTINGS = {
    "BUS_DELIVERY_LIMIT": "3",
    "BUS_RETRY_DELAYS": "0.2,0.5,1",
    "CLAIM_LEASE_SECONDS": "3",
    # One node, and RabbitMQ 3.10 here stalls with two prefixes' worth of quorum queues (the
    # tests' and the local run's): the tests' dead letters are classic (production: quorum).
    "BUS_DEAD_LETTER_QUEUE_TYPE": "classic",
}


@dataclass
class Servers:
    mongo_url: str
    rabbitmq_url: str
    prefix: str


@dataclass
class System:
    """The whole system running as processes, driven from outside like a user would."""

    servers: Servers
    gateway_url: str
    sandbox_url: str  # the payment provider's sandbox
    mail: MailCatcher
    env: dict[str, str]
    logs: Path
    deployables: dict[str, Deployable] = field(default_factory=dict)

    def kill(self, name: str) -> None:
        self.deployables[name].kill()

    def start(self, name: str) -> None:
        self.deployables[name].start()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    database = None
    mongo_url = os.environ.get("MONGO_URL")
    if mongo_url is None:
        database = SecantusDB(free_port(), ":memory:")
        database.start(tmp_path_factory.mktemp("secantusdb") / "secantusdb.log")
        mongo_url = database.url
    rabbitmq_url = ensure_rabbitmq(
        os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        given="RABBITMQ_URL" in os.environ,
    )
    prefix = f"test-{secrets.token_hex(4)}"
    if "RABBITMQ_MANAGEMENT_URL" not in os.environ:
        ensure_management_api(rabbitmq_url)
    try:
        # As the local run and a deployment do: the topology exists before anything publishes.
        asyncio.run(declare_all(bus_settings(rabbitmq_url, prefix)))
        yield Servers(mongo_url, rabbitmq_url, prefix)
    finally:
        try:
            asyncio.run(delete_broker_objects(rabbitmq_url, prefix))
        finally:
            # Stopped even when the broker's cleanup fails: no server outlives the run.
            if database is not None:
                database.stop()


def bus_settings(rabbitmq_url: str, prefix: str, **more: str) -> ServiceSettings:
    """Settings for a service (or a topology) of the tests, on the run's own prefix."""
    return ServiceSettings.model_validate(
        {"RABBITMQ_URL": rabbitmq_url, "BUS_PREFIX": prefix, **BUS_SETTINGS, **more}
    )


@pytest.fixture(scope="session")
def system(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    logs = tmp_path_factory.mktemp("logs")
    mail = MailCatcher(tmp_path_factory.mktemp("mail"), free_port())
    mail.start()
    gateway_port, operators_port, sandbox_port = free_port(), free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = {
        **os.environ,
        "MONGO_URL": servers.mongo_url,
        "RABBITMQ_URL": servers.rabbitmq_url,
        "BUS_PREFIX": servers.prefix,
        "GATEWAY_PORT": str(gateway_port),
        # The gateway's operators' port (GET /health with every service): its own per run too.
        "GATEWAY_INTERNAL_PORT": str(operators_port),
        # Short enough that tests of a service that is down stay quick.
        "GATEWAY_CALL_TIMEOUT": "3",
        # Every test guesses from 127.0.0.1: per-address limits would make the tests' wrong
        # passwords lock each other out (`test_login_limits` runs an identity with its own).
        "IDENTITY_ADDRESS_FREE_FAILURES": "10000",
        "IDENTITY_ADDRESS_LOCK_FAILURES": "20000",
        # A refresh token reused after this is a replay: short, so tests of replays stay quick.
        "IDENTITY_REFRESH_GRACE_SECONDS": str(REFRESH_GRACE_SECONDS),
        # Identity reads its signing keys again this often: a rotation shows within a second.
        "IDENTITY_SIGNING_KEY_RELOAD_SECONDS": "1",
        "NOTIFICATIONS_SMTP_PORT": str(mail.port),
        # Billing pays through the sandbox provider, which calls the gateway back.
        "BILLING_PAYMENTS_PROVIDER_URL": sandbox_url,
        "PAYMENT_SANDBOX_PORT": str(sandbox_port),
        "PAYMENT_SANDBOX_WEBHOOK_URL": f"http://127.0.0.1:{gateway_port}/v1/payments/callbacks/sandbox",
        # Short, so that a test of an abandoned checkout sees it expire.
        "BILLING_PAYMENTS_CHECKOUT_SECONDS": "15",
        # Texts (SMS) land in this folder's `new/`, one file per message, as e-mails do.
        "NOTIFICATIONS_SMS_FOLDER": str(tmp_path_factory.mktemp("sms")),
        **BUS_SETTINGS,
        "GRACEFUL_TIMEOUT": "5",
    }
    running = System(servers, f"http://127.0.0.1:{gateway_port}", sandbox_url, mail, env, logs)
    for name in (*DEPLOYABLES, PAYMENT_SANDBOX):
        running.deployables[name] = Deployable(name, env, logs / f"{name}.log")
        running.deployables[name].start()
    try:
        wait_until_healthy(running)
        yield running
    finally:
        stop_all(list(running.deployables.values()), seconds=10)
        mail.stop()


def wait_until_healthy(system: System, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for d in system.deployables.values():
            if not d.running:
                log = (system.logs / f"{d.name}.log").read_text()[-3000:]
                raise RuntimeError(f"{d.name} exited during start-up:\n{log}")
        try:
            operators = f"http://127.0.0.1:{system.env['GATEWAY_INTERNAL_PORT']}"
            healthy = httpx.get(f"{operators}/health", timeout=2).status_code == 200
            if healthy and httpx.get(f"{system.sandbox_url}/health", timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the system did not become healthy in time")


@pytest_asyncio.fixture(loop_scope="session")
async def gateway(system: System) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=10) as client:
        yield client
