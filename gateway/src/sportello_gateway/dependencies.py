"""Typed route dependencies: what a route needs, said in its signature."""

from typing import Annotated

from fastapi import Depends, Header, Request

from sportello_gateway.bus import BusClient

# What a client may send as `Idempotency-Key` (a UUID, a ULID, its own `order:42`...).
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,200}$"


def _bus(request: Request) -> BusClient:
    bus: BusClient = request.app.state.bus
    return bus


def _request_id(request: Request) -> str:
    request_id: str = request.state.request_id
    return request_id


def _idempotency_key(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=IDEMPOTENCY_KEY_PATTERN,
            description="Send the same key again to retry a command safely: a retry gets the "
            "first answer and changes nothing more. 1 to 200 of `A-Z a-z 0-9 . _ : -`.",
        ),
    ] = None,
) -> str:
    # Without a key a command is still idempotent per request id (a client's `X-Request-ID`).
    return idempotency_key if idempotency_key is not None else _request_id(request)


Bus = Annotated[BusClient, Depends(_bus)]
RequestId = Annotated[str, Depends(_request_id)]
IdempotencyKey = Annotated[str, Depends(_idempotency_key)]
