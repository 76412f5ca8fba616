"""Steps the billing end-to-end tests share: supplies and bills published as the back-office
would, and waiting for billing to show them."""

from typing import Any

import httpx

from e2e.flows import bearer
from sportello_contracts.envelope import EventPayload
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.sample_billing import gas_bill, gas_supply, italian_iban
from sportello_deploy.testing import eventually

__all__ = ["bills_of", "gas_bill", "gas_supply", "italian_iban", "publish", "supplies_of"]


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
