"""How problems appear in the OpenAPI document: one schema, under `application/problem+json`,
and for each route every status it can answer with the codes it may carry."""

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field, JsonValue

from sportello_gateway.problems import MEDIA_TYPE

SCHEMAS = "#/components/schemas/"


class FieldProblem(BaseModel):
    field: str = Field(description="Where: `body.username`, `header.Idempotency-Key`...")
    problem: str = Field(description="What is wrong with it.")


class Problem(BaseModel):
    """RFC 9457 problem details, plus a stable `code` clients may branch on."""

    type: str
    title: str
    status: int
    detail: str = Field(description="For people, in Italian.")
    instance: str
    code: str = Field(description="Stable: what a client branches on (`username_taken`).")
    errors: list[FieldProblem] | None = Field(
        None, description="`invalid_request` only: every field at fault."
    )
    details: dict[str, JsonValue] | None = Field(
        None,
        description="What else the service said: `problems` of a `weak_password`, `service` of "
        "a `service_unavailable`, `retry_after` (seconds) of a 429 or 503...",
    )


# What any route that reaches a service can answer.
EVERY_ROUTE: dict[int, tuple[str, ...]] = {
    500: ("internal_error",),
    503: ("service_unavailable", "database_unavailable", "busy"),
}
# What any route with a body can answer before reaching a service.
WITH_BODY: dict[int, tuple[str, ...]] = {
    413: ("body_too_large",),
    422: ("invalid_request",),
}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "`Bearer`.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}
_HEADERS[503] = _HEADERS[429]

NO_STORE: dict[str, Any] = {
    "Cache-Control": {
        "description": "`no-store`: tokens are never kept by a cache.",
        "required": True,
        "schema": {"type": "string"},
    },
    "Pragma": {"description": "`no-cache`, for HTTP/1.0 caches.", "schema": {"type": "string"}},
}


def responses(
    *codes: Mapping[int, Sequence[str]],
    reaches_services: bool = True,
    success: int | None = None,
    no_store: bool = False,
) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route: the problems it can answer (merged from `codes`, plus
    `EVERY_ROUTE` for a route that calls a service, else a 500), each with the codes it may
    carry in its description; `no_store` documents the headers that keep a success (tokens)
    out of caches."""
    merged: dict[int, list[str]] = {}
    for mapping in (*codes, EVERY_ROUTE if reaches_services else {500: EVERY_ROUTE[500]}):
        for status, names in mapping.items():
            known = merged.setdefault(status, [])
            known.extend(name for name in names if name not in known)
    documented: dict[int | str, dict[str, Any]] = {
        status: {
            "description": f"{HTTPStatus(status).phrase}. Codes: "
            + ", ".join(f"`{name}`" for name in names)
            + ".",
            "content": {MEDIA_TYPE: {"schema": {"$ref": f"{SCHEMAS}Problem"}}},
            **({"headers": _HEADERS[status]} if status in _HEADERS else {}),
        }
        for status, names in sorted(merged.items())
    }
    if no_store:
        assert success is not None, "say which status carries the tokens"
        documented[success] = {"headers": NO_STORE}
    return documented


def install(app: FastAPI) -> None:
    """Put the problem schemas in the document's components, where `responses` points."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template=SCHEMAS + "{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
