"""Every failure as RFC 9457 problem+json: typed service errors, bad input, services down."""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from sportello_contracts.rpc import ErrorKind
from sportello_gateway.bus import ServiceRefused, ServiceUnavailable
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


def problem(
    request: Request,
    status: int,
    code: str,
    detail: str,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """A problem+json answer; `extensions` add members, but never replace a standard one."""
    body: dict[str, Any] = {
        "type": f"/problems/{code.replace('_', '-')}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
    }
    for name, value in (extensions or {}).items():
        if name in body:
            # A service's details named like a standard member: a bug there, not a reason to
            # answer with a broken problem here.
            log.warning("problem %s: extension %r would replace a standard member", code, name)
            continue
        body[name] = value
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "5"}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


class Unauthenticated(Exception):
    def __init__(self, detail: str = "Autenticazione richiesta.") -> None:
        super().__init__(detail)
        self.detail = detail


def install(app: FastAPI) -> None:
    @app.exception_handler(ServiceRefused)
    async def refused(request: Request, error: ServiceRefused) -> JSONResponse:
        e = error.error
        return problem(request, STATUS_OF[e.kind], e.code, e.message, e.details)

    @app.exception_handler(ServiceUnavailable)
    async def unavailable(request: Request, error: ServiceUnavailable) -> JSONResponse:
        log.warning("service unavailable: %s", error)
        return problem(
            request,
            503,
            "service_unavailable",
            "Il servizio è momentaneamente non disponibile. Riprova tra poco.",
            {"service": error.service},
        )

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, error: Unauthenticated) -> JSONResponse:
        return problem(request, 401, "unauthenticated", error.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = describe(error.errors())
        return problem(
            request, 422, "invalid_request", "La richiesta non è valida.", {"errors": errors}
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        code = HTTPStatus(error.status_code).phrase.lower().replace(" ", "_")
        return problem(request, error.status_code, code, str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return problem(request, 500, "internal_error", "Errore interno.")
