"""Webhooks: the event a checkout's ending makes, signed as Standard Webhooks sign, delivered
until the receiver takes it.

https://www.standardwebhooks.com: headers `webhook-id` (the same on every delivery of one event,
so the receiver can drop a repeat), `webhook-timestamp` (unix seconds of this attempt) and
`webhook-signature` = `v1,` + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")). The key is
the secret setting's plain UTF-8 bytes (simpler to configure on both sides); only a secret
written the Standard Webhooks way, `whsec_<base64>`, is the bytes it encodes.
"""

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Literal

import httpx

from sportello_deploy.payment_sandbox.checkouts import Checkout
from sportello_deploy.payment_sandbox.settings import SandboxSettings

log = logging.getLogger(__name__)

# Answers after which sending again may help: the receiver was busy or timed out. Any other 4xx
# is the receiver refusing this event (a bad signature, an unknown payment): final.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})

Outcome = Literal["delivered", "will_retry", "refused", "gave_up"]


def signing_key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        with contextlib.suppress(binascii.Error):
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    return secret.encode()


def signature(secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    signed = f"{webhook_id}.{timestamp}.{body}".encode()
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Event:
    """One checkout's ending, as sent: the body is serialised once, so every delivery (and its
    signature) carries the same bytes."""

    webhook_id: str
    type: str
    body: str


def event_of(checkout: Checkout) -> Event:
    assert checkout.ended_at is not None, "an open checkout has no event"
    payload = {
        "type": f"checkout.{checkout.status}",
        "timestamp": checkout.ended_at.isoformat(),
        "data": {
            "id": checkout.id,
            "reference": checkout.request.reference,
            "amount_cents": checkout.request.amount_cents,
            "currency": checkout.request.currency,
            "method": checkout.request.method,
            "status": checkout.status,
            "paid_at": checkout.paid_at.isoformat() if checkout.paid_at else None,
            "failure_reason": checkout.failure_reason,
        },
    }
    return Event(f"msg_{secrets.token_hex(12)}", str(payload["type"]), json.dumps(payload))


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt, as `GET /v1/checkouts/{id}/deliveries` lists it."""

    webhook_id: str
    type: str
    attempt: int
    at: str
    outcome: Outcome
    status_code: int | None = None
    error: str | None = None


class Deliveries:
    """Sends events in the background, retrying with growing pauses, and logs every attempt."""

    def __init__(
        self,
        settings: SandboxSettings,
        client: httpx.AsyncClient,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._client = client
        self._clock = clock
        self._log: dict[str, list[Attempt]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, checkout_id: str, event: Event) -> None:
        task = asyncio.create_task(self._deliver(checkout_id, event))
        self._tasks.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._tasks.discard)

    def attempts(self, checkout_id: str) -> list[dict[str, object]]:
        return [asdict(a) for a in self._log.get(checkout_id, [])]

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _pause(self, attempt: int) -> float:
        first = self._settings.delivery_first_delay_seconds
        return float(min(self._settings.delivery_longest_delay_seconds, first * 2 ** (attempt - 1)))

    async def _deliver(self, checkout_id: str, event: Event) -> None:
        attempts = self._settings.delivery_attempts
        for attempt in range(1, attempts + 1):
            status_code, error = await self._post(event)
            if status_code is not None and 200 <= status_code < 300:
                outcome: Outcome = "delivered"
            elif (
                status_code is not None
                and 400 <= status_code < 500
                and status_code not in RETRYABLE_CLIENT_ERRORS
            ):
                outcome = "refused"
                log.warning(
                    "the receiver refused webhook %s (%s of %s) with %s: not sent again",
                    event.webhook_id,
                    event.type,
                    checkout_id,
                    status_code,
                )
            else:
                outcome = "will_retry" if attempt < attempts else "gave_up"
            self._record(checkout_id, event, attempt, outcome, status_code, error)
            if outcome != "will_retry":
                if outcome == "gave_up":
                    log.error(
                        "webhook %s (%s of %s) not delivered after %s attempts",
                        event.webhook_id,
                        event.type,
                        checkout_id,
                        attempts,
                    )
                return
            await asyncio.sleep(self._pause(attempt))

    async def _post(self, event: Event) -> tuple[int | None, str | None]:
        timestamp = int(self._clock().timestamp())  # each attempt is signed anew
        headers = {
            "content-type": "application/json",
            "webhook-id": event.webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(
                self._settings.webhook_secret, event.webhook_id, timestamp, event.body
            ),
        }
        try:
            answer = await self._client.post(
                self._settings.webhook_url,
                content=event.body.encode(),
                headers=headers,
                timeout=self._settings.delivery_timeout_seconds,
            )
        except httpx.HTTPError as error:
            return None, type(error).__name__
        return answer.status_code, None

    def _record(
        self,
        checkout_id: str,
        event: Event,
        attempt: int,
        outcome: Outcome,
        status_code: int | None,
        error: str | None,
    ) -> None:
        at = self._clock().isoformat()
        entry = Attempt(event.webhook_id, event.type, attempt, at, outcome, status_code, error)
        self._log.setdefault(checkout_id, []).append(entry)
