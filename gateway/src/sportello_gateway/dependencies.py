"""Typed route dependencies: what a route needs, said in its signature.

Every dependency of the gateway is an `async def`, even when it awaits nothing: FastAPI runs a
plain `def` in its thread pool, a hand-off to a thread and back on every request (a tenth of
the gateway's CPU on `GET /v1/me`, bench/README.md).
"""

from typing import Annotated

from fastapi import Depends, Header, Response

# What a client may send as `Idempotency-Key` (a UUID, a ULID, its own `order:42`...).
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:-]{1,200}$"


async def _idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=IDEMPOTENCY_KEY_PATTERN,
            description="Send the same key again to retry a command safely: a retry gets the "
            "first answer and changes nothing more. 1 to 200 of `A-Z a-z 0-9 . _ : -`. "
            "Without it, the request id (`X-Request-ID`) is the key.",
        ),
    ] = None,
) -> str | None:
    return idempotency_key


async def _no_store(response: Response) -> None:
    # Tokens must not stay in a browser's or a proxy's cache (RFC 6749, 5.1).
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]
NoStore = Annotated[None, Depends(_no_store)]
