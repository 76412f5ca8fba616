"""Every failure as RFC 9457 problem+json: typed service errors, bad input, services down.

A problem has the standard members, a stable `code`, `errors` (the fields at fault, for
`invalid_request` only) and `details`: whatever else the service said, kept apart so that it can
never replace a standard member. 429 and 503 always say when to try again (`Retry-After`).
"""

import logging
import math
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from sportello_contracts.rpc import RETRY_AFTER, ErrorKind
from sportello_gateway.bus import ServiceRefused, ServiceUnavailable
from sportello_gateway.request_id import HEADER as REQUEST_ID_HEADER
from sportello_kit.logs import correlation_id
from sportello_kit.middleware import describe

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"

STATUS_OF: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.TOO_MANY: 429,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.INTERNAL: 500,
}

# When to try again if the service did not say: a lockout lasts minutes, an outage seconds.
DEFAULT_RETRY_AFTER = {429: 30, 503: 5}
# A service's `retry_after` beyond a day is a bug there; the client is told the default.
LONGEST_RETRY_AFTER = 24 * 3600

INVALID_REQUEST = "La richiesta non è valida."
UNAVAILABLE = "Il servizio è momentaneamente non disponibile. Riprova tra poco."

# What the HTTP layer itself refuses (an unknown path, a method, a body too large), by status:
# a stable code and an Italian message rather than Starlette's English phrase.
HTTP_ERRORS: dict[int, tuple[str, str]] = {
    404: ("not_found", "La risorsa richiesta non esiste."),
    405: ("method_not_allowed", "Metodo non consentito per questa risorsa."),
    413: ("body_too_large", "Il corpo della richiesta è troppo grande."),
}


def problem(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    errors: Sequence[Mapping[str, str]] | None = None,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json answer."""
    body: dict[str, Any] = {
        "type": f"/problems/{code.replace('_', '-')}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    if errors is not None:
        body["errors"] = list(errors)
    if details:
        body["details"] = dict(details)
    answer_headers = dict(headers or {})
    if status == 401:
        answer_headers["WWW-Authenticate"] = "Bearer"
    if status in DEFAULT_RETRY_AFTER:
        answer_headers["Retry-After"] = str(retry_after(status, details))
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=answer_headers)


def retry_after(status: int, details: Mapping[str, Any] | None) -> int:
    """Whole seconds before trying again: the service's own figure when it gave a sane one."""
    given = (details or {}).get(RETRY_AFTER)
    if (
        isinstance(given, int | float)
        and not isinstance(given, bool)
        and math.isfinite(given)
        and 0 <= given <= LONGEST_RETRY_AFTER
    ):
        return math.ceil(given)
    return DEFAULT_RETRY_AFTER[status]


def invalid_request(request: Request, errors: Sequence[Mapping[str, str]]) -> JSONResponse:
    return problem(request, 422, "invalid_request", INVALID_REQUEST, errors=errors)


class Unauthenticated(Exception):
    def __init__(
        self, detail: str = "Autenticazione richiesta.", code: str = "unauthenticated"
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceRefused)
    async def refused(request: Request, error: ServiceRefused) -> JSONResponse:
        e = error.error
        return problem(request, STATUS_OF[e.kind], e.code, e.message, details=e.details)

    @app.exception_handler(ServiceUnavailable)
    async def unavailable(request: Request, error: ServiceUnavailable) -> JSONResponse:
        log.warning("service unavailable: %s", error)
        return problem(
            request, 503, "service_unavailable", UNAVAILABLE, details={"service": error.service}
        )

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, error: Unauthenticated) -> JSONResponse:
        return problem(request, 401, error.code, error.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return invalid_request(request, describe(error.errors()))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400:
            # FastAPI's only 400: a body it could not read as JSON (nested too deep, a number
            # too long). For the client that is one more malformed body, like invalid JSON.
            return invalid_request(
                request, [{"field": "body", "problem": "Il corpo non è un JSON leggibile."}]
            )
        code, detail = HTTP_ERRORS.get(
            error.status_code,
            (HTTPStatus(error.status_code).phrase.lower().replace(" ", "_"), str(error.detail)),
        )
        # Starlette's headers say what the client needs (a 405's `Allow`).
        return problem(request, error.status_code, code, detail, headers=error.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # Runs outside the request-id middleware: the id comes back from the request's state.
        request_id = getattr(request.state, "request_id", None)
        token = correlation_id.set(request_id)
        try:
            log.exception("unexpected error")
        finally:
            correlation_id.reset(token)
        headers = {REQUEST_ID_HEADER: request_id} if request_id else None
        return problem(request, 500, "internal_error", "Errore interno.", headers=headers)
