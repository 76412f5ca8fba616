"""The bus from a producer's side: what consumers do with good, repeated and poisonous events."""

import json
from typing import Any
from uuid import uuid4

import aio_pika
import pytest
from pymongo import AsyncMongoClient

from e2e.flows import onboard
from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import Event
from sportello_deploy.backoffice import BackOffice, NewCustomer
from sportello_deploy.servers import messages_in
from sportello_deploy.testing import eventually, random_customer, take_dead_letters
from sportello_kit.topology import DEAD_LETTER_QUEUE, DEAD_LETTER_REASON, Topology

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

ONBOARDED = CustomerOnboarded.ROUTING_KEY


async def _dead_letters(
    system: Any, service: str, routing_key: str
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Everything in a subscription's dead-letter queue, taken off it."""
    name = Topology(system.servers.prefix).event_queue_name(service, routing_key)
    return await take_dead_letters(system.servers.rabbitmq_url, name)


async def _wait_for_dead_letter(
    system: Any, service: str, message_id: str
) -> aio_pika.abc.AbstractIncomingMessage:
    seen: dict[str, aio_pika.abc.AbstractIncomingMessage] = {}

    async def arrived() -> aio_pika.abc.AbstractIncomingMessage | None:
        for message in await _dead_letters(system, service, ONBOARDED):
            seen[message.message_id or ""] = message
        return seen.get(message_id)

    return await eventually(arrived, what=f"{message_id} dead-lettered by {service}")


async def test_a_malformed_event_is_dead_lettered_with_the_reason_and_the_consumer_goes_on(
    system: Any,
) -> None:
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        broken_id = f"broken-{uuid4().hex}"
        await backoffice.publish_raw(b"{this is not json", ONBOARDED, message_id=broken_id)
        dead = await _wait_for_dead_letter(system, "identity", broken_id)
        assert dead.body == b"{this is not json"  # kept exactly as it came
        assert "not JSON" in str(dead.headers[DEAD_LETTER_REASON])
        assert dead.headers[DEAD_LETTER_QUEUE] == Topology(system.servers.prefix).event_queue_name(
            "identity", ONBOARDED
        )
    # The same consumer still handles the next good event.
    await onboard(system, random_customer())


async def _publish_onboarding(system: Any, customer: NewCustomer, **changes: Any) -> str:
    """Publish an onboarding envelope with some top-level fields replaced; its message id."""
    event = Event.new(customer.onboarded, producer="backoffice", correlation_id="test")
    body = {**json.loads(event.model_dump_json()), **changes}
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        await backoffice.publish_raw(json.dumps(body).encode(), ONBOARDED, str(event.event_id))
    return str(event.event_id)


async def test_an_event_of_an_unknown_version_is_dead_lettered_with_the_reason(system: Any) -> None:
    message_id = await _publish_onboarding(system, random_customer(), version=2)
    dead = await _wait_for_dead_letter(system, "billing", message_id)
    assert "unsupported version 2" in str(dead.headers[DEAD_LETTER_REASON])


async def test_an_event_missing_a_field_is_dead_lettered_naming_the_field(system: Any) -> None:
    payload = random_customer().onboarded.model_dump()
    del payload["email"]
    message_id = await _publish_onboarding(system, random_customer(), payload=payload)
    dead = await _wait_for_dead_letter(system, "identity", message_id)
    assert "payload.email" in str(dead.headers[DEAD_LETTER_REASON])


async def test_an_event_breaking_a_rule_is_dead_lettered_with_the_reason(system: Any) -> None:
    customer = random_customer()
    wrong_check = customer.fiscal_code[:15] + ("A" if customer.fiscal_code[15] != "A" else "B")
    message_id = await _publish_onboarding(system, random_customer(fiscal_code=wrong_check))
    dead = await _wait_for_dead_letter(system, "identity", message_id)
    assert "invalid fiscal code" in str(dead.headers[DEAD_LETTER_REASON])
    assert wrong_check not in str(dead.headers[DEAD_LETTER_REASON])  # logs and headers mask it


async def test_a_redelivered_event_changes_nothing(system: Any) -> None:
    customer = random_customer()
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        event = await backoffice.publish(customer.onboarded)
        # The very same message again, as a redelivery would bring it.
        await backoffice.publish_raw(
            event.model_dump_json().encode(), ONBOARDED, message_id=str(event.event_id)
        )
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        inbox = client.sportello_billing.inbox

        async def handled() -> int:
            key = f"billing.{ONBOARDED}:{event.event_id}"
            return await inbox.count_documents({"_id": key})

        await eventually(handled, what="billing handling the event")
        queue = Topology(system.servers.prefix).event_queue_name("billing", ONBOARDED)

        async def both_consumed() -> bool:
            return await messages_in(queue) == 0

        await eventually(both_consumed, what="the second delivery consumed")
        assert (
            await client.sportello_billing.customers.count_documents(
                {"_id": customer.customer_code}
            )
            == 1
        )
        stored = await client.sportello_billing.customers.find_one({"_id": customer.customer_code})
        assert stored == {
            "_id": customer.customer_code,
            "fiscal_code": customer.fiscal_code,
            "full_name": customer.full_name,
            # The onboarding's `occurred_at`, as BSON keeps it: an older one never overwrites it.
            "applied_version": event.occurred_at.replace(
                tzinfo=None, microsecond=event.occurred_at.microsecond // 1000 * 1000
            ),
        }  # and never the PIN
        assert await handled() == 1
