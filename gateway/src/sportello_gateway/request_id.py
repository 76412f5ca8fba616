"""The request id: taken from the client's `X-Request-ID` or made, set for the request's context.

Everything that runs for the request (routes, the bus client, log lines) reads it from the kit's
`correlation_id` context variable, so no route passes it along. A plain ASGI middleware: the
`BaseHTTPMiddleware` behind `@app.middleware("http")` costs a task and a stream per request.
"""

import re
from uuid import uuid4

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sportello_kit.logs import correlation_id

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    """The id of the request being handled (set by `RequestIdMiddleware`)."""
    request_id = correlation_id.get()
    if request_id is None:
        raise RuntimeError("no request id: RequestIdMiddleware is not installed")
    return request_id


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A client's own id is kept when it looks like one, so its logs and ours line up.
        given = Headers(scope=scope).get(HEADER, "")
        request_id = given if REQUEST_ID.match(given) else uuid4().hex
        # Also in the request's state: the handler of unexpected errors runs outside this
        # middleware, after the context variable is reset.
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        token = correlation_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)
