"""`HostedCheckout` against the payments sandbox running for real: checkouts opened once per
payment, every failure to reach the provider one `ProviderUnavailable`, and callbacks accepted
only when signed with the secret and sent within the tolerance."""

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sportello_billing.adapters.hosted_checkout import HostedCheckout, from_settings
from sportello_billing.settings import BillingSettings
from sportello_billing.usecases.providers import (
    CallbackEvent,
    CallbackRejected,
    CheckoutOrder,
    ProviderUnavailable,
)
from sportello_deploy.processes import PAYMENT_SANDBOX, Deployable
from sportello_deploy.servers import free_port, wait_for_port
from sportello_deploy.testing import eventually

API_KEY = "hosted-checkout-test-key-" + secrets.token_hex(8)
SECRET = "hosted-checkout-test-secret-" + secrets.token_hex(16)
TOLERANCE = 300


class _Server(uvicorn.Server):
    """Served inside the test's event loop: the signals stay pytest's."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Webhook:
    headers: dict[str, str]
    body: str

    def verified_by(self, provider: HostedCheckout, now: datetime | None = None) -> CallbackEvent:
        return provider.verify_callback(
            self.body,
            self.headers.get("webhook-id"),
            self.headers.get("webhook-timestamp"),
            self.headers.get("webhook-signature"),
            now or datetime.now(UTC),
        )

    @property
    def timestamp(self) -> datetime:
        return datetime.fromtimestamp(int(self.headers["webhook-timestamp"]), UTC)


@dataclass
class Receiver:
    """What the gateway is to the sandbox: where its webhooks arrive (answered 204). Beside it,
    a provider in trouble, answering `/troubled/v1/checkouts` with the status in its path."""

    webhooks: list[Webhook] = field(default_factory=list)

    async def receive(self, request: Request) -> Response:
        self.webhooks.append(Webhook(dict(request.headers), (await request.body()).decode()))
        return Response(status_code=204)

    async def troubled(self, request: Request) -> Response:
        return Response("busy", status_code=int(request.path_params["status"]))

    async def of(self, payment_id: str, count: int = 1) -> list[Webhook]:
        async def arrived() -> list[Webhook] | None:
            got = [
                w for w in self.webhooks if json.loads(w.body)["data"]["reference"] == payment_id
            ]
            return got if len(got) >= count else None

        return await eventually(arrived, seconds=10, what=f"the webhooks of {payment_id}")


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    app = Starlette(
        routes=[
            Route("/hooks", receiver.receive, methods=["POST"]),
            Route("/troubled/{status:int}/v1/checkouts", receiver.troubled, methods=["POST"]),
        ]
    )
    port = free_port()
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # its error, if it could not start
        await asyncio.sleep(0.02)
    try:
        yield receiver, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture(scope="module")
def sandbox_url(
    receiver: tuple[Receiver, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The sandbox as a process, as the local run starts it."""
    port = free_port()
    env = {
        **os.environ,
        "PAYMENT_SANDBOX_PORT": str(port),
        "PAYMENT_SANDBOX_API_KEY": API_KEY,
        "PAYMENT_SANDBOX_WEBHOOK_SECRET": SECRET,
        "PAYMENT_SANDBOX_WEBHOOK_URL": f"{receiver[1]}/hooks",
    }
    log = tmp_path_factory.mktemp("sandbox") / "payment-sandbox.log"
    sandbox = Deployable(PAYMENT_SANDBOX, env, log)
    sandbox.start()
    try:
        wait_for_port("127.0.0.1", port, 30, "the payments sandbox", sandbox.process)
        yield f"http://127.0.0.1:{port}"
    finally:
        sandbox.terminate()
        sandbox.wait(10)


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def provider(sandbox_url: str) -> AsyncIterator[HostedCheckout]:
    provider = HostedCheckout("sandbox", sandbox_url, API_KEY, SECRET, 5.0, TOLERANCE)
    yield provider
    await provider.aclose()


def order(**changes: Any) -> CheckoutOrder:
    values: dict[str, Any] = {
        "payment_id": f"pay_{secrets.token_hex(8)}",
        "amount_cents": 8790,
        "description": "Bolletta n. 2026/004567",
        "method": "pagopa",
        "notice_number": "301000000000045678",
        "success_url": "http://127.0.0.1:8000/v1/payments/esito?ok",
        "cancel_url": "http://127.0.0.1:8000/v1/payments/esito?ko",
        "expires_at": datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30),
        **changes,
    }
    return CheckoutOrder(**values)


async def press(checkout_url: str, button: str) -> None:
    """What the customer does on the checkout page."""
    async with httpx.AsyncClient() as browser:
        answer = await browser.post(f"{checkout_url}/{button}")
    assert answer.status_code == 303


def sign(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    content = f"{webhook_id}.{timestamp}.{body}".encode()
    return (
        "v1,"
        + base64.b64encode(hmac.new(secret.encode(), content, hashlib.sha256).digest()).decode()
    )


async def paid_webhook(provider: HostedCheckout, receiver: Receiver) -> Webhook:
    checkout_order = order()
    checkout = await provider.create_checkout(checkout_order)
    await press(checkout.url, "pay")
    (webhook,) = await receiver.of(checkout_order.payment_id)
    return webhook


async def test_asking_twice_for_one_payment_gives_the_same_checkout(
    provider: HostedCheckout, sandbox_url: str
) -> None:
    checkout_order = order()
    first = await provider.create_checkout(checkout_order)
    again = await provider.create_checkout(checkout_order)
    assert again == first
    assert first.provider_reference.startswith("chk_")
    assert first.url == f"{sandbox_url}/checkout/{first.provider_reference}"
    assert first.expires_at == checkout_order.expires_at
    async with httpx.AsyncClient() as browser:
        page = await browser.get(first.url)
    assert "87,90 €" in page.text
    assert "301000000000045678" in page.text
    other = await provider.create_checkout(order())
    assert other.provider_reference != first.provider_reference


async def test_a_wrong_api_key_is_unavailable_and_the_key_shows_nowhere(
    sandbox_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    wrong_key = "not-the-sandbox-key-" + secrets.token_hex(8)
    stranger = HostedCheckout("sandbox", sandbox_url, wrong_key, SECRET)
    try:
        with caplog.at_level(logging.ERROR), pytest.raises(ProviderUnavailable) as refused:
            await stranger.create_checkout(order())
    finally:
        await stranger.aclose()
    assert "401" in str(refused.value)
    assert "refused the checkout" in caplog.text  # a bug, said as such in the log
    assert wrong_key not in str(refused.value) + caplog.text + repr(stranger)


async def test_a_provider_that_is_down_is_unavailable() -> None:
    down = HostedCheckout("sandbox", f"http://127.0.0.1:{free_port()}", API_KEY, SECRET)
    try:
        with pytest.raises(ProviderUnavailable, match="did not answer"):
            await down.create_checkout(order())
    finally:
        await down.aclose()


async def test_a_provider_that_does_not_answer_in_time_is_unavailable() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        slow = HostedCheckout("sandbox", base, API_KEY, SECRET, timeout_seconds=0.5)
        try:
            with pytest.raises(ProviderUnavailable, match="Timeout"):
                await slow.create_checkout(order())
        finally:
            await slow.aclose()


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_a_provider_in_trouble_is_unavailable(
    receiver: tuple[Receiver, str], status: int
) -> None:
    troubled = HostedCheckout("sandbox", f"{receiver[1]}/troubled/{status}", API_KEY, SECRET)
    try:
        with pytest.raises(ProviderUnavailable, match=f"unavailable \\({status}\\)"):
            await troubled.create_checkout(order())
    finally:
        await troubled.aclose()


async def test_the_sandboxs_signed_webhook_of_a_payment_is_accepted(
    provider: HostedCheckout, receiver: tuple[Receiver, str]
) -> None:
    checkout_order = order()
    checkout = await provider.create_checkout(checkout_order)
    await press(checkout.url, "pay")
    (webhook,) = await receiver[0].of(checkout_order.payment_id)
    event = webhook.verified_by(provider)
    assert event.event_id == webhook.headers["webhook-id"]
    assert (event.kind, event.payment_id) == ("succeeded", checkout_order.payment_id)
    assert event.provider_reference == checkout.provider_reference
    assert (event.amount_cents, event.currency, event.method) == (8790, "EUR", "pagopa")
    paid_at = datetime.fromisoformat(json.loads(webhook.body)["data"]["paid_at"])
    assert event.at == paid_at
    assert event.failure_reason is None


@pytest.mark.parametrize(
    ("button", "kind", "reason"),
    [("fail", "failed", "carta rifiutata"), ("cancel", "expired", None)],
)
async def test_a_refused_or_abandoned_checkouts_webhook_says_so(
    provider: HostedCheckout,
    receiver: tuple[Receiver, str],
    button: str,
    kind: str,
    reason: str | None,
) -> None:
    checkout_order = order(method="card", notice_number=None)
    checkout = await provider.create_checkout(checkout_order)
    await press(checkout.url, button)
    (webhook,) = await receiver[0].of(checkout_order.payment_id)
    event = webhook.verified_by(provider)
    assert (event.kind, event.failure_reason, event.method) == (kind, reason, "card")
    # No payment time: when it ended is the event's own timestamp.
    assert event.at == datetime.fromisoformat(json.loads(webhook.body)["timestamp"])


async def test_a_webhook_sent_again_is_the_same_event(
    provider: HostedCheckout, receiver: tuple[Receiver, str], sandbox_url: str
) -> None:
    checkout_order = order()
    checkout = await provider.create_checkout(checkout_order)
    await press(checkout.url, "pay")
    await receiver[0].of(checkout_order.payment_id)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {API_KEY}"}) as api:
        resent = await api.post(f"{sandbox_url}/v1/checkouts/{checkout.provider_reference}/resend")
    assert resent.status_code == 202
    first, again = await receiver[0].of(checkout_order.payment_id, count=2)
    # Both verify, as one event: the receiver's dedup on `event_id` makes the replay harmless.
    assert again.verified_by(provider) == first.verified_by(provider)


async def test_a_tampered_body_is_refused(
    provider: HostedCheckout, receiver: tuple[Receiver, str]
) -> None:
    webhook = await paid_webhook(provider, receiver[0])
    tampered = Webhook(webhook.headers, webhook.body.replace("8790", "1"))
    assert tampered.body != webhook.body
    with pytest.raises(CallbackRejected) as refused:
        tampered.verified_by(provider)
    assert refused.value.reason == "signature"


async def test_a_webhook_signed_with_another_secret_is_refused(
    provider: HostedCheckout, receiver: tuple[Receiver, str], sandbox_url: str
) -> None:
    webhook = await paid_webhook(provider, receiver[0])
    other = HostedCheckout("sandbox", sandbox_url, API_KEY, "another-secret-" + "x" * 32)
    with pytest.raises(CallbackRejected) as refused:
        webhook.verified_by(other)
    assert refused.value.reason == "signature"


async def test_a_webhook_outside_the_tolerance_is_refused_as_stale(
    provider: HostedCheckout, receiver: tuple[Receiver, str]
) -> None:
    webhook = await paid_webhook(provider, receiver[0])
    signed_at = webhook.timestamp
    for now in (signed_at + timedelta(seconds=TOLERANCE - 1), signed_at - timedelta(seconds=10)):
        assert webhook.verified_by(provider, now).kind == "succeeded"
    for now in (
        signed_at + timedelta(seconds=TOLERANCE + 1),  # a replay of an old one
        signed_at - timedelta(seconds=TOLERANCE + 1),  # from the future
    ):
        with pytest.raises(CallbackRejected) as refused:
            webhook.verified_by(provider, now)
        assert refused.value.reason == "stale"


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
async def test_a_webhook_without_one_of_its_headers_is_refused(
    provider: HostedCheckout, receiver: tuple[Receiver, str], missing: str
) -> None:
    webhook = await paid_webhook(provider, receiver[0])
    headers = {k: v for k, v in webhook.headers.items() if k != missing}
    with pytest.raises(CallbackRejected) as refused:
        Webhook(headers, webhook.body).verified_by(provider)
    assert refused.value.reason == "signature"


def test_one_of_several_signatures_is_enough_but_only_a_v1_one(provider: HostedCheckout) -> None:
    body = json.dumps(_event())
    now = datetime.now(UTC)
    timestamp = int(now.timestamp())
    ours = sign(SECRET, "msg_1", timestamp, body)
    theirs = sign("a-rotated-out-secret-" + "y" * 32, "msg_1", timestamp, body)
    event = provider.verify_callback(body, "msg_1", str(timestamp), f"{theirs} {ours}", now)
    assert event.payment_id == "pay_signed_here"
    for signatures in (theirs, ours.replace("v1,", "v2,"), f"{ours}x", "v1,"):
        with pytest.raises(CallbackRejected) as refused:
            provider.verify_callback(body, "msg_1", str(timestamp), signatures, now)
        assert refused.value.reason == "signature"


def _event(**data: Any) -> dict[str, Any]:
    return {
        "type": "checkout.succeeded",
        "timestamp": "2026-11-30T10:00:05+00:00",
        "data": {
            "id": "chk_1",
            "reference": "pay_signed_here",
            "amount_cents": 8790,
            "currency": "EUR",
            "method": "card",
            "status": "succeeded",
            "paid_at": "2026-11-30T10:00:04+00:00",
            "failure_reason": None,
            **data,
        },
    }


def _without(event: dict[str, Any], name: str) -> dict[str, Any]:
    return {**event, "data": {k: v for k, v in event["data"].items() if k != name}}


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({**_event(), "type": "checkout.refunded"}),
        json.dumps(_without(_event(), "reference")),
        json.dumps(_without(_event(), "amount_cents")),
        json.dumps({k: v for k, v in _event().items() if k != "timestamp"}),
        json.dumps(_event(amount_cents="8790")),
        json.dumps(_event(status="failed")),  # the type says otherwise
        json.dumps(_event(paid_at="yesterday")),
        json.dumps([_event()]),
    ],
)
def test_a_well_signed_but_malformed_body_is_refused(provider: HostedCheckout, body: str) -> None:
    now = datetime.now(UTC)
    timestamp = int(now.timestamp())
    signature = sign(SECRET, "msg_2", timestamp, body)
    with pytest.raises(CallbackRejected) as refused:
        provider.verify_callback(body, "msg_2", str(timestamp), signature, now)
    assert refused.value.reason == "malformed"


def test_a_standard_webhooks_whsec_secret_is_the_key_it_encodes(sandbox_url: str) -> None:
    key = secrets.token_bytes(24)
    provider = HostedCheckout(
        "sandbox", sandbox_url, API_KEY, "whsec_" + base64.b64encode(key).decode()
    )
    body = json.dumps(_event())
    now = datetime.now(UTC)
    timestamp = int(now.timestamp())
    content = f"msg_3.{timestamp}.{body}".encode()
    signature = "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    assert provider.verify_callback(body, "msg_3", str(timestamp), signature, now).kind == (
        "succeeded"
    )


def test_the_adapter_is_built_from_billings_settings() -> None:
    settings = BillingSettings.model_validate(
        {
            "SPORTELLO_ENV": "development",
            "payments_provider": "nexi-xpay",
            "payments_provider_url": "https://pagamenti.example/api/",
            "payments_provider_api_key": API_KEY,
            "payments_webhook_secret": SECRET,
            "payments_callback_tolerance_seconds": 60,
        }
    )
    provider = from_settings(settings)
    assert (provider.name, provider.base_url) == ("nexi-xpay", "https://pagamenti.example/api")
    assert API_KEY not in repr(provider)
    assert SECRET not in repr(provider)
    # Its tolerance is the setting's: 61 s late is stale, not the default 300 s.
    body = json.dumps(_event())
    now = datetime.now(UTC)
    timestamp = int(now.timestamp()) - 61
    with pytest.raises(CallbackRejected) as refused:
        provider.verify_callback(
            body, "msg_4", str(timestamp), sign(SECRET, "msg_4", timestamp, body), now
        )
    assert refused.value.reason == "stale"
