"""The running system's topology read back from the broker, and poison on every queue it has."""

import json
from typing import Any
from uuid import uuid4

import aio_pika
import httpx
import pytest

from e2e.flows import health, onboard
from sportello_contracts.backoffice import RegistrationPinIssued
from sportello_contracts.catalog import OPERATIONS
from sportello_contracts.envelope import Event
from sportello_contracts.subscriptions import SUBSCRIPTIONS
from sportello_deploy.testing import eventually, random_customer, take_dead_letters
from sportello_kit.declare import management_url, vhost_of
from sportello_kit.settings import ServiceSettings
from sportello_kit.topology import DEAD_LETTER_QUEUE, DEAD_LETTER_REASON, Topology

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

TUNABLES = {"x-delivery-limit", "x-message-ttl", "x-expires", "x-max-length", "x-max-length-bytes"}


def _queues(system: Any) -> list[dict[str, Any]]:
    settings = ServiceSettings.model_validate({"RABBITMQ_URL": system.servers.rabbitmq_url})
    api = httpx.URL(management_url(settings))
    vhost = vhost_of(system.servers.rabbitmq_url).replace("/", "%2F")
    answer = httpx.get(
        f"{api.scheme}://{api.host}:{api.port}/api/queues/{vhost}",
        auth=(api.username, api.password),
        timeout=10,
    )
    answer.raise_for_status()
    mine = f"{system.servers.prefix}."
    return [q for q in answer.json() if q["name"].startswith(mine)]


def refusals_of_rabbitmq_4_3(queue: dict[str, Any]) -> list[str]:
    """Why RabbitMQ 4.3 (or our rule on tunables) would refuse this queue; [] if it would not."""
    problems = []
    kind = queue.get("arguments", {}).get("x-queue-type", queue.get("type", "classic"))
    if not queue["durable"] and not queue["exclusive"]:
        problems.append("neither durable nor exclusive (transient_nonexcl_queues)")
    if kind == "quorum" and (queue["exclusive"] or queue["auto_delete"] or not queue["durable"]):
        problems.append("a quorum queue must be durable, not exclusive, not auto-delete")
    tunables = TUNABLES & set(queue.get("arguments", {}))
    if tunables:
        problems.append(f"tunables as arguments (policies instead): {sorted(tunables)}")
    return problems


async def test_every_queue_of_the_running_system_is_one_rabbitmq_4_3_accepts(system: Any) -> None:
    queues = _queues(system)
    topology = Topology(system.servers.prefix)
    names = {q["name"] for q in queues}
    # Everything the table of subscriptions names exists (the topology step declared it) ...
    for service, payloads in SUBSCRIPTIONS.items():
        for payload in payloads:
            name = topology.event_queue_name(service, payload.ROUTING_KEY)
            assert {name, f"{name}.dead"} <= names
    # ... and none would be refused.
    refused = {q["name"]: refusals_of_rabbitmq_4_3(q) for q in queues}
    assert {name: why for name, why in refused.items() if why} == {}


async def test_the_check_refuses_what_rabbitmq_4_3_refuses() -> None:
    transient = {"name": "x", "durable": False, "exclusive": False, "auto_delete": True}
    quorum = {"name": "y", "durable": True, "exclusive": False, "auto_delete": True,
              "arguments": {"x-queue-type": "quorum", "x-delivery-limit": 5}}  # fmt: skip
    assert refusals_of_rabbitmq_4_3(transient) == [
        "neither durable nor exclusive (transient_nonexcl_queues)"
    ]
    assert len(refusals_of_rabbitmq_4_3(quorum)) == 2
    exclusive = {"name": "z", "durable": False, "exclusive": True, "auto_delete": True}
    assert refusals_of_rabbitmq_4_3(exclusive) == []


async def test_the_tunables_are_policies_applied_to_their_queues(system: Any) -> None:
    topology = Topology(system.servers.prefix)
    subscription = topology.event_queue_name("billing", "backoffice.customer.onboarded")
    request = topology.rpc_queue_name(OPERATIONS[0].address)
    pins = topology.event_queue_name("identity", RegistrationPinIssued.ROUTING_KEY)
    names = (subscription, f"{subscription}.dead", request, f"{pins}.dead")

    async def effective_everywhere() -> dict[str, dict[str, Any]] | None:
        # The management API shows a queue's policy with its next statistics (every 5 s).
        by_name = {q["name"]: q for q in _queues(system)}
        found = {n: by_name.get(n, {}).get("effective_policy_definition") or {} for n in names}
        return found if all(found.values()) else None

    effective = await eventually(effective_everywhere, seconds=20, what="policies in effect")
    assert effective[subscription]["delivery-limit"] == 3  # BUS_DELIVERY_LIMIT of the tests
    assert effective[f"{subscription}.dead"]["message-ttl"] == 14 * 24 * 3600 * 1000
    assert effective[request]["expires"] > 0
    # Registration PINs do not wait in a dead-letter queue for weeks.
    assert effective[f"{pins}.dead"]["message-ttl"] == 24 * 3600 * 1000


async def test_bad_messages_on_every_queue_end_in_a_dead_letter_queue_and_consumers_go_on(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    topology = Topology(system.servers.prefix)
    expected: dict[str, set[str]] = {}  # queue -> message ids that must be dead-lettered there
    connection = await aio_pika.connect(system.servers.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        for service, payloads in SUBSCRIPTIONS.items():
            for payload in payloads:
                good = json.loads(
                    Event.new(
                        random_customer().onboarded, producer="x", correlation_id="c"
                    ).model_dump_json()
                )
                bodies = [
                    b"\x00\xff not json",
                    json.dumps({"hello": "world"}).encode(),
                    json.dumps({**good, "type": payload.ROUTING_KEY, "version": 99}).encode(),
                ]
                queue = topology.event_queue_name(service, payload.ROUTING_KEY)
                for body in bodies:
                    message_id = f"poison-{uuid4().hex}"
                    # Straight onto the queue, as a broken producer bypassing the exchange.
                    await channel.default_exchange.publish(
                        aio_pika.Message(body, message_id=message_id), routing_key=queue
                    )
                    expected.setdefault(queue, set()).add(message_id)
        replies = await channel.declare_queue(exclusive=True)
        for operation in OPERATIONS:
            queue = topology.rpc_queue_name(operation.address)
            for body, reply_to in ((b"not json", None), (b'{"caller": 7}', replies.name)):
                message_id = f"poison-{uuid4().hex}"
                await channel.default_exchange.publish(
                    aio_pika.Message(body, message_id=message_id, reply_to=reply_to),
                    routing_key=queue,
                )
                expected.setdefault(queue, set()).add(message_id)

    seen: dict[str, dict[str, str]] = {queue: {} for queue in expected}

    async def all_dead() -> bool:
        for queue in expected:
            for message in await take_dead_letters(system.servers.rabbitmq_url, queue):
                assert message.headers[DEAD_LETTER_QUEUE] == queue
                seen[queue][message.message_id or ""] = str(message.headers[DEAD_LETTER_REASON])
        return all(expected[q] <= set(seen[q]) for q in expected)

    await eventually(all_dead, seconds=30, what="every bad message dead-lettered")
    reasons = [reason for by_id in seen.values() for reason in by_id.values()]
    assert all(reasons)
    assert any("unsupported version 99" in r for r in reasons)
    # Every consumer goes on: the services are healthy and a good event is still handled.
    assert (await health(system)).status_code == 200
    await onboard(system, random_customer())
