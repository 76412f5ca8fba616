"""A registration through the gateway racing the back-office onboarding another customer code.

The customer registers with the PIN of one customer code while the back-office onboards a
second one of the same fiscal identity (its details and its PIN, as two events): whichever
commits first, the second code ends in the account. (The many-rounds version of this race,
against the database directly, is identity's `test_registration_racing_onboarding.py`.)
"""

import asyncio
from typing import Any

import httpx
import pytest

from e2e.flows import bearer, log_in, onboard, register, username_of
from sportello_deploy.backoffice import BackOffice, NewCustomer
from sportello_deploy.testing import eventually, random_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

ROUNDS = 3


async def publish(system: Any, customer: NewCustomer) -> None:
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        await backoffice.onboard(customer)


async def test_a_customer_code_onboarded_during_registration_ends_in_the_account(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    for _ in range(ROUNDS):
        await registration_racing_onboarding(system, gateway)


async def registration_racing_onboarding(system: Any, gateway: httpx.AsyncClient) -> None:
    first = random_customer()
    second = random_customer(fiscal_code=first.fiscal_code, email=first.email)
    await onboard(system, first)

    answer, _ = await asyncio.gather(register(gateway, first), publish(system, second))
    assert answer.status_code == 201, answer.text

    session = await log_in(gateway, username_of(first))
    expected = sorted([first.customer_code, second.customer_code])

    async def both_codes() -> bool:
        me = (await gateway.get("/v1/me", headers=bearer(session))).json()
        return sorted(me["customer_codes"]) == expected

    await eventually(both_codes, what="the second customer code in the account")
