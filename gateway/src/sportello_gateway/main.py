"""The gateway app: lifespan (the bus client), request ids, problems, routes, OpenAPI at /docs;
and `run`, which serves it beside the operators' app (`operators.py`)."""

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from sportello_contracts.identity import ScopeChanged, SessionsEnded
from sportello_gateway import problems, problems_doc
from sportello_gateway.auth import ScopeCache, VerifiedTokens
from sportello_gateway.body_limit import BodyLimitMiddleware
from sportello_gateway.bus import BusClient, connection_name
from sportello_gateway.operators import create_internal_app
from sportello_gateway.public_keys import PublicKeys
from sportello_gateway.request_id import RequestIdMiddleware
from sportello_gateway.routes import ROUTERS
from sportello_gateway.settings import GatewaySettings
from sportello_kit import loop
from sportello_kit.logs import configure_logging
from sportello_kit.topology import Topology

__all__ = ["create_app", "create_internal_app", "run"]

log = logging.getLogger(__name__)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", settings.log_level)
        bus = BusClient(
            settings.rabbitmq_url,
            Topology.of(settings),
            timeout=settings.call_timeout,
            name=connection_name(settings.bus_prefix),
        )
        await bus.connect()
        bus.restored_callbacks.append(app.state.scopes.forget_all)
        await bus.follow([ScopeChanged.ROUTING_KEY], app.state.scopes.on_scope_changed)
        await bus.follow([SessionsEnded.ROUTING_KEY], app.state.scopes.on_sessions_ended)
        app.state.bus = bus
        try:
            yield
        finally:
            await bus.close()

    # Swagger UI and ReDoc from the package's own copies: /docs works without the internet.
    app = FastAPIOffline(
        title="Sportello",
        summary="Area Clienti: the customer area of a gas and electricity supplier",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url="/redoc",
        # Swagger UI would otherwise fetch a badge from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    app.state.scopes = ScopeCache(settings.scope_ttl, settings.scope_cache_size)
    app.state.public_keys = PublicKeys(settings.jwks_ttl, settings.jwks_refetch_seconds)
    app.state.tokens = VerifiedTokens(settings, app.state.public_keys, settings.scope_cache_size)
    problems.install(app)
    problems_doc.install(app)
    for router in ROUTERS:
        app.include_router(router)
    # The last added runs first: every answer, a 413 too, carries the request id.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return app


class _OperatorsServer(uvicorn.Server):
    """The operators' server leaves the signals to the public one, which stops the process."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _config(app: FastAPI, **more: Any) -> uvicorn.Config:
    # `proxy_headers` off: uvicorn would otherwise believe `X-Forwarded-For` from 127.0.0.1;
    # which proxies to believe is the gateway's own setting (`client_address.py`).
    return uvicorn.Config(app, log_config=None, proxy_headers=False, **more)


def listen(host: str, port: int, setting: str) -> socket.socket:
    """A listening socket, or the process ends with one line saying which port and why."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        log.error(
            "the gateway cannot listen on %s:%s (%s): %s", host, port, setting, error.strerror
        )
        raise SystemExit(1) from None


AppFactory = Callable[[GatewaySettings], FastAPI]


async def serve(
    settings: GatewaySettings,
    public_socket: socket.socket,
    operators_socket: socket.socket,
    app_factory: AppFactory = create_app,
) -> None:
    app = app_factory(settings)
    operators = _OperatorsServer(_config(create_internal_app(app), lifespan="off"))
    public = uvicorn.Server(_config(app, timeout_graceful_shutdown=10))
    beside = asyncio.create_task(operators.serve(sockets=[operators_socket]))
    try:
        await public.serve(sockets=[public_socket])
    finally:
        operators.should_exit = True
        await beside


def run(app_factory: AppFactory = create_app) -> None:
    """Serve the gateway (`app_factory` builds it: the benchmarks add a route of their own)."""
    settings = GatewaySettings()
    configure_logging("gateway", settings.log_level)
    # Both ports are taken before anything else, so a port in use ends the start at once.
    public_socket = listen(settings.host, settings.port, "GATEWAY_HOST, GATEWAY_PORT")
    operators_socket = listen(
        settings.internal_host,
        settings.internal_port,
        "GATEWAY_INTERNAL_HOST, GATEWAY_INTERNAL_PORT",
    )
    log.info(
        "the API on http://%s:%s, the operators' /health on http://%s:%s",
        settings.host,
        settings.port,
        settings.internal_host,
        settings.internal_port,
    )
    loop.run(serve(settings, public_socket, operators_socket, app_factory))
