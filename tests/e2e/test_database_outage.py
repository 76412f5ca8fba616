"""A service's database goes down while it runs: its routes answer 503 at once, health says why.

Identity is run against a database of its own for the test, so stopping that database leaves
the rest of the system's untouched.
"""

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.flows import (
    assert_problem,
    bearer,
    health,
    log_in,
    register,
    registrable,
    username_of,
)
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.processes import Deployable
from sportello_deploy.servers import SecantusDB, free_port
from sportello_deploy.testing import eventually, random_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def _identity_health(system: Any) -> dict[str, Any]:
    services: dict[str, Any] = (await health(system)).json()["services"]
    return dict(services["identity"])


async def test_a_database_outage_is_a_quick_503_and_a_degraded_health_then_recovers(
    system: Any, gateway: httpx.AsyncClient, tmp_path: Path
) -> None:
    database = SecantusDB(free_port(), str(tmp_path / "identity-db"))
    database.start(tmp_path / "secantusdb.log")
    identity = Deployable(
        "identity", {**system.env, "MONGO_URL": database.url}, system.logs / "identity-own-db.log"
    )
    system.kill("identity")
    identity.start()
    try:

        async def identity_ok() -> bool:
            return (await _identity_health(system)).get("status") == "ok"

        await eventually(identity_ok, seconds=30, what="identity on its own database")
        customer = random_customer()
        async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as office:
            await office.onboard(customer)
        async with AsyncMongoClient[dict[str, Any]](database.url) as client:

            async def known() -> bool:
                found = await client.sportello_identity.customers.find_one(
                    registrable(customer.customer_code)
                )
                return found is not None

            await eventually(known, what="the customer onboarded")
        assert (await register(gateway, customer)).status_code == 201
        session = await log_in(gateway, username_of(customer))

        # Identity on an empty database made itself a new signing key: wait until the gateway
        # holds it (it asks again at most every GATEWAY_JWKS_REFETCH_SECONDS), so what follows
        # is about the database alone.
        async def verified() -> bool:
            return (await gateway.get("/v1/me", headers=bearer(session))).status_code == 200

        await eventually(verified, seconds=30, what="the gateway holding identity's new key")
        database.stop()
        started = time.monotonic()
        answer = await gateway.get("/v1/me", headers=bearer(session))
        elapsed = time.monotonic() - started
        assert_problem(answer, 503, "database_unavailable")
        assert elapsed < 1.0, elapsed  # well before the gateway's 3 s deadline
        identity_health = await _identity_health(system)
        # Not "down": the service itself answers; the report says the database is what is down.
        assert identity_health["status"] == "degraded", identity_health
        assert identity_health["detail"]["database"] is False
        assert identity_health["detail"]["consumers_attached"] is True
        assert (await health(system)).json()["database"] == "down"

        database.start(tmp_path / "secantusdb.log")  # the same folder: the data is still there

        async def answers_again() -> bool:
            me = await gateway.get("/v1/me", headers=bearer(session))
            return me.status_code == 200

        await eventually(answers_again, seconds=30, what="the profile once the database is back")
    finally:
        identity.kill()
        database.stop()
        system.start("identity")
        await eventually(
            lambda: _identity_ok_again(system), seconds=30, what="identity back on its database"
        )


async def _identity_ok_again(system: Any) -> bool:
    return (await _identity_health(system)).get("status") == "ok"
