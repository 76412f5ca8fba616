"""Notifications killed with `kill -9` while sending a backlog: every mail arrives, copies are rare
and recognisable (the same Message-ID).

It stops and starts notifications, and leaves it running and healthy for the tests after it.
"""

import asyncio
import time
from collections import defaultdict
from email.message import Message
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.flows import register, registrable, service_ok
from sportello_deploy.backoffice import BackOffice, NewCustomer
from sportello_deploy.testing import eventually, random_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

BACKLOG = 30
KILLS = 2
# The e-mails a process sends at once (EFFECTS_IN_FLIGHT's default): only those in flight at
# the instant of a kill can be sent twice.
IN_FLIGHT = 4
# Claim lease (3 s in the tests) and every retry delay (0.2 + 0.5 + 1 s), with a margin: a copy
# sent by a redelivery that took over a dead process's claim has arrived by then.
LATE_COPIES_SECONDS = 3 + 1.7 + 2


async def test_a_backlog_of_summaries_survives_kills_in_the_middle_of_sending(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    system.kill("notifications")
    try:
        customers = [random_customer() for _ in range(BACKLOG)]
        addresses = {c.email for c in customers}
        await _onboard_all(system, customers)
        await _register_all(gateway, customers)
        assert _mails_to(system, addresses) == {}

        system.start("notifications")
        killed_at = []
        for kill in range(1, KILLS + 1):
            # Early enough that mails are still going out when the kill lands.
            arrived = await _wait_for_arrivals(system, addresses, kill * BACKLOG // 4)
            system.kill("notifications")
            killed_at.append(arrived)
            assert arrived < BACKLOG, "every mail was out before the kill: nothing was tested"
            system.start("notifications")

        async def all_arrived() -> bool:
            return len(_mails_to(system, addresses)) == BACKLOG

        await eventually(all_arrived, seconds=60, what="a summary to every address")
        await asyncio.sleep(LATE_COPIES_SECONDS)

        mails = _mails_to(system, addresses)
        assert set(mails) == addresses
        copies = {address: got for address, got in mails.items() if len(got) > 1}
        for got in copies.values():
            # A kill doubles a mail at most once, but the copy sent by the delivery that took
            # over can be cut short by the next kill: one copy more per kill, not one in all.
            assert len(got) <= 1 + KILLS, [m["Message-ID"] for m in got]
            assert len({m["Message-ID"] for m in got}) == 1
        duplicates = sum(len(got) - 1 for got in copies.values())
        assert duplicates <= KILLS * IN_FLIGHT
        print(
            f"\n{duplicates} duplicate(s) of {len(copies)} mail(s) after {KILLS} kills "
            f"in {BACKLOG} mails; killed at {killed_at} arrived"
        )
        await _assert_logged_as_sent(system, addresses)
    finally:
        if not system.deployables["notifications"].running:
            system.start("notifications")
        await eventually(
            lambda: service_ok(system, "notifications"), seconds=30, what="notifications back"
        )


async def _onboard_all(system: Any, customers: list[NewCustomer]) -> None:
    """Publish every customer as the back-office would, and wait until identity has them all."""
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        for customer in customers:
            await backoffice.onboard(customer)
    codes = [c.customer_code for c in customers]
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        known = client.sportello_identity.customers

        async def all_known() -> bool:
            return await known.count_documents(registrable(*codes)) == len(codes)

        await eventually(all_known, seconds=30, what="identity storing the customers")


async def _register_all(gateway: httpx.AsyncClient, customers: list[NewCustomer]) -> None:
    # One at a time, as a user would: identity hashes every password on a 2-core machine, and
    # the gateway's deadline (3 s in the tests) is not what this test is about.
    for customer in customers:
        answer = await register(gateway, customer)
        assert answer.status_code == 201, answer.text


def _mails_to(system: Any, addresses: set[str]) -> dict[str, list[Message]]:
    """The mails received so far by each of `addresses` that got any."""
    received: dict[str, list[Message]] = defaultdict(list)
    for message in system.mail.messages():
        to = (message["To"] or "").lower()
        if to in addresses:
            received[to].append(message)
    return dict(received)


async def _wait_for_arrivals(system: Any, addresses: set[str], at_least: int) -> int:
    """Wait until `at_least` addresses have their mail; how many have it then."""
    deadline = time.monotonic() + 60
    while (arrived := len(_mails_to(system, addresses))) < at_least:
        assert time.monotonic() < deadline, f"only {arrived} of {at_least} mails arrived"
        await asyncio.sleep(0.01)  # close polling, so the kill lands while mails are going out
    return arrived


async def _assert_logged_as_sent(system: Any, addresses: set[str]) -> None:
    """The message log operators read says sent, once per address, with the attempts made."""
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        records = await client.sportello_notifications.messages.find(
            {"to": {"$in": sorted(addresses)}}
        ).to_list()
    assert sorted(r["to"] for r in records) == sorted(addresses)
    assert {r["status"] for r in records} == {"sent"}
    assert all(r["attempts"] >= 1 for r in records)
