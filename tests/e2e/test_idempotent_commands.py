"""A command retried with its `Idempotency-Key` is answered as the first time: never done twice.

The last test stops identity and runs one that crashes after committing, so it restores the
normal identity before it ends, whatever happens.
"""

from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.flows import assert_problem, onboard, registration, service_ok, the_one_mail_to
from sportello_deploy.backoffice import NewCustomer
from sportello_deploy.processes import Deployable
from sportello_deploy.testing import eventually, random_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

CRASH_AFTER_COMMIT = "after-commit:identity.account.register"


async def _register(
    gateway: httpx.AsyncClient, customer: NewCustomer, key: str, **overrides: Any
) -> httpx.Response:
    return await gateway.post(
        "/v1/auth/register",
        json=registration(customer, **overrides),
        headers={"Idempotency-Key": key},
    )


async def test_registering_again_with_the_same_key_returns_the_same_account(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer = random_customer()
    await onboard(system, customer)
    key = uuid4().hex

    first = await _register(gateway, customer, key)
    again = await _register(gateway, customer, key)

    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text  # not 409 pin_already_used
    assert again.json() == first.json()


async def test_the_same_key_with_another_body_is_refused(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer = random_customer()
    await onboard(system, customer)
    key = uuid4().hex
    assert (await _register(gateway, customer, key)).status_code == 201

    other = await _register(gateway, customer, key, username=f"other.{uuid4().hex[:8]}")

    assert_problem(other, 409, "idempotency_key_reused")


async def test_a_registration_whose_reply_was_lost_is_answered_on_retry_and_mailed_once(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer = random_customer()
    await onboard(system, customer)
    key = uuid4().hex
    crashing = Deployable(
        "identity",
        {**system.env, "SPORTELLO_FAILPOINTS": CRASH_AFTER_COMMIT},
        system.logs / "identity-crashing.log",
    )
    system.kill("identity")
    try:
        crashing.start()
        await eventually(
            lambda: service_ok(system, "identity"), seconds=30, what="the crashing identity up"
        )

        # Committed, then killed before replying: the gateway waits out its deadline.
        lost = await _register(gateway, customer, key)
        assert_problem(lost, 503, "service_unavailable")

        async def crashed() -> bool:
            return not crashing.running

        await eventually(crashed, seconds=10, what="the identity that crashed to be gone")
    finally:
        crashing.kill()
        if not system.deployables["identity"].running:
            system.start("identity")
        await eventually(lambda: service_ok(system, "identity"), seconds=30, what="identity back")

    retried = await _register(gateway, customer, key)

    assert retried.status_code == 201, retried.text
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        accounts = client["sportello_identity"]["accounts"]
        committed = await accounts.find({"fiscal_code": customer.fiscal_code}).to_list()
    assert [a["_id"] for a in committed] == [retried.json()["account_id"]]

    await the_one_mail_to(system, customer.email)
