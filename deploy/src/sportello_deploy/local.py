"""`sportello-local`: the whole system on this machine, with demo data. Ctrl-C stops it.

Starts SecantusDB with a persistent folder (unless MONGO_URL is set), makes sure RabbitMQ is up
(and its management API, unless RABBITMQ_MANAGEMENT_URL is set), declares the bus topology and
its policies (as `sportello-topology` does) so that no event published before a service first
starts is lost, starts a local SMTP server that keeps every e-mail in a folder, starts the five
services and the gateway, loads the demo data through the back-office simulator, and prints
where everything is. Running it again keeps the data and does not duplicate the demo.
"""

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

import aio_pika
import httpx

from sportello_deploy.backoffice import BackOffice
from sportello_deploy.demo import DEMO_CUSTOMERS, DEMO_LOGIN, ensure_demo_login, load_demo_customers
from sportello_deploy.processes import DEPLOYABLES, Deployable, stop_all
from sportello_deploy.servers import (
    MailCatcher,
    SecantusDB,
    ServerUnavailable,
    ensure_management_api,
    ensure_rabbitmq,
    reachable,
)
from sportello_kit.declare import declare_all
from sportello_kit.settings import ServiceSettings

STARTUP_SECONDS = 60


def _settings() -> dict[str, str]:
    return {
        "home": os.environ.get("SPORTELLO_HOME", "var"),
        "rabbitmq_url": os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        "prefix": os.environ.get("BUS_PREFIX", "sportello"),
        "gateway_port": os.environ.get("GATEWAY_PORT", "8000"),
        "smtp_port": os.environ.get("SMTP_PORT", "8025"),
        "db_port": os.environ.get("SECANTUS_PORT", "27018"),
    }


def declare_topology(rabbitmq_url: str, prefix: str) -> None:
    """The topology step before any service starts: queues exist before anyone publishes.

    Every subscription queue, dead-letter queue and retry queue of `prefix`, and the broker
    policies (delivery limit, dead-letter TTL, request-queue expiry), through the management API
    (enabled here on a local broker unless RABBITMQ_MANAGEMENT_URL points elsewhere). The other
    bus settings (BUS_DELIVERY_LIMIT, BUS_RETRY_DELAYS, ...) come from the environment, as the
    services read them.
    """
    if not os.environ.get("RABBITMQ_MANAGEMENT_URL"):
        ensure_management_api(rabbitmq_url)
    try:
        settings = ServiceSettings.model_validate(
            {"RABBITMQ_URL": rabbitmq_url, "BUS_PREFIX": prefix}
        )
    except ValueError as error:  # pydantic's ValidationError: a bad BUS_* variable
        raise ServerUnavailable(f"invalid bus settings: {error}") from None
    try:
        asyncio.run(declare_all(settings))
    except (OSError, RuntimeError, aio_pika.exceptions.AMQPError, httpx.HTTPError) as error:
        raise ServerUnavailable(
            f"the bus topology could not be declared ({type(error).__name__}: {error})"
        ) from None


def _wait_until_healthy(gateway_url: str, deployables: list[Deployable]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last = ""
    while time.monotonic() < deadline:
        dead = [d.name for d in deployables if not d.running]
        if dead:
            raise ServerUnavailable(f"{', '.join(dead)} stopped during start-up: see its log")
        try:
            answer = httpx.get(f"{gateway_url}/health", timeout=3)
            if answer.status_code == 200:
                return
            last = answer.text
        except httpx.HTTPError as error:
            last = repr(error)
        time.sleep(0.3)
    raise ServerUnavailable(f"the system did not become healthy in time: {last}")


def _banner(gateway_url: str, mail: Path, logs: Path) -> str:
    pins = "\n".join(
        f"    {c.full_name:<24} fiscal code {c.fiscal_code:<16}  PIN {c.registration_pin}"
        for c in DEMO_CUSTOMERS[1:]
    )
    return f"""
Sportello is running.
  Gateway        {gateway_url}   (API docs: {gateway_url}/docs, health: {gateway_url}/health)
  E-mails        {mail.resolve()}/new   (one file per message)
  Logs           {logs.resolve()}
  Demo login     username {DEMO_LOGIN.username}  password {DEMO_LOGIN.password}
  Try registering (POST /v1/auth/register with fiscal_code, registration_pin, username, password):
{pins}
Press Ctrl-C to stop.
"""


def main() -> None:
    s = _settings()
    home = Path(s["home"])
    logs, mail = home / "logs", home / "mail"
    logs.mkdir(parents=True, exist_ok=True)
    gateway_url = f"http://127.0.0.1:{s['gateway_port']}"
    if reachable("127.0.0.1", int(s["gateway_port"])):
        sys.exit(
            f"port {s['gateway_port']} is taken: is Sportello already running? "
            "(set GATEWAY_PORT to use another)"
        )

    mongo_url = os.environ.get("MONGO_URL")
    database = None
    if mongo_url is None:
        database = SecantusDB(int(s["db_port"]), str((home / "db").resolve()))
    catcher = MailCatcher(mail, int(s["smtp_port"]))
    deployables: list[Deployable] = []
    stopping = False
    started = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        if not started:
            raise KeyboardInterrupt  # leave the start-up waits at once; `finally` cleans up

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if database is not None:
            database.start(logs / "secantusdb.log")
            mongo_url = database.url
        assert mongo_url is not None
        rabbitmq_url = ensure_rabbitmq(s["rabbitmq_url"])
        declare_topology(rabbitmq_url, s["prefix"])
        catcher.start()
        env = {
            **os.environ,
            "MONGO_URL": mongo_url,
            "RABBITMQ_URL": rabbitmq_url,
            "BUS_PREFIX": s["prefix"],
            "GATEWAY_PORT": s["gateway_port"],
            "NOTIFICATIONS_SMTP_PORT": s["smtp_port"],
            "NOTIFICATIONS_PORTAL_URL": f"{gateway_url}/docs",
        }
        deployables = [Deployable(n, env, logs / f"{n}.log") for n in DEPLOYABLES]
        for d in deployables:
            d.start()
        _wait_until_healthy(gateway_url, deployables)

        async def demo() -> None:
            async with BackOffice(rabbitmq_url, s["prefix"]) as backoffice:
                await load_demo_customers(backoffice)
            await ensure_demo_login(gateway_url)

        asyncio.run(demo())
        started = True
        print(_banner(gateway_url, mail, logs), flush=True)
        reported: set[str] = set()
        while not stopping:
            for d in deployables:
                if not d.running and d.name not in reported:
                    reported.add(d.name)
                    print(
                        f"! {d.name} stopped (see {d.log_file}); its routes answer 503", flush=True
                    )
            time.sleep(0.5)
    except ServerUnavailable as error:
        print(f"cannot start: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping...", flush=True)
        stop_all(deployables)
        with contextlib.suppress(AssertionError, RuntimeError):  # stopping one never started
            catcher.stop()
        if database is not None:
            database.stop()
        print("stopped.", flush=True)


if __name__ == "__main__":
    main()
