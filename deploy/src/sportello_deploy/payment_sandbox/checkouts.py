"""Checkouts: what a merchant asks for, their states, and the in-memory book that keeps them.

A checkout opens on request and ends once: paid (`succeeded`), refused (`failed`), or abandoned
or past its expiry (`expired`). Each ending is one event, the webhook sent about it.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Status = Literal["open", "succeeded", "failed", "expired"]
Ending = Literal["succeeded", "failed", "expired"]
Method = Literal["card", "pagopa"]

FAILURE_REASONS: dict[Method, str] = {
    "card": "carta rifiutata",
    "pagopa": "pagamento rifiutato dal prestatore di servizi di pagamento",
}


class CheckoutRequest(BaseModel):
    """The body of `POST /v1/checkouts`. Unknown fields are refused, as real providers do:
    a merchant's typo must not pass silently."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    reference: str = Field(min_length=1, max_length=100)
    amount_cents: int = Field(gt=0, le=100_000_000)
    currency: Literal["EUR"]
    description: str = Field(min_length=1, max_length=200)
    method: Method
    # pagoPA pays a notice: its 18-digit number is required with that method.
    notice_number: str | None = Field(None, pattern=r"^[0-9]{18}$")
    success_url: str = Field(pattern=r"^https?://", max_length=2000)
    cancel_url: str = Field(pattern=r"^https?://", max_length=2000)
    expires_at: AwareDatetime

    @model_validator(mode="after")
    def _pagopa_pays_a_notice(self) -> Self:
        if self.method == "pagopa" and self.notice_number is None:
            raise ValueError("notice_number is required with method pagopa")
        return self


class IdempotencyConflict(Exception):
    """The same idempotency key came with another request."""


class AlreadyExpired(Exception):
    """A new checkout asked to expire before it would even open."""


class NotOpen(Exception):
    def __init__(self, checkout: "Checkout") -> None:
        super().__init__(f"checkout {checkout.id} is {checkout.status}")
        self.checkout = checkout


@dataclass
class Checkout:
    id: str
    request: CheckoutRequest
    created_at: datetime
    status: Status = "open"
    ended_at: datetime | None = None
    paid_at: datetime | None = None
    failure_reason: str | None = None

    def is_due(self, now: datetime) -> bool:
        return self.status == "open" and now >= self.request.expires_at

    def end(self, how: Ending, now: datetime) -> None:
        """Close it (once): `NotOpen` if it already ended."""
        if self.status != "open":
            raise NotOpen(self)
        self.status, self.ended_at = how, now
        if how == "succeeded":
            self.paid_at = now
        elif how == "failed":
            self.failure_reason = FAILURE_REASONS[self.request.method]


class CheckoutBook:
    """Every checkout of this run, by id and by idempotency key.

    Its methods do not await: in one event loop each runs whole, so two requests racing with
    the same key cannot both open a checkout.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, Checkout] = {}
        self._by_key: dict[str, str] = {}

    def open(
        self, request: CheckoutRequest, key: str | None, now: datetime
    ) -> tuple[Checkout, bool]:
        """The checkout for `request` and whether it is new: the one already opened with `key`
        if any (`IdempotencyConflict` if that was for another request)."""
        if key is not None and key in self._by_key:
            existing = self._by_id[self._by_key[key]]
            if existing.request != request:
                raise IdempotencyConflict(key)
            return existing, False
        if request.expires_at <= now:
            raise AlreadyExpired(request.expires_at.isoformat())
        checkout = Checkout(f"chk_{secrets.token_hex(12)}", request, now)
        self._by_id[checkout.id] = checkout
        if key is not None:
            self._by_key[key] = checkout.id
        return checkout, True

    def get(self, checkout_id: str) -> Checkout | None:
        return self._by_id.get(checkout_id)

    def with_reference(self, reference: str) -> list[Checkout]:
        """Every checkout opened for the merchant's `reference`, oldest first."""
        return [c for c in self._by_id.values() if c.request.reference == reference]

    def due(self, now: datetime) -> list[Checkout]:
        return [c for c in self._by_id.values() if c.is_due(now)]
