"""Steps the end-to-end tests share: onboarding through the back-office, registering, signing in."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from sportello_deploy.backoffice import BackOffice, NewCustomer
from sportello_deploy.processes import Deployable, stop_all
from sportello_deploy.servers import free_port
from sportello_deploy.testing import eventually, random_customer

PASSWORD = "Girasole-di-Marzo-26"
# Seconds within which the system's identity takes a refresh token presented again for a double
# submit, not a replay (IDENTITY_REFRESH_GRACE_SECONDS): short, so tests of replays stay quick.
REFRESH_GRACE_SECONDS = 1.0


def registrable(*customer_codes: str) -> dict[str, Any]:
    """Identity's customers that can register: both back-office events arrived (any order)."""
    return {
        "_id": {"$in": list(customer_codes)},
        "full_name": {"$exists": True},
        "pin_hash": {"$exists": True},
    }


async def onboard(system: Any, customer: NewCustomer) -> None:
    """Publish the customer as the back-office would, and wait until identity has it."""
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        await backoffice.onboard(customer)
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        customers = client.sportello_identity.customers

        async def known() -> bool:
            return await customers.find_one(registrable(customer.customer_code)) is not None

        await eventually(known, what=f"identity storing {customer.customer_code}")


# Longer than the tests' retry delays together (0.2 + 0.5 + 1 s): a duplicate would be out by then.
LATE_DUPLICATE_SECONDS = 2.5


async def the_one_mail_to(system: Any, address: str, seconds: float = 30) -> Message:
    """The e-mail sent to `address`, once it came and no duplicate followed it."""

    async def arrived() -> list[Message]:
        return system.mail.messages_to(address)

    await eventually(arrived, seconds=seconds, what=f"an e-mail to {address}")
    await asyncio.sleep(LATE_DUPLICATE_SECONDS)
    mails: list[Message] = system.mail.messages_to(address)
    assert len(mails) == 1, [m["Message-ID"] for m in mails]
    return mails[0]


def username_of(customer: NewCustomer) -> str:
    """The username `register` chooses for a customer unless told otherwise."""
    return f"user.{customer.customer_code.lower()}"


def registration(customer: NewCustomer, **overrides: Any) -> dict[str, Any]:
    return {
        "fiscal_code": customer.fiscal_code,
        "registration_pin": customer.registration_pin,
        "username": username_of(customer),
        "password": PASSWORD,
        **overrides,
    }


async def register(
    gateway: httpx.AsyncClient, customer: NewCustomer, **overrides: Any
) -> httpx.Response:
    return await gateway.post("/v1/auth/register", json=registration(customer, **overrides))


async def log_in(
    gateway: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> dict[str, Any]:
    answer = await gateway.post("/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    session: dict[str, Any] = answer.json()
    return session


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def refused(gateway: httpx.AsyncClient, session: dict[str, Any]) -> bool:
    """Whether the session's access token is refused now (for `eventually`)."""
    return (await gateway.get("/v1/me", headers=bearer(session))).status_code == 401


def assert_problem(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = answer.json()
    assert problem["status"] == status
    assert problem["code"] == code
    assert problem["detail"]
    return problem


async def signed_in_customer(
    system: Any, gateway: httpx.AsyncClient
) -> tuple[NewCustomer, dict[str, Any]]:
    """A new customer, onboarded, registered and logged in; with its session."""
    customer = random_customer()
    await onboard(system, customer)
    answer = await register(gateway, customer)
    assert answer.status_code == 201, answer.text
    return customer, await log_in(gateway, username_of(customer))


def operators_url(system: Any) -> str:
    """The system's gateway's operators' port: `GET /health` with every service."""
    return f"http://127.0.0.1:{system.env['GATEWAY_INTERNAL_PORT']}"


async def health(system: Any) -> httpx.Response:
    """`GET /health` on the operators' port: every service, as the gateway sees it."""
    async with httpx.AsyncClient(base_url=operators_url(system), timeout=10) as client:
        return await client.get("/health")


async def service_ok(system: Any, service: str) -> bool:
    """Whether the gateway's health says `service` is ok (for `eventually`)."""
    report = (await health(system)).json()
    return bool(report["services"][service]["status"] == "ok")


@dataclass
class Gateway:
    """A gateway of a test's own, beside the system's, in front of the system's services."""

    url: str
    operators_url: str
    process: Deployable

    async def ready(self) -> bool:
        if not self.process.running:
            raise RuntimeError("the test's own gateway exited")
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{self.url}/health/ready")).status_code == 200
        except httpx.HTTPError:
            return False


@asynccontextmanager
async def own_gateway(system: Any, name: str, **env: str) -> AsyncIterator[Gateway]:
    """Start a gateway with the system's settings and `env` (its log: `<name>.log`); stop it
    after. For tests that change what only a gateway of their own may have changed."""
    port, internal = free_port(), free_port()
    process = Deployable(
        "gateway",
        {
            **system.env,
            "GATEWAY_PORT": str(port),
            "GATEWAY_INTERNAL_PORT": str(internal),
            **env,
        },
        system.logs / f"{name}.log",
    )
    process.start()
    gateway = Gateway(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{internal}", process)
    try:
        await eventually(gateway.ready, seconds=30, what=f"{name} ready")
        yield gateway
    finally:
        stop_all([process], seconds=10)


def subject_of(mail: Message) -> str:
    """A mail's subject, decoded (a subject with accents travels encoded)."""
    return str(make_header(decode_header(mail["Subject"] or "")))


async def mails_about(
    system: Any, address: str, subject: str, count: int = 1, seconds: float = 30
) -> list[Message]:
    """The e-mails to `address` whose subject starts with `subject`, once `count` came and no
    further one followed them."""

    def about() -> list[Message]:
        return [m for m in system.mail.messages_to(address) if subject_of(m).startswith(subject)]

    async def arrived() -> bool:
        return len(about()) >= count

    await eventually(arrived, seconds=seconds, what=f"{count} e-mail(s) {subject!r} to {address}")
    await asyncio.sleep(LATE_DUPLICATE_SECONDS)
    mails = about()
    assert len(mails) == count, [m["Message-ID"] for m in mails]
    return mails
