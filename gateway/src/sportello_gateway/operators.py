"""The operators' port: `/health` with every service's detail, apart from the public API.

A small app of its own, served beside the public one (`main.run`) and sharing its bus client.
What it says (which service is down, its version, whether its database answers) is for the
people and the monitoring that run Sportello, not for the internet.
"""

import asyncio
import logging
from typing import Literal

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

from sportello_contracts.health import SERVICES, HealthReply, HealthRequest, health_operation
from sportello_gateway import problems
from sportello_gateway.bus import BusClient, ServiceRefused, ServiceUnavailable
from sportello_gateway.request_id import RequestIdMiddleware, current_request_id

log = logging.getLogger(__name__)


class ServiceHealth(BaseModel):
    # `degraded`: it answered, but something of its own is wrong (its database, its consumers,
    # its outbox relay: see `detail`). `down`: no answer in time, or a refusal (`reason`).
    status: Literal["ok", "degraded", "down"]
    reason: str | None = None
    detail: HealthReply | None = None


class HealthPublic(BaseModel):
    status: Literal["ok", "degraded"]
    bus: bool
    # `down` when a service that answered cannot reach its database; `unknown` when none
    # answered. Then the services are `degraded`, not `down`: they run and will recover.
    database: Literal["up", "down", "unknown"]
    services: dict[str, ServiceHealth]


async def check(bus: BusClient, service: str, timeout: float) -> ServiceHealth:
    """One service's answer to its health check, every failure logged with its cause."""
    try:
        reply = await bus.call(
            health_operation(service),
            HealthRequest(),
            timeout=timeout,
            correlation_id=current_request_id(),  # the service's log lines carry it too
        )
    except ServiceUnavailable as error:
        log.warning("health: %s did not answer: %s", service, error.reason)
        return ServiceHealth(status="down", reason=error.reason)
    except ServiceRefused as error:
        e = error.error
        log.warning("health: %s refused the check: %s (%s)", service, e.code, e.message)
        return ServiceHealth(status="down", reason=e.code)
    if reply.status != "ok":
        log.warning(
            "health: %s is degraded (database %s, consumers attached %s, relay ticking %s)",
            service,
            reply.database,
            reply.consumers_attached,
            reply.relay_ticking,
        )
    return ServiceHealth(status=reply.status, detail=reply)


def database_state(services: list[ServiceHealth]) -> Literal["up", "down", "unknown"]:
    answers = [s.detail for s in services if s.detail is not None]
    if not answers:
        return "unknown"
    return "up" if all(a.database for a in answers) else "down"


def create_internal_app(main: FastAPI) -> FastAPI:
    """The operators' app, reading `main`'s bus client and settings."""
    app = FastAPI(
        title="Sportello: operators",
        summary="Health of the gateway and of every service",
        version=main.version,
        # FastAPI's pages load their assets from a CDN; operators read /openapi.json if need be.
        docs_url=None,
        redoc_url=None,
    )
    problems.install(app)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/health", summary="Health of the gateway and of every service")
    async def health(request: Request, response: Response) -> HealthPublic:
        bus: BusClient | None = getattr(main.state, "bus", None)
        if bus is None or not bus.connected:
            log.warning("health: the gateway is not connected to the bus")
            down = ServiceHealth(status="down", reason="the gateway is not connected to the bus")
            response.status_code = 503
            return HealthPublic(
                status="degraded",
                bus=False,
                database="unknown",
                services=dict.fromkeys(SERVICES, down),
            )
        timeout = main.state.settings.health_timeout
        checks = await asyncio.gather(*(check(bus, s, timeout) for s in SERVICES))
        healthy = all(c.status == "ok" for c in checks)
        response.status_code = 200 if healthy else 503
        return HealthPublic(
            status="ok" if healthy else "degraded",
            bus=True,
            database=database_state(checks),
            services=dict(zip(SERVICES, checks, strict=True)),
        )

    return app
