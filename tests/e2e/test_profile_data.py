"""Contact preferences change at once; registered personal data never changes directly but
becomes a request for the back-office, announced on the bus. Through the gateway."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
import httpx
import pytest

from e2e.flows import assert_problem, bearer, signed_in_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

REQUESTED = "identity.personal_data.change_requested"


@asynccontextmanager
async def listening(system: Any, routing_key: str) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """A queue of the test's own on the events exchange, bound before anything is published."""
    connection = await aio_pika.connect(system.servers.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        events = await channel.get_exchange(f"{system.servers.prefix}.events", ensure=False)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(events, routing_key)
        yield queue


async def next_event(queue: aio_pika.abc.AbstractQueue, seconds: float = 15) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        while True:
            message = await queue.get(fail=False)
            if message is not None:
                await message.ack()
                event: dict[str, Any] = json.loads(message.body)
                return event
            await asyncio.sleep(0.1)


async def test_contact_preferences_change_at_once(system: Any, gateway: httpx.AsyncClient) -> None:
    _, session = await signed_in_customer(system, gateway)

    async def prefer(body: dict[str, Any]) -> httpx.Response:
        return await gateway.put("/v1/me/contact-preferences", json=body, headers=bearer(session))

    answer = await prefer({"preferred_channel": "email", "preferred_times": ["morning", "evening"]})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "preferred_channel": "email",
        "preferred_times": ["morning", "evening"],
    }
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    assert (me["preferred_channel"], me["preferred_times"]) == ("email", ["morning", "evening"])

    assert_problem(await prefer({"preferred_channel": "sms"}), 422, "phone_required")
    assert_problem(await prefer({"preferred_channel": "fax"}), 422, "invalid_request")
    assert_problem(
        await prefer({"preferred_channel": "email", "preferred_times": ["notte"]}),
        422,
        "invalid_request",
    )


async def test_a_change_of_registered_data_becomes_a_request_for_the_back_office(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    asked = {
        "full_name": "Cliente Di Prova Rossi",
        "residence": {
            "street": "Via Garibaldi 7",
            "postal_code": "20121",
            "city": "Milano",
            "province": "mi",
        },
        "note": "Trasferita a Milano da marzo.",
    }
    async with listening(system, REQUESTED) as queue:
        answer = await gateway.post(
            "/v1/me/personal-data-change-requests", json=asked, headers=bearer(session)
        )
        assert answer.status_code == 202, answer.text
        reply = answer.json()
        assert "non si modificano direttamente" in reply["detail"]
        assert "Servizio Clienti" in reply["detail"]
        event = await next_event(queue)

    payload = event["payload"]
    assert event["type"] == REQUESTED
    assert payload["change_id"] == reply["change_id"]
    assert payload["customer_codes"] == [customer.customer_code]
    assert (payload["full_name"], payload["requested_full_name"]) == (
        customer.full_name,
        "Cliente Di Prova Rossi",
    )
    assert payload["requested_residence"]["province"] == "MI"
    assert payload["note"] == "Trasferita a Milano da marzo."
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    assert me["full_name"] == customer.full_name  # nothing changed

    broken = customer.fiscal_code[:15] + ("A" if customer.fiscal_code[15] != "A" else "B")
    refused = await gateway.post(
        "/v1/me/personal-data-change-requests",
        json={"fiscal_code": broken},
        headers=bearer(session),
    )
    assert_problem(refused, 422, "invalid_fiscal_code")
    empty = await gateway.post(
        "/v1/me/personal-data-change-requests", json={"note": "x"}, headers=bearer(session)
    )
    assert_problem(empty, 422, "invalid_request")
    unauthenticated = await gateway.post("/v1/me/personal-data-change-requests", json=asked)
    assert_problem(unauthenticated, 401, "unauthenticated")
