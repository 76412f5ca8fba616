"""The sandbox's HTTP surface: the merchant's API (`/v1`, with its API key) and the checkout pages.

POST /v1/checkouts                   open one (Idempotency-Key: the same one back, 200)
GET  /v1/checkouts?reference=R        the checkouts opened for a reference of the merchant's
GET  /v1/checkouts/{id}              its status: open, succeeded, failed, expired
GET  /v1/checkouts/{id}/deliveries   every attempt to deliver its webhooks
POST /v1/checkouts/{id}/resend       deliver its last webhook again (for tests of replays)
GET  /checkout/{id}                  the page the customer pays on
POST /checkout/{id}/pay | fail | cancel   its three buttons; 303 to the merchant's page
GET  /health
"""

import asyncio
import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sportello_deploy.payment_sandbox.checkouts import (
    AlreadyExpired,
    Checkout,
    CheckoutRequest,
    Ending,
    IdempotencyConflict,
    NotOpen,
)
from sportello_deploy.payment_sandbox.pages import checkout_page, not_found_page, not_open_page
from sportello_deploy.payment_sandbox.provider import Provider, utc_now
from sportello_deploy.payment_sandbox.settings import SandboxSettings
from sportello_deploy.payment_sandbox.webhooks import Deliveries

MAX_IDEMPOTENCY_KEY = 255


def _error(status: int, code: str, message: str, **more: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        {"error": {"code": code, "message": message, **more}}, status, headers=headers
    )


def _public(checkout: Checkout, settings: SandboxSettings) -> dict[str, Any]:
    request = checkout.request
    return {
        "id": checkout.id,
        "url": f"{settings.public_base}/checkout/{checkout.id}",
        "status": checkout.status,
        "reference": request.reference,
        "amount_cents": request.amount_cents,
        "currency": request.currency,
        "description": request.description,
        "method": request.method,
        "notice_number": request.notice_number,
        "expires_at": request.expires_at.isoformat(),
        "created_at": checkout.created_at.isoformat(),
        "paid_at": checkout.paid_at.isoformat() if checkout.paid_at else None,
        "failure_reason": checkout.failure_reason,
    }


class Api:
    """The routes, over one provider (set when the app starts) and the settings."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.provider: Provider | None = None

    @property
    def _provider(self) -> Provider:
        assert self.provider is not None, "the app has not started"
        return self.provider

    def _authorized(self, request: Request) -> bool:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        expected = self.settings.api_key.encode()
        return scheme.lower() == "bearer" and hmac.compare_digest(key.strip().encode(), expected)

    def _unauthorized(self) -> JSONResponse:
        return _error(401, "unauthorized", "a valid API key is required (Authorization: Bearer)")

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def create(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        key = request.headers.get("idempotency-key")
        if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
            return _error(422, "invalid_request", "Idempotency-Key must be 1-255 characters")
        try:
            order = CheckoutRequest.model_validate_json(await request.body())
        except ValidationError as error:
            errors = [
                {"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in error.errors()
            ]
            return _error(422, "invalid_request", "the checkout request is invalid", errors=errors)
        try:
            checkout, new = self._provider.book.open(order, key, self._provider.clock())
        except IdempotencyConflict:
            return _error(
                409, "idempotency_conflict", "this Idempotency-Key was used for another request"
            )
        except AlreadyExpired:
            return _error(422, "invalid_request", "expires_at must be in the future")
        return JSONResponse(_public(checkout, self.settings), 201 if new else 200)

    async def listed(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        reference = request.query_params.get("reference", "")
        if not 1 <= len(reference) <= 200:
            return _error(422, "invalid_request", "reference is required (1-200 characters)")
        self._provider.expire_due()
        found = self._provider.book.with_reference(reference)
        return JSONResponse({"checkouts": [_public(c, self.settings) for c in found]})

    async def show(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        checkout = self._provider.current(request.path_params["checkout_id"])
        if checkout is None:
            return _error(404, "not_found", "no such checkout")
        return JSONResponse(_public(checkout, self.settings))

    async def deliveries(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        checkout = self._provider.current(request.path_params["checkout_id"])
        if checkout is None:
            return _error(404, "not_found", "no such checkout")
        attempts = self._provider.deliveries.attempts(checkout.id)
        return JSONResponse({"checkout_id": checkout.id, "deliveries": attempts})

    async def resend(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        checkout = self._provider.current(request.path_params["checkout_id"])
        if checkout is None:
            return _error(404, "not_found", "no such checkout")
        event = self._provider.resend(checkout)
        if event is None:
            return _error(409, "still_open", "the checkout is open: no webhook was sent yet")
        return JSONResponse({"webhook_id": event.webhook_id, "type": event.type}, 202)

    async def page(self, request: Request) -> Response:
        checkout = self._provider.current(request.path_params["checkout_id"])
        if checkout is None:
            return HTMLResponse(not_found_page(), 404)
        if checkout.status != "open":
            return HTMLResponse(not_open_page(checkout.status), 409)
        return HTMLResponse(checkout_page(checkout))

    def button(self, how: Ending) -> Callable[[Request], Any]:
        """A button's form post (no fields: nothing to parse). Paid: to the merchant's
        success page; refused or abandoned: to its cancel page."""

        async def press(request: Request) -> Response:
            checkout = self._provider.current(request.path_params["checkout_id"])
            if checkout is None:
                return HTMLResponse(not_found_page(), 404)
            try:
                self._provider.end(checkout, how)
            except NotOpen:
                return HTMLResponse(not_open_page(checkout.status), 409)
            order = checkout.request
            back = order.success_url if how == "succeeded" else order.cancel_url
            return RedirectResponse(back, 303)

        return press


def create_app(
    settings: SandboxSettings | None = None, clock: Callable[[], datetime] = utc_now
) -> Starlette:
    settings = settings or SandboxSettings()
    api = Api(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient() as client:
            deliveries = Deliveries(settings, client, clock)
            api.provider = Provider(deliveries, clock)
            sweeper = asyncio.create_task(api.provider.sweep(settings.expiry_sweep_seconds))
            try:
                yield
            finally:
                sweeper.cancel()
                await deliveries.aclose()

    checkout = "/checkout/{checkout_id}"
    routes = [
        Route("/health", api.health),
        Route("/v1/checkouts", api.create, methods=["POST"]),
        Route("/v1/checkouts", api.listed, methods=["GET"]),
        Route("/v1/checkouts/{checkout_id}", api.show),
        Route("/v1/checkouts/{checkout_id}/deliveries", api.deliveries),
        Route("/v1/checkouts/{checkout_id}/resend", api.resend, methods=["POST"]),
        Route(checkout, api.page),
        Route(f"{checkout}/pay", api.button("succeeded"), methods=["POST"]),
        Route(f"{checkout}/fail", api.button("failed"), methods=["POST"]),
        Route(f"{checkout}/cancel", api.button("expired"), methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
