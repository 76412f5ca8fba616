"""The payments sandbox over real HTTP: checkouts opened once per key, their pages' three
endings, and webhooks signed as Standard Webhooks sign, sent until a real receiver takes them."""

import asyncio
import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import secrets
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

from sportello_deploy.payment_sandbox.app import create_app
from sportello_deploy.payment_sandbox.settings import SandboxSettings
from sportello_deploy.servers import free_port
from sportello_deploy.testing import eventually

API_KEY = "sandbox-test-key-" + secrets.token_hex(8)
SECRET = "sandbox-test-secret-" + secrets.token_hex(16)
ATTEMPTS = 4


class _Server(uvicorn.Server):
    """Served inside the test's event loop: the signals stay pytest's."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def served(app: Starlette, port: int) -> AsyncIterator[str]:
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # its error, if it could not start
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Received:
    headers: dict[str, str]
    body: str

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(self.body)
        return event


@dataclass
class Receiver:
    """A webhook receiver answering each checkout's deliveries with the statuses scripted for
    its reference, then 204."""

    scripts: dict[str, list[int]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    async def receive(self, request: Request) -> Response:
        body = (await request.body()).decode()
        self.received.append(Received(dict(request.headers), body))
        script = self.scripts.get(json.loads(body)["data"]["reference"], [])
        return Response(status_code=script.pop(0) if script else 204)

    def of(self, reference: str) -> list[Received]:
        return [r for r in self.received if r.event["data"]["reference"] == reference]


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/hooks", receiver.receive, methods=["POST"])])
    async with served(app, free_port()) as url:
        yield receiver, f"{url}/hooks"


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def sandbox(receiver: tuple[Receiver, str]) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    settings = SandboxSettings(
        port=port,
        api_key=API_KEY,
        webhook_secret=SECRET,
        webhook_url=receiver[1],
        delivery_attempts=ATTEMPTS,
        delivery_first_delay_seconds=0.05,
        expiry_sweep_seconds=0.2,
    )
    async with (
        served(create_app(settings), port) as url,
        httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}) as client,
    ):
        yield client


def order(**changes: Any) -> dict[str, Any]:
    return {
        "reference": f"pay_{secrets.token_hex(6)}",
        "amount_cents": 12345,
        "currency": "EUR",
        "description": "Bolletta n. 2026/000123",
        "method": "card",
        "notice_number": None,
        "success_url": "http://127.0.0.1:8000/pagato",
        "cancel_url": "http://127.0.0.1:8000/non-pagato",
        "expires_at": (datetime.now(UTC) + timedelta(minutes=30)).isoformat(),
        **changes,
    }


async def open_checkout(sandbox: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    body = order(**changes)
    answer = await sandbox.post(
        "/v1/checkouts", json=body, headers={"Idempotency-Key": body["reference"]}
    )
    assert answer.status_code == 201, answer.text
    checkout: dict[str, Any] = answer.json()
    return checkout


def signed(secret: str, headers: dict[str, str], body: str) -> bool:
    """Standard Webhooks' check, written here from the specification."""
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
    digest = hmac.new(secret.encode(), content, hashlib.sha256).digest()
    return headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()


async def webhooks(receiver: Receiver, reference: str, count: int = 1) -> list[Received]:
    async def arrived() -> list[Received] | None:
        got = receiver.of(reference)
        return got if len(got) >= count else None

    return await eventually(arrived, seconds=10, what=f"{count} webhooks for {reference}")


async def deliveries(sandbox: httpx.AsyncClient, checkout_id: str) -> list[dict[str, Any]]:
    answer = await sandbox.get(f"/v1/checkouts/{checkout_id}/deliveries")
    assert answer.status_code == 200
    found: list[dict[str, Any]] = answer.json()["deliveries"]
    return found


async def test_the_same_idempotency_key_and_body_give_the_same_checkout(
    sandbox: httpx.AsyncClient,
) -> None:
    body = order(method="pagopa", notice_number="301000000000012345")
    key = {"Idempotency-Key": body["reference"]}
    first = await sandbox.post("/v1/checkouts", json=body, headers=key)
    again = await sandbox.post("/v1/checkouts", json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    checkout = first.json()
    assert checkout["id"].startswith("chk_")
    assert checkout["url"] == f"{sandbox.base_url}/checkout/{checkout['id']}"
    assert (checkout["status"], checkout["reference"]) == ("open", body["reference"])
    assert checkout["amount_cents"] == 12345
    shown = await sandbox.get(f"/v1/checkouts/{checkout['id']}")
    assert shown.json()["status"] == "open"
    other = await sandbox.post("/v1/checkouts", json=order(), headers={"Idempotency-Key": "x1"})
    assert other.json()["id"] != checkout["id"]


async def test_checkouts_are_listed_by_the_merchant_s_reference(
    sandbox: httpx.AsyncClient,
) -> None:
    mine = await open_checkout(sandbox)
    await open_checkout(sandbox)  # another reference
    listed = await sandbox.get("/v1/checkouts", params={"reference": mine["reference"]})
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["checkouts"]] == [mine["id"]]
    none = await sandbox.get("/v1/checkouts", params={"reference": "PAY-NOBODY"})
    assert none.json()["checkouts"] == []
    assert (await sandbox.get("/v1/checkouts")).status_code == 422


async def test_the_same_key_with_another_body_is_a_conflict(sandbox: httpx.AsyncClient) -> None:
    body = order()
    key = {"Idempotency-Key": body["reference"]}
    first = await sandbox.post("/v1/checkouts", json=body, headers=key)
    changed = await sandbox.post("/v1/checkouts", json={**body, "amount_cents": 1}, headers=key)
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "idempotency_conflict"
    shown = await sandbox.get(f"/v1/checkouts/{first.json()['id']}")
    assert shown.json()["amount_cents"] == 12345


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-key", f"Basic {API_KEY}"])
async def test_a_missing_or_wrong_api_key_is_refused(
    sandbox: httpx.AsyncClient, authorization: str | None
) -> None:
    checkout = await open_checkout(sandbox)
    headers = {"Authorization": authorization} if authorization else {}
    async with httpx.AsyncClient(base_url=str(sandbox.base_url), headers=headers) as stranger:
        created = await stranger.post("/v1/checkouts", json=order())
        shown = await stranger.get(f"/v1/checkouts/{checkout['id']}")
        listed = await stranger.get(f"/v1/checkouts/{checkout['id']}/deliveries")
        resent = await stranger.post(f"/v1/checkouts/{checkout['id']}/resend")
    assert [a.status_code for a in (created, shown, listed, resent)] == [401] * 4
    assert created.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "changes",
    [
        {"amount_cents": "12345"},
        {"amount_cents": 0},
        {"currency": "USD"},
        {"method": "bonifico"},
        {"method": "pagopa", "notice_number": None},
        {"notice_number": "12345"},
        {"expires_at": "2030-01-01T10:00:00"},  # no time zone
        {"expires_at": "2020-01-01T10:00:00+00:00"},  # already past
        {"success_url": "javascript:alert(1)"},
        {"discount": 100},
    ],
)
async def test_a_bad_body_is_refused(sandbox: httpx.AsyncClient, changes: dict[str, Any]) -> None:
    answer = await sandbox.post("/v1/checkouts", json=order(**changes))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"


async def test_a_body_that_is_not_json_is_refused(sandbox: httpx.AsyncClient) -> None:
    answer = await sandbox.post("/v1/checkouts", content=b"reference=pay_1")
    assert answer.status_code == 422


async def test_paying_goes_to_the_success_page_and_sends_a_signed_webhook(
    sandbox: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    checkout = await open_checkout(sandbox)
    page = await sandbox.get(checkout["url"])
    assert page.status_code == 200
    for shown in ("123,45 €", "Bolletta n. 2026/000123", "Carta di pagamento", "Paga"):
        assert shown in page.text
    for action in ("pay", "fail", "cancel"):
        assert f'action="/checkout/{checkout["id"]}/{action}"' in page.text

    paid = await sandbox.post(f"{checkout['url']}/pay")
    assert paid.status_code == 303
    assert paid.headers["location"] == "http://127.0.0.1:8000/pagato"

    (webhook,) = await webhooks(receiver[0], checkout["reference"])
    assert signed(SECRET, webhook.headers, webhook.body)
    assert webhook.headers["webhook-id"].startswith("msg_")
    assert abs(int(webhook.headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 10
    event = webhook.event
    assert event["type"] == "checkout.succeeded"
    data = event["data"]
    assert data["id"] == checkout["id"]
    assert (data["amount_cents"], data["currency"], data["method"]) == (12345, "EUR", "card")
    assert (data["status"], data["failure_reason"]) == ("succeeded", None)
    assert datetime.fromisoformat(data["paid_at"]) <= datetime.now(UTC)
    shown = (await sandbox.get(f"/v1/checkouts/{checkout['id']}")).json()
    assert (shown["status"], shown["paid_at"]) == ("succeeded", data["paid_at"])

    # It ended: its page and its buttons say so, and nothing more is sent.
    assert (await sandbox.get(checkout["url"])).status_code == 409
    for action in ("pay", "fail", "cancel"):
        again = await sandbox.post(f"{checkout['url']}/{action}")
        assert again.status_code == 409
        assert "già stato pagato" in again.text
    await asyncio.sleep(0.3)
    assert len(receiver[0].of(checkout["reference"])) == 1


@pytest.mark.parametrize(
    ("button", "status", "reason"),
    [("fail", "failed", "carta rifiutata"), ("cancel", "expired", None)],
)
async def test_a_refused_or_abandoned_payment_goes_to_the_cancel_page_and_says_so(
    sandbox: httpx.AsyncClient,
    receiver: tuple[Receiver, str],
    button: str,
    status: str,
    reason: str | None,
) -> None:
    checkout = await open_checkout(sandbox)
    answer = await sandbox.post(f"{checkout['url']}/{button}")
    assert answer.status_code == 303
    assert answer.headers["location"] == "http://127.0.0.1:8000/non-pagato"
    (webhook,) = await webhooks(receiver[0], checkout["reference"])
    assert signed(SECRET, webhook.headers, webhook.body)
    assert webhook.event["type"] == f"checkout.{status}"
    data = webhook.event["data"]
    assert (data["status"], data["failure_reason"], data["paid_at"]) == (status, reason, None)
    shown = (await sandbox.get(f"/v1/checkouts/{checkout['id']}")).json()
    assert (shown["status"], shown["failure_reason"]) == (status, reason)
    assert (await sandbox.post(f"{checkout['url']}/pay")).status_code == 409


async def test_an_unknown_checkout_has_no_page(sandbox: httpx.AsyncClient) -> None:
    assert (await sandbox.get("/checkout/chk_nope")).status_code == 404
    assert (await sandbox.post("/checkout/chk_nope/pay")).status_code == 404
    assert (await sandbox.get("/v1/checkouts/chk_nope")).status_code == 404


async def test_a_webhook_is_sent_again_until_the_receiver_takes_it(
    sandbox: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    checkout = await open_checkout(sandbox)
    receiver[0].scripts[checkout["reference"]] = [503, 500, 429]
    await sandbox.post(f"{checkout['url']}/pay")
    sent = await webhooks(receiver[0], checkout["reference"], count=4)
    assert len({w.headers["webhook-id"] for w in sent}) == 1  # one event, delivered again
    assert len({w.body for w in sent}) == 1
    assert all(signed(SECRET, w.headers, w.body) for w in sent)
    attempts = await deliveries(sandbox, checkout["id"])
    assert [(a["attempt"], a["status_code"], a["outcome"]) for a in attempts] == [
        (1, 503, "will_retry"),
        (2, 500, "will_retry"),
        (3, 429, "will_retry"),
        (4, 204, "delivered"),
    ]
    # Growing pauses: 0.05, 0.1, 0.2 s.
    times = [datetime.fromisoformat(a["at"]) for a in attempts]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps[0] >= 0.05
    assert gaps[2] >= 0.2


async def test_a_receiver_that_never_takes_it_is_given_up_on_after_the_last_attempt(
    sandbox: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    checkout = await open_checkout(sandbox)
    receiver[0].scripts[checkout["reference"]] = [503] * 10
    await sandbox.post(f"{checkout['url']}/fail")
    await webhooks(receiver[0], checkout["reference"], count=ATTEMPTS)
    await asyncio.sleep(0.8)  # longer than the next pause would be
    assert len(receiver[0].of(checkout["reference"])) == ATTEMPTS
    attempts = await deliveries(sandbox, checkout["id"])
    assert [a["outcome"] for a in attempts] == ["will_retry"] * (ATTEMPTS - 1) + ["gave_up"]


@pytest.mark.parametrize("refusal", [400, 401, 404, 422])
async def test_a_receiver_refusing_the_event_is_not_sent_it_again(
    sandbox: httpx.AsyncClient, receiver: tuple[Receiver, str], refusal: int
) -> None:
    checkout = await open_checkout(sandbox)
    receiver[0].scripts[checkout["reference"]] = [refusal]
    await sandbox.post(f"{checkout['url']}/pay")
    await webhooks(receiver[0], checkout["reference"])
    await asyncio.sleep(0.3)  # the first pause is 0.05 s: a retry would have come
    assert len(receiver[0].of(checkout["reference"])) == 1
    attempts = await deliveries(sandbox, checkout["id"])
    assert [(a["status_code"], a["outcome"]) for a in attempts] == [(refusal, "refused")]


async def test_an_open_checkout_past_its_expiry_expires_by_itself_and_says_so(
    sandbox: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    expires_at = datetime.now(UTC) + timedelta(seconds=1)
    checkout = await open_checkout(sandbox, expires_at=expires_at.isoformat())
    (webhook,) = await webhooks(receiver[0], checkout["reference"])  # no read: the sweep did it
    assert webhook.event["type"] == "checkout.expired"
    assert datetime.fromisoformat(webhook.event["timestamp"]) >= expires_at
    shown = (await sandbox.get(f"/v1/checkouts/{checkout['id']}")).json()
    assert shown["status"] == "expired"
    page = await sandbox.get(checkout["url"])
    assert page.status_code == 409
    assert "scaduto" in page.text


async def test_resend_delivers_the_same_event_again(
    sandbox: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    checkout = await open_checkout(sandbox)
    early = await sandbox.post(f"/v1/checkouts/{checkout['id']}/resend")
    assert early.status_code == 409  # open: nothing was sent yet
    await sandbox.post(f"{checkout['url']}/pay")
    (first,) = await webhooks(receiver[0], checkout["reference"])
    resent = await sandbox.post(f"/v1/checkouts/{checkout['id']}/resend")
    assert resent.status_code == 202
    assert resent.json()["webhook_id"] == first.headers["webhook-id"]
    first, again = await webhooks(receiver[0], checkout["reference"], count=2)
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert again.body == first.body
    assert signed(SECRET, again.headers, again.body)
