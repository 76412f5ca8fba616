"""Steps the billing end-to-end tests share: supplies and bills published as the back-office
would, and waiting for billing to show them."""

import json
from collections.abc import Callable
from typing import Any

import aio_pika
import httpx

from e2e.flows import bearer
from sportello_contracts.envelope import EventPayload
from sportello_contracts.subscriptions import BACKOFFICE
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.sample_billing import gas_bill, gas_supply, italian_iban
from sportello_deploy.testing import eventually
from sportello_kit.topology import Topology

__all__ = [
    "bills_of",
    "gas_bill",
    "gas_supply",
    "italian_iban",
    "publish",
    "supplies_of",
    "told_to_backoffice",
]


async def publish(system: Any, *payloads: EventPayload) -> None:
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        for payload in payloads:
            await backoffice.publish(payload)


async def supplies_of(
    gateway: httpx.AsyncClient, session: dict[str, Any], count: int, **query: str
) -> list[dict[str, Any]]:
    """The caller's supplies, once billing shows `count` of them."""

    async def listed() -> list[dict[str, Any]] | None:
        answer = await gateway.get("/v1/supplies", params=query, headers=bearer(session))
        assert answer.status_code == 200, answer.text
        supplies: list[dict[str, Any]] = answer.json()["supplies"]
        return supplies if len(supplies) >= count else None

    return await eventually(listed, seconds=20, what=f"{count} supplies shown")


async def bills_of(
    gateway: httpx.AsyncClient, session: dict[str, Any], count: int, **query: str
) -> list[dict[str, Any]]:
    """The caller's bills (all groups, in order), once billing shows `count` of them."""

    async def listed() -> list[dict[str, Any]] | None:
        answer = await gateway.get(
            "/v1/bills", params={"limit": "100", **query}, headers=bearer(session)
        )
        assert answer.status_code == 200, answer.text
        bills = [bill for group in answer.json()["groups"] for bill in group["bills"]]
        return bills if len(bills) >= count else None

    return await eventually(listed, seconds=20, what=f"{count} bills shown")


async def told_to_backoffice(
    system: Any, routing_key: str, mine: Callable[[dict[str, Any]], bool] | str
) -> dict[str, Any]:
    """The event in the back-office's own queue, declared by the topology step (what the
    back-office reads, whether or not it was connected when it was published), that `mine`
    picks by its payload (a string: the change of that `change_id`)."""
    if isinstance(mine, str):
        change_id = mine
        mine = lambda payload: payload.get("change_id") == change_id  # noqa: E731
    queue = Topology(system.servers.prefix).event_queue_name(BACKOFFICE, routing_key)
    connection = await aio_pika.connect(system.servers.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.get_queue(queue, ensure=True)

        async def found() -> dict[str, Any] | None:
            # Held unacknowledged while looking, so each get takes the next message; the other
            # tests' ones go back to the queue after.
            held, picked = [], None
            while picked is None and (message := await declared.get(fail=False)) is not None:
                body: dict[str, Any] = json.loads(message.body)
                if mine(body["payload"]):
                    await message.ack()
                    picked = body
                else:
                    held.append(message)
            for message in held:
                await message.reject(requeue=True)
            return picked

        return await eventually(found, seconds=20, what=f"{routing_key} for the back-office")
