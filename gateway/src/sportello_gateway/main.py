"""The gateway app: lifespan (the bus client), request ids, problems, routes, OpenAPI at /docs."""

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from uuid import uuid4

import uvicorn
from fastapi import FastAPI, Request, Response

from sportello_contracts.identity import ScopeChanged
from sportello_gateway import problems
from sportello_gateway.auth import ScopeCache
from sportello_gateway.bus import BusClient
from sportello_gateway.routes import auth, health, profile
from sportello_gateway.settings import GatewaySettings
from sportello_kit.logs import configure_logging, correlation_id
from sportello_kit.topology import Topology

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", settings.log_level)
        bus = BusClient(
            settings.rabbitmq_url, Topology(settings.bus_prefix), timeout=settings.call_timeout
        )
        await bus.connect()
        await bus.follow([ScopeChanged.ROUTING_KEY], app.state.scopes.on_scope_changed)
        app.state.bus = bus
        try:
            yield
        finally:
            await bus.close()

    app = FastAPI(
        title="Sportello",
        summary="Area Clienti: the customer area of a gas and electricity supplier",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
    )
    app.state.settings = settings
    app.state.scopes = ScopeCache(settings.scope_ttl)
    problems.install(app)
    for module in (auth, profile, health):
        app.include_router(module.router)

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # A client's own id is kept when it looks like one, so its logs and ours line up.
        given = request.headers.get("x-request-id", "")
        rid = given if REQUEST_ID.match(given) else uuid4().hex
        request.state.request_id = rid
        token = correlation_id.set(rid)
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
        response.headers["X-Request-ID"] = rid
        return response

    return app


def run() -> None:
    settings = GatewaySettings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=10,
    )
