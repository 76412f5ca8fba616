"""Limits on guessing, from outside: growing delays, a lock, per username, fiscal code, address.

These tests run identity with short limits (seconds, not minutes) on a database of its own,
so the counts start at zero and the rest of the suite (which shares 127.0.0.1 as its client
address) never meets these limits; the system's own identity is back when the module ends.
"""

import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
import pytest_asyncio
from pymongo import AsyncMongoClient

from e2e.flows import PASSWORD, assert_problem, register, username_of
from sportello_deploy.backoffice import BackOffice, NewCustomer
from sportello_deploy.processes import Deployable
from sportello_deploy.testing import eventually, random_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

# Every delay 1 s (longer than a request takes, so a guess sent at once always waits; whole
# seconds, as Retry-After says them) and locks of a few seconds.
SHORT_LIMITS = {
    "IDENTITY_GUESS_FIRST_DELAY_SECONDS": "1",
    "IDENTITY_GUESS_MAX_DELAY_SECONDS": "1",
    "IDENTITY_LOGIN_FREE_FAILURES": "3",
    "IDENTITY_LOGIN_LOCK_FAILURES": "5",
    "IDENTITY_LOGIN_LOCK_SECONDS": "4",
    "IDENTITY_PIN_FREE_FAILURES": "2",
    "IDENTITY_PIN_LOCK_FAILURES": "4",
    "IDENTITY_PIN_LOCK_SECONDS": "5",
    # Every test here guesses from 127.0.0.1: the tests before the last one make 23 failures,
    # so only the last one, on purpose, reaches the address's limit.
    "IDENTITY_ADDRESS_FREE_FAILURES": "28",
    "IDENTITY_ADDRESS_LOCK_FAILURES": "30",
    "IDENTITY_ADDRESS_LOCK_SECONDS": "3",
}
WRONG = "Sbagliata-Del-Tutto-1"
LOCKED_MESSAGE = "«Password dimenticata?»"


@dataclass
class Identity:
    """The identity the tests talk to: its database and its process."""

    database: str
    process: Deployable


async def _identity_answers(gateway: httpx.AsyncClient) -> bool:
    # A refresh with an unknown token: 401 from identity once it is up (no guess counted).
    answer = await gateway.post("/v1/auth/refresh", json={"refresh_token": "rt_unknown"})
    return answer.status_code == 401


@asynccontextmanager
async def identity_with(system: Any, env: dict[str, str], log: Path) -> AsyncIterator[Identity]:
    """Identity restarted with `env` on a database of its own, the system's one back after."""
    database = f"sportello_identity_limits_{uuid4().hex[:8]}"
    process = Deployable("identity", {**system.env, **env, "IDENTITY_DATABASE": database}, log)
    system.deployables["identity"].terminate()
    system.deployables["identity"].wait(15)
    process.start()
    async with httpx.AsyncClient(base_url=system.gateway_url, timeout=10) as gateway:
        try:
            await eventually(lambda: _identity_answers(gateway), seconds=30, what="identity up")
            yield Identity(database, process)
        finally:
            process.terminate()
            process.wait(15)
            system.start("identity")
            await eventually(lambda: _identity_answers(gateway), seconds=30, what="identity back")
            async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
                await client.drop_database(database)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def identity(system: Any) -> AsyncIterator[Identity]:
    log = system.logs / "identity-short-limits.log"
    async with identity_with(system, SHORT_LIMITS, log) as running:
        yield running


async def onboarded(system: Any, identity: Identity) -> NewCustomer:
    """A customer the back-office onboarded, once identity can register it (details and PIN)."""
    customer = random_customer()
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        await backoffice.onboard(customer)
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        customers = client[identity.database].customers
        registrable = {
            "_id": customer.customer_code,
            "full_name": {"$exists": True},
            "pin_hash": {"$exists": True},
        }

        async def known() -> bool:
            return await customers.find_one(registrable) is not None

        await eventually(known, what=f"identity storing {customer.customer_code}")
    return customer


async def registered(system: Any, identity: Identity, gateway: httpx.AsyncClient) -> str:
    customer = await onboarded(system, identity)
    answer = await register(gateway, customer)
    assert answer.status_code == 201, answer.text
    return username_of(customer)


async def log_in(
    gateway: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await gateway.post("/v1/auth/login", json={"username": username, "password": password})


def summary(answer: httpx.Response) -> tuple[int, str, str | None]:
    """What a client can tell of an answer: status, code, and whether it says when to retry."""
    body = answer.json()
    retry = answer.headers.get("retry-after")
    return answer.status_code, body.get("code", "session"), "retry" if retry else None


async def guesses_until_locked(gateway: httpx.AsyncClient, username: str) -> list[httpx.Response]:
    """Wrong passwords, each as soon as the last answer allows, until the username is locked."""
    answers: list[httpx.Response] = []
    while not answers or answers[-1].status_code != 429 or _code(answers[-1]) != "account_locked":
        answer = await log_in(gateway, username, WRONG)
        answers.append(answer)
        if answer.status_code == 429 and _code(answer) == "too_many_attempts":
            await asyncio.sleep(_retry_after(answer))
        assert len(answers) < 20, [summary(a) for a in answers]
    return answers


def answers_of(answers: list[httpx.Response]) -> dict[tuple[int, str], str]:
    """Each kind of answer given (status and code), with what it said."""
    return {(a.status_code, _code(a)): a.json()["detail"] for a in answers}


def _code(answer: httpx.Response) -> str:
    return str(answer.json().get("code"))


def _retry_after(answer: httpx.Response) -> int:
    return int(answer.headers.get("retry-after", 0))


async def test_unknown_and_known_usernames_answer_alike_until_locked_and_the_lock_ends(
    system: Any, gateway: httpx.AsyncClient, identity: Identity
) -> None:
    username = await registered(system, identity, gateway)
    known, unknown = await asyncio.gather(
        guesses_until_locked(gateway, username),
        guesses_until_locked(gateway, f"nobody.{uuid4().hex[:8]}"),
    )

    # The same answers, word for word: which usernames exist cannot be told from them.
    said_to_known, said_to_unknown = answers_of(known), answers_of(unknown)
    for said in (said_to_known, said_to_unknown):
        assert {(401, "wrong_credentials"), (429, "account_locked")} <= said.keys()
    for answer, detail in said_to_unknown.items():
        assert said_to_known.get(answer, detail) == detail
    # Exactly the lock's number of wrong passwords were checked, then it locked; guesses sent
    # before their delay was over were refused unchecked.
    for answers in (known, unknown):
        assert [a.status_code for a in answers].count(401) == 5
        assert {summary(a) for a in answers[:-1]} <= {
            (401, "wrong_credentials", None),
            (429, "too_many_attempts", "retry"),
        }
    assert (429, "too_many_attempts", "retry") in [summary(a) for a in known + unknown]
    locked = assert_problem(known[-1], 429, "account_locked")
    assert LOCKED_MESSAGE in locked["detail"]
    retry_after = int(known[-1].headers["retry-after"])
    assert retry_after == locked["details"]["retry_after"]
    assert 1 <= retry_after <= 4

    # Locked, the right password is refused too; once the lock ends, it opens a session.
    assert_problem(await log_in(gateway, username), 429, "account_locked")
    await asyncio.sleep(retry_after)
    assert (await log_in(gateway, username)).status_code == 200


async def test_guesses_sent_at_once_get_only_the_free_ones_checked(
    system: Any, gateway: httpx.AsyncClient, identity: Identity
) -> None:
    username = f"burst.{uuid4().hex[:8]}"
    answers = await asyncio.gather(*(log_in(gateway, username, WRONG) for _ in range(12)))

    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(401) == 3  # the free failures: counted before checking, so no more
    assert statuses.count(429) == 9
    assert all("retry-after" in a.headers for a in answers if a.status_code == 429)


async def test_an_unknown_username_costs_the_time_of_a_wrong_password(
    system: Any, gateway: httpx.AsyncClient, identity: Identity
) -> None:
    username = await registered(system, identity, gateway)
    wrong: list[float] = []
    unknown: list[float] = []
    for n in range(3):  # within the free failures of each username
        for name, times in ((username, wrong), (f"nobody.{n}.{uuid4().hex[:6]}", unknown)):
            started = time.perf_counter()
            assert (await log_in(gateway, name, WRONG)).status_code == 401
            times.append(time.perf_counter() - started)
    # Both pay one argon2 check (tens of ms); without the dummy hash an unknown name would
    # answer in a few.
    assert statistics.median(unknown) > 0.5 * statistics.median(wrong), (unknown, wrong)


async def test_wrong_pins_lock_the_fiscal_code_and_the_right_one_works_after(
    system: Any, gateway: httpx.AsyncClient, identity: Identity
) -> None:
    customer = await onboarded(system, identity)
    wrong = "1" * 8 if customer.registration_pin != "1" * 8 else "2" * 8
    answers: list[httpx.Response] = []
    while not answers or _retry_after(answers[-1]) <= 1:  # a delay (1 s), not yet the lock
        answer = await register(gateway, customer, registration_pin=wrong)
        answers.append(answer)
        if answer.status_code == 429 and _retry_after(answer) <= 1:
            await asyncio.sleep(_retry_after(answer))
        assert len(answers) < 12, [summary(a) for a in answers]
    # Exactly the lock's number of wrong PINs were checked; the others waited, unchecked.
    assert [a.status_code for a in answers].count(422) == 4
    assert {summary(a)[:2] for a in answers} == {
        (422, "registration_data_mismatch"),
        (429, "too_many_attempts"),
    }

    locked = assert_problem(answers[-1], 429, "too_many_attempts")
    assert locked["details"]["retry_after"] == _retry_after(answers[-1]) >= 3
    assert_problem(await register(gateway, customer), 429, "too_many_attempts")  # the right PIN
    await asyncio.sleep(_retry_after(answers[-1]))
    assert (await register(gateway, customer)).status_code == 201


async def test_one_address_is_stopped_before_it_can_lock_anyone_then_let_back_in(
    system: Any, gateway: httpx.AsyncClient, identity: Identity
) -> None:
    # Last in the module: 127.0.0.1 is every test's address. Each guess is on a new username,
    # so only the address's count can stop them.
    username = await registered(system, identity, gateway)
    answers = []
    for n in range(int(SHORT_LIMITS["IDENTITY_ADDRESS_LOCK_FAILURES"]) + 1):
        answer = await log_in(gateway, f"spray.{n}.{uuid4().hex[:6]}", WRONG)
        answers.append(answer.status_code)
        if answer.status_code == 429:
            break
    assert answers[-1] == 429
    assert answers.count(401) <= int(SHORT_LIMITS["IDENTITY_ADDRESS_FREE_FAILURES"])

    # The address is held up, whoever it tries; the user gets in once it may try again.
    held = await log_in(gateway, username)
    assert_problem(held, 429, "too_many_attempts")
    await asyncio.sleep(int(held.headers["retry-after"]))
    assert (await log_in(gateway, username)).status_code == 200
