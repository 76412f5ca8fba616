"""The largest request body the gateway reads: a bigger one is a 413 problem, before any parsing.

Starlette's own limit (FastAPI's `max_body_size`) answers a declared oversized body in plain
text; this one answers like every other failure. A body announced too large by its
`Content-Length` is refused without reading it; one sent in chunks, as soon as it goes over.
"""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sportello_gateway.problems import HTTP_ERRORS, problem


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            code, detail = HTTP_ERRORS[413]
            await problem(Request(scope), 413, code, detail)(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # An HTTPException: FastAPI lets it through its body parsing to the handler.
                raise BodyTooLarge
            return message

        await self.app(scope, receive_within_limit, send)
