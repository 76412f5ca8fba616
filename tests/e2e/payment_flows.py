"""Steps the payment end-to-end tests share: a customer with a bill to pay, paying it now at
the sandbox provider's checkout, and callbacks signed like the provider's."""

import base64
import hashlib
import hmac
import json
import time
from datetime import date, timedelta
from typing import Any, Literal
from uuid import uuid4

import httpx

from e2e.billing_flows import bills_of, gas_bill, gas_supply, publish
from e2e.flows import bearer, signed_in_customer
from sportello_contracts.bills import BillIssued
from sportello_deploy.testing import NewCustomer, eventually
from sportello_kit.settings import DEMO_KEY_ENCRYPTION_KEY

# The sandbox's and billing's signing secret in the tests (their demo default).
WEBHOOK_SECRET = DEMO_KEY_ENCRYPTION_KEY


async def customer_with_bill(
    system: Any, gateway: httpx.AsyncClient, **bill: Any
) -> tuple[NewCustomer, dict[str, Any], BillIssued]:
    """A signed-in customer with one recent pagoPA gas bill (or as `bill` says), shown."""
    customer, session = await signed_in_customer(system, gateway)
    supply = gas_supply(customer.customer_code)
    issued = gas_bill(
        customer.customer_code,
        supply.supply_id,
        issued_on=bill.pop("issued_on", date.today() - timedelta(days=5)),
        **bill,
    )
    await publish(system, supply, issued)
    await bills_of(gateway, session, 1)
    return customer, session, issued


async def pay_now(
    gateway: httpx.AsyncClient,
    session: dict[str, Any],
    bill_number: str,
    method: str = "card",
    key: str | None = None,
) -> httpx.Response:
    return await gateway.post(
        f"/v1/bills/{bill_number}/payments",
        json={"method": method},
        headers={**bearer(session), "Idempotency-Key": key or uuid4().hex},
    )


async def at_checkout(
    payment: dict[str, Any], action: Literal["pay", "fail", "cancel"]
) -> httpx.Response:
    """What the user does on the provider's checkout page (its form posts)."""
    async with httpx.AsyncClient(timeout=10) as browser:
        return await browser.post(f"{payment['checkout_url']}/{action}")


async def bill_detail(
    gateway: httpx.AsyncClient, session: dict[str, Any], number: str
) -> dict[str, Any]:
    answer = await gateway.get(f"/v1/bills/{number}", headers=bearer(session))
    assert answer.status_code == 200, answer.text
    detail: dict[str, Any] = answer.json()
    return detail


async def bill_becomes(
    gateway: httpx.AsyncClient, session: dict[str, Any], number: str, status: str
) -> dict[str, Any]:
    async def shown() -> dict[str, Any] | None:
        answer = await gateway.get(f"/v1/bills/{number}", headers=bearer(session))
        if answer.status_code == 404:
            return None  # not in billing yet
        assert answer.status_code == 200, answer.text
        detail: dict[str, Any] = answer.json()
        return detail if detail["status"] == status else None

    return await eventually(shown, seconds=20, what=f"bill {number} {status}")


def signed_callback(
    body: dict[str, Any] | str,
    *,
    secret: str = WEBHOOK_SECRET,
    at: float | None = None,
    webhook_id: str | None = None,
) -> tuple[str, dict[str, str]]:
    """A callback body and its Standard Webhooks headers, signed with `secret` at `at`."""
    text = body if isinstance(body, str) else json.dumps(body)
    message_id = webhook_id or f"msg_{uuid4().hex}"
    timestamp = str(int(at if at is not None else time.time()))
    mac = hmac.new(secret.encode(), f"{message_id}.{timestamp}.{text}".encode(), hashlib.sha256)
    signature = "v1," + base64.b64encode(mac.digest()).decode()
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
        "content-type": "application/json",
    }
    return text, headers


def checkout_event(payment: dict[str, Any], kind: str = "succeeded", **data: Any) -> dict[str, Any]:
    """A provider's event about `payment`'s checkout, as the sandbox would send it."""
    checkout_id = payment["checkout_url"].rsplit("/", 1)[-1]
    return {
        "type": f"checkout.{kind}",
        "timestamp": "2026-12-03T10:00:00Z",
        "data": {
            "id": checkout_id,
            "reference": payment["payment_id"],
            "amount_cents": payment["amount_cents"],
            "currency": "EUR",
            "method": payment["method"],
            "status": kind,
            "paid_at": "2026-12-03T10:00:00Z" if kind == "succeeded" else None,
            "failure_reason": None,
            **data,
        },
    }
