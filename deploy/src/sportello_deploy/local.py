"""`sportello-local`: the whole system on this machine, with demo data. Ctrl-C stops it.

Checks that its ports are free, makes sure RabbitMQ is up (starting a local one, or one in Docker,
only when RABBITMQ_URL is not set) with its management API (unless RABBITMQ_MANAGEMENT_URL is
set), declares the bus topology and its policies (as `sportello-topology` does) so that no event
published before a service first starts is lost, starts SecantusDB with a persistent folder
(unless MONGO_URL is set), a local SMTP server that keeps every e-mail in a folder, the five
services and the gateway, the payments sandbox (the payment provider billing's hosted checkouts
open at, calling back the gateway), loads the demo data through the back-office simulator, and
prints where everything is. Everything runs as `SPORTELLO_ENV=development` unless the
environment says otherwise. A service, the gateway, the sandbox or the database that dies is
restarted after a growing pause.
Running it again keeps the data and does not duplicate the demo.

What stops it from starting (a port taken, no broker, a missing program) is one line on stderr
saying what to do, and a non-zero exit.
"""

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import httpx
from pydantic import ValidationError

from sportello_deploy.backoffice import BackOffice, NotPublished
from sportello_deploy.demo import (
    DEMO_CUSTOMERS,
    DEMO_LOGIN,
    DEMO_OPERATOR,
    ensure_demo_login,
    ensure_demo_operator,
    load_demo_data,
)
from sportello_deploy.processes import DEPLOYABLES, PAYMENT_SANDBOX, Deployable, stop_all
from sportello_deploy.restarts import Child, Supervisor, how_it_ended
from sportello_deploy.servers import (
    MailCatcher,
    SecantusDB,
    ServerUnavailable,
    ensure_management_api,
    ensure_rabbitmq,
    port_taken,
)
from sportello_kit.declare import declare_all
from sportello_kit.settings import ServiceSettings

STARTUP_SECONDS = 60
DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
# The gateway's route for the sandbox's callbacks (billing's provider name is "sandbox").
SANDBOX_CALLBACK_PATH = "/v1/payments/callbacks/sandbox"


@dataclass(frozen=True)
class LocalSettings:
    """What the runner reads from the environment (the deployables read the rest themselves)."""

    home: Path
    rabbitmq_url: str
    rabbitmq_url_given: bool  # RABBITMQ_URL set: that broker or none, nothing started for it
    prefix: str
    mongo_url: str | None
    gateway_port: int
    internal_port: int  # the gateway's operators' port: GET /health with every service
    smtp_port: int
    db_port: int
    payment_sandbox_port: int

    @classmethod
    def from_environment(cls) -> "LocalSettings":
        env = os.environ
        return cls(
            home=Path(env.get("SPORTELLO_HOME", "var")),
            rabbitmq_url=env.get("RABBITMQ_URL") or DEFAULT_RABBITMQ_URL,
            rabbitmq_url_given=bool(env.get("RABBITMQ_URL")),
            prefix=env.get("BUS_PREFIX", "sportello"),
            mongo_url=env.get("MONGO_URL") or None,
            gateway_port=_port("GATEWAY_PORT", 8000),
            internal_port=_port("GATEWAY_INTERNAL_PORT", 8001),
            smtp_port=_port("SMTP_PORT", 8025),
            db_port=_port("SECANTUS_PORT", 27018),
            payment_sandbox_port=_port("PAYMENT_SANDBOX_PORT", 8030),
        )

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.internal_port}/health"

    @property
    def payment_sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.payment_sandbox_port}"

    def ports(self) -> dict[str, int]:
        """Every port the run listens on, by the variable that moves it."""
        ports = {
            "GATEWAY_PORT": self.gateway_port,
            "GATEWAY_INTERNAL_PORT": self.internal_port,
            "SMTP_PORT": self.smtp_port,
            "PAYMENT_SANDBOX_PORT": self.payment_sandbox_port,
        }
        if self.mongo_url is None:
            ports["SECANTUS_PORT"] = self.db_port
        return ports


def _port(variable: str, default: int) -> int:
    value = os.environ.get(variable, str(default))
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ServerUnavailable(f"{variable} is {value!r}: set it to a port number (1-65535)")
    return int(value)


def check_ports(settings: LocalSettings) -> None:
    seen: dict[int, str] = {}
    for variable, port in settings.ports().items():
        if port in seen:
            raise ServerUnavailable(
                f"{variable} and {seen[port]} are both {port}: give each its own port"
            )
        seen[port] = variable
        if port_taken(port):
            raise ServerUnavailable(
                f"port {port} ({variable}) is taken: stop what listens there (Sportello "
                f"already running?), or set {variable} to a free port"
            )


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
    except ValidationError as error:  # a bad BUS_* variable, or production's refusals
        reasons = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors()
        )
        raise ServerUnavailable(f"invalid settings ({reasons})") from None
    try:
        asyncio.run(declare_all(settings))
    except aio_pika.exceptions.ProbableAuthenticationError:
        raise ServerUnavailable(
            "RabbitMQ refused the user and password of RABBITMQ_URL: correct them"
        ) from None
    except (OSError, RuntimeError, aio_pika.exceptions.AMQPError, httpx.HTTPError) as error:
        raise ServerUnavailable(
            f"the bus topology could not be declared ({type(error).__name__}: {error})"
        ) from None


def _healthy(settings: LocalSettings) -> tuple[bool, str]:
    """Whether every service answers the gateway and the payments sandbox answers, and what was
    seen otherwise."""
    for url in (settings.health_url, f"{settings.payment_sandbox_url}/health"):
        try:
            answer = httpx.get(url, timeout=3)
        except httpx.HTTPError as error:
            return False, f"{url}: {error!r}"
        if answer.status_code != 200:
            return False, f"{url}: {answer.text}"
    return True, ""


def _wait_until_healthy(settings: LocalSettings, deployables: list[Deployable]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last = ""
    while time.monotonic() < deadline:
        for d in deployables:
            if not d.running:
                ended = how_it_ended(d.process.returncode if d.process else None)
                raise ServerUnavailable(
                    f"{d.name} stopped during start-up ({ended}): see {d.log_file}"
                )
        healthy, last = _healthy(settings)
        if healthy:
            return
        time.sleep(0.3)
    raise ServerUnavailable(f"the system did not become healthy in time: {last}")


def _load_demo(settings: LocalSettings, rabbitmq_url: str, env: dict[str, str]) -> None:
    async def demo() -> None:
        async with BackOffice(rabbitmq_url, settings.prefix) as backoffice:
            await load_demo_data(backoffice)
        await ensure_demo_login(settings.gateway_url)

    try:
        asyncio.run(demo())
        ensure_demo_operator(env)
    except (NotPublished, httpx.HTTPError) as error:
        raise ServerUnavailable(f"the demo data could not be loaded: {error}") from None
    except RuntimeError as error:  # the demo login refused
        raise ServerUnavailable(str(error)) from None


def _banner(settings: LocalSettings, mail: Path, logs: Path) -> str:
    gateway_url = settings.gateway_url
    pins = "\n".join(
        f"    {c.full_name:<24} fiscal code {c.fiscal_code:<16}  PIN {c.registration_pin}"
        for c in DEMO_CUSTOMERS[1:]
    )
    return f"""
Sportello is running.
  Gateway        {gateway_url}   (API docs: {gateway_url}/docs)
  Health         {settings.health_url}   (every service; the operators' port)
  Payments sandbox {settings.payment_sandbox_url}   (the checkout pages "paga ora" leads to)
  E-mails        {mail.resolve()}/new   (one file per message)
  Texts (SMS)    {(settings.home / "sms").resolve()}/new   (one file per message)
  Logs           {logs.resolve()}
  Demo login     username {DEMO_LOGIN.username}  password {DEMO_LOGIN.password}
  Demo operator  username {DEMO_OPERATOR.username}  password {DEMO_OPERATOR.password}
                 (first enrol TOTP: POST /v1/me/totp, then /v1/me/totp/confirm with a code)
  Try registering (POST /v1/auth/register with fiscal_code, registration_pin, username, password):
{pins}
A service, the gateway, the sandbox or the database that stops is restarted. Press Ctrl-C to stop.
"""


def _deployable_environment(
    settings: LocalSettings, mongo_url: str, rabbitmq_url: str
) -> dict[str, str]:
    return {
        **os.environ,
        "MONGO_URL": mongo_url,
        "RABBITMQ_URL": rabbitmq_url,
        "BUS_PREFIX": settings.prefix,
        "GATEWAY_PORT": str(settings.gateway_port),
        "GATEWAY_INTERNAL_PORT": str(settings.internal_port),
        "NOTIFICATIONS_SMTP_PORT": str(settings.smtp_port),
        "NOTIFICATIONS_PORTAL_URL": f"{settings.gateway_url}/docs",
        "NOTIFICATIONS_SMS_FOLDER": str((settings.home / "sms").resolve()),
        **_payment_sandbox_environment(settings),
    }


def _payment_sandbox_environment(settings: LocalSettings) -> dict[str, str]:
    """Billing pays through the sandbox, which calls back the local gateway. A key or secret
    given to billing (BILLING_PAYMENTS_...) is the sandbox's too unless it has its own."""
    env = os.environ
    shared = {
        "PAYMENT_SANDBOX_API_KEY": env.get("BILLING_PAYMENTS_PROVIDER_API_KEY"),
        "PAYMENT_SANDBOX_WEBHOOK_SECRET": env.get("BILLING_PAYMENTS_WEBHOOK_SECRET"),
    }
    return {
        "BILLING_PAYMENTS_PROVIDER_URL": settings.payment_sandbox_url,
        "PAYMENT_SANDBOX_HOST": "127.0.0.1",
        "PAYMENT_SANDBOX_PORT": str(settings.payment_sandbox_port),
        "PAYMENT_SANDBOX_PUBLIC_URL": settings.payment_sandbox_url,
        "PAYMENT_SANDBOX_WEBHOOK_URL": f"{settings.gateway_url}{SANDBOX_CALLBACK_PATH}",
        **{k: v for k, v in shared.items() if v and k not in env},
    }


def main() -> None:
    # Deployables assume production unless told (and refuse this run's demo secrets there):
    # everything started from here is development, unless the environment says otherwise.
    os.environ.setdefault("SPORTELLO_ENV", "development")
    database: SecantusDB | None = None
    catcher: MailCatcher | None = None
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
        settings = LocalSettings.from_environment()
        home = settings.home
        logs, mail = home / "logs", home / "mail"
        logs.mkdir(parents=True, exist_ok=True)
        check_ports(settings)
        rabbitmq_url = ensure_rabbitmq(settings.rabbitmq_url, given=settings.rabbitmq_url_given)
        declare_topology(rabbitmq_url, settings.prefix)
        mongo_url = settings.mongo_url
        if mongo_url is None:
            database = SecantusDB(settings.db_port, str((home / "db").resolve()))
            database.start(logs / "secantusdb.log")
            mongo_url = database.url
        catcher = MailCatcher(mail, settings.smtp_port)
        catcher.start()
        env = _deployable_environment(settings, mongo_url, rabbitmq_url)
        deployables = [
            Deployable(n, env, logs / f"{n}.log") for n in (*DEPLOYABLES, PAYMENT_SANDBOX)
        ]
        for d in deployables:
            d.start()
        _wait_until_healthy(settings, deployables)
        _load_demo(settings, rabbitmq_url, env)
        started = True
        print(_banner(settings, mail, logs), flush=True)
        children: list[Child] = [*deployables]
        if database is not None:
            children.insert(0, database)
        supervisor = Supervisor(children, say=lambda line: print(line, flush=True))
        while not stopping:
            supervisor.tick()
            time.sleep(0.5)
    except ServerUnavailable as error:
        print(f"cannot start: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        pass
    finally:
        _stop_everything(deployables, catcher, database)


def _stop_everything(
    deployables: list[Deployable], catcher: MailCatcher | None, database: SecantusDB | None
) -> None:
    if not (deployables or catcher or database):
        return  # nothing was started: the reason is the only line
    print("stopping...", flush=True)
    stop_all(deployables)
    if catcher is not None:
        with contextlib.suppress(AssertionError, RuntimeError):  # stopping one never started
            catcher.stop()
    if database is not None:
        database.stop()
    print("stopped.", flush=True)


if __name__ == "__main__":
    main()
