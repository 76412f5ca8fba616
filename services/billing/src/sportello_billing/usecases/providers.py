"""What billing needs of a payment provider: a hosted checkout, and its signed callbacks.

`adapters.hosted_checkout.HostedCheckout` is the one implementation: a provider's HTTP API
(the sandbox in the local run and the tests, a real one in production) with callbacks signed
as Standard Webhooks sign them.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from sportello_contracts.bills import OnlineMethod

CallbackKind = Literal["succeeded", "failed", "expired"]


@dataclass(frozen=True)
class CheckoutOrder:
    """What to ask the provider for: `payment_id` is also the idempotency key, so asking
    again for the same payment gives the same checkout."""

    payment_id: str
    amount_cents: int
    description: str
    method: OnlineMethod
    notice_number: str | None  # pagoPA: the notice being paid
    success_url: str
    cancel_url: str
    expires_at: datetime


@dataclass(frozen=True)
class Checkout:
    provider_reference: str  # the provider's id of the checkout
    url: str  # where to send the user
    expires_at: datetime


@dataclass(frozen=True)
class CallbackEvent:
    """A callback whose signature and timestamp were verified."""

    event_id: str  # the `webhook-id`: the same event delivered again has the same one
    kind: CallbackKind
    provider_reference: str
    payment_id: str  # the checkout's `reference`: what billing gave it
    amount_cents: int
    currency: str
    method: str
    at: datetime  # when it succeeded, failed or expired
    failure_reason: str | None = None


class CallbackRejected(Exception):
    """A callback that is not the provider's, or not now: never applied."""

    def __init__(self, reason: Literal["signature", "stale", "malformed"], detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class ProviderUnavailable(Exception):
    """The provider did not answer, or refused the request: try again later."""


class PaymentProvider(Protocol):
    name: str

    async def create_checkout(self, order: CheckoutOrder) -> Checkout:
        """A hosted checkout for the order (the same one for the same `payment_id`).
        Raises `ProviderUnavailable`."""
        ...

    def verify_callback(
        self,
        body: str,
        webhook_id: str | None,
        webhook_timestamp: str | None,
        webhook_signature: str | None,
        now: datetime,
    ) -> CallbackEvent:
        """The event, if signed with this provider's secret and sent within the tolerance of
        `now`; else raises `CallbackRejected`."""
        ...
