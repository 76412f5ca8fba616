"""A payment provider's hosted checkout over HTTP, and its callbacks signed as Standard Webhooks.

The protocol (the sandbox, `sportello_deploy.payment_sandbox`, speaks it in the local run and
the tests): `POST {base}/v1/checkouts` with `Authorization: Bearer <api key>` and
`Idempotency-Key: <payment id>` opens a checkout (asking again with the same key gives the same
one), whose `url` the customer pays at; the provider then calls back with
`{"type": "checkout.succeeded|failed|expired", "timestamp", "data": {...}}` and the headers
`webhook-id`, `webhook-timestamp`, `webhook-signature` (https://www.standardwebhooks.com).

The signing key is the secret's UTF-8 bytes as given; a Standard Webhooks `whsec_<base64>`
secret is the bytes it encodes, as that specification says, so a real provider's works too.
"""

import base64
import binascii
import hashlib
import hmac
import logging
import re
from datetime import UTC, datetime
from typing import Literal

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, ValidationError

from sportello_billing.settings import BillingSettings
from sportello_billing.usecases.providers import (
    CallbackEvent,
    CallbackKind,
    CallbackRejected,
    Checkout,
    CheckoutOrder,
    ProviderUnavailable,
)

log = logging.getLogger(__name__)

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_MAX_WEBHOOK_ID = 256


class _CheckoutAnswer(BaseModel):
    """What the provider answers about a checkout; what billing does not use is ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1, max_length=200)
    url: str = Field(pattern=r"^https?://", max_length=2000)
    status: str
    expires_at: AwareDatetime
    reference: str
    amount_cents: StrictInt


class _CallbackData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    id: str = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=200)
    amount_cents: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    method: str = Field(min_length=1, max_length=30)
    status: CallbackKind
    paid_at: AwareDatetime | None = None
    failure_reason: str | None = Field(None, max_length=500)


class _Callback(BaseModel):
    """A callback's body, parsed strictly: an unknown type, a missing field or a field of the
    wrong type is refused, never guessed at. Fields the provider adds later are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    type: Literal["checkout.succeeded", "checkout.failed", "checkout.expired"]
    timestamp: AwareDatetime
    data: _CallbackData


def signing_key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except binascii.Error:
            pass  # not base64 after all: the string itself, as any other secret
    return secret.encode()


def expected_signature(key: bytes, webhook_id: str, timestamp: str, body: str) -> bytes:
    signed = f"{webhook_id}.{timestamp}.{body}".encode()
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())


class HostedCheckout:
    """`PaymentProvider` over a provider's HTTP API. Call `aclose()` when done with it."""

    def __init__(
        self,
        name: str,
        base_url: str,
        api_key: str,
        webhook_secret: str,
        timeout_seconds: float = 5.0,
        callback_tolerance_seconds: int = 300,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._key = signing_key(webhook_secret)
        self._timeout = timeout_seconds
        self._tolerance = callback_tolerance_seconds
        self._client = client
        self._owns_client = client is None

    def __repr__(self) -> str:  # never the key or the secret
        return f"HostedCheckout(name={self.name!r}, base_url={self.base_url!r})"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:  # made on first use: constructing this does no I/O
            self._client = httpx.AsyncClient(timeout=self._timeout)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    async def create_checkout(self, order: CheckoutOrder) -> Checkout:
        body = {
            "reference": order.payment_id,
            "amount_cents": order.amount_cents,
            "currency": "EUR",
            "description": order.description,
            "method": order.method,
            "notice_number": order.notice_number,
            "success_url": order.success_url,
            "cancel_url": order.cancel_url,
            "expires_at": order.expires_at.isoformat(),
        }
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Idempotency-Key": order.payment_id,
        }
        try:
            answer = await self._http().post(
                f"{self.base_url}/v1/checkouts", json=body, headers=headers, timeout=self._timeout
            )
        except httpx.HTTPError as error:  # timeouts, refused connections, broken answers
            raise ProviderUnavailable(
                f"{self.name} did not answer ({type(error).__name__})"
            ) from None
        if answer.status_code in (200, 201):
            return self._checkout_of(answer, order)
        if answer.status_code == 429 or answer.status_code >= 500:
            raise ProviderUnavailable(f"{self.name} is unavailable ({answer.status_code})")
        # Any other answer is a request the provider will refuse however often it is sent
        # (a wrong key, a body it does not take): a bug or a misconfiguration, not an outage.
        log.error(
            "%s refused the checkout of payment %s: %s %s",
            self.name,
            order.payment_id,
            answer.status_code,
            answer.text[:300].replace(self._api_key, "***"),  # were it echoed back
        )
        raise ProviderUnavailable(f"{self.name} refused the checkout ({answer.status_code})")

    def _checkout_of(self, answer: httpx.Response, order: CheckoutOrder) -> Checkout:
        try:
            checkout = _CheckoutAnswer.model_validate_json(answer.content)
        except ValidationError as error:
            log.error("%s answered a checkout billing cannot read: %s", self.name, error)
            raise ProviderUnavailable(f"{self.name} answered an unreadable checkout") from None
        if (checkout.reference, checkout.amount_cents) != (order.payment_id, order.amount_cents):
            # Never send a customer to pay something other than what was asked.
            log.error(
                "%s answered checkout %s for %s of %s cents, asked for %s of %s cents",
                self.name,
                checkout.id,
                checkout.reference,
                checkout.amount_cents,
                order.payment_id,
                order.amount_cents,
            )
            raise ProviderUnavailable(f"{self.name} answered another checkout")
        return Checkout(checkout.id, checkout.url, checkout.expires_at)

    def verify_callback(
        self,
        body: str,
        webhook_id: str | None,
        webhook_timestamp: str | None,
        webhook_signature: str | None,
        now: datetime,
    ) -> CallbackEvent:
        if not webhook_id or not webhook_timestamp or not webhook_signature:
            raise CallbackRejected("signature", "webhook-id, -timestamp or -signature missing")
        if len(webhook_id) > _MAX_WEBHOOK_ID or not _TIMESTAMP.fullmatch(webhook_timestamp):
            raise CallbackRejected("malformed", "webhook-id or webhook-timestamp malformed")
        # The signature first: a stale callback is then known to be a genuine one replayed,
        # and a forged one is called forged whatever its timestamp.
        if not self._signed(body, webhook_id, webhook_timestamp, webhook_signature):
            raise CallbackRejected("signature", f"no valid signature on {webhook_id}")
        drift = now.timestamp() - int(webhook_timestamp)
        if abs(drift) > self._tolerance:
            when = "ago" if drift > 0 else "ahead"
            raise CallbackRejected("stale", f"{webhook_id} signed {abs(drift):.0f} s {when}")
        try:
            callback = _Callback.model_validate_json(body)
        except ValidationError as error:
            fields = ", ".join(".".join(map(str, e["loc"])) or "body" for e in error.errors())
            raise CallbackRejected("malformed", f"{webhook_id}: {fields}") from None
        return self._event_of(webhook_id, callback)

    def _signed(self, body: str, webhook_id: str, timestamp: str, signatures: str) -> bool:
        """Whether one of the space-separated `v1,<base64>` signatures is ours (several are
        sent while a provider rotates its secret; other versions are not ours to check)."""
        expected = expected_signature(self._key, webhook_id, timestamp, body)
        found = False
        for candidate in signatures.split():
            version, _, value = candidate.partition(",")
            # Every candidate is compared, in constant time: how many were tried says nothing.
            if version == "v1" and hmac.compare_digest(value.encode(), expected):
                found = True
        return found

    @staticmethod
    def _event_of(webhook_id: str, callback: _Callback) -> CallbackEvent:
        data = callback.data
        kind = callback.type.removeprefix("checkout.")
        if data.status != kind:
            raise CallbackRejected("malformed", f"{webhook_id}: {callback.type} of a {data.status}")
        at = data.paid_at or callback.timestamp
        return CallbackEvent(
            event_id=webhook_id,
            kind=data.status,
            provider_reference=data.id,
            payment_id=data.reference,
            amount_cents=data.amount_cents,
            currency=data.currency,
            method=data.method,
            at=at.astimezone(UTC),
            failure_reason=data.failure_reason,
        )


def from_settings(settings: BillingSettings) -> HostedCheckout:
    return HostedCheckout(
        name=settings.payments_provider,
        base_url=settings.payments_provider_url,
        api_key=settings.payments_provider_api_key,
        webhook_secret=settings.payments_webhook_secret,
        timeout_seconds=settings.payments_provider_timeout_seconds,
        callback_tolerance_seconds=settings.payments_callback_tolerance_seconds,
    )
