"""The gateway's health: its own bus connection and each service's answer."""

import asyncio

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from sportello_contracts.health import SERVICES, HealthReply, HealthRequest, health_operation
from sportello_gateway.bus import BusClient, ServiceRefused, ServiceUnavailable
from sportello_gateway.dependencies import Bus

router = APIRouter(tags=["health"])


class ServiceHealth(BaseModel):
    status: str
    detail: HealthReply | None = None


class HealthPublic(BaseModel):
    status: str
    bus: bool
    services: dict[str, ServiceHealth]


async def _check(bus: BusClient, service: str, timeout: float) -> ServiceHealth:
    try:
        reply = await bus.call(health_operation(service), HealthRequest(), timeout=timeout)
    except (ServiceUnavailable, ServiceRefused):
        return ServiceHealth(status="down")
    return ServiceHealth(status=reply.status, detail=reply)


@router.get("/health", summary="Health of the gateway and of every service")
async def health(request: Request, response: Response, bus: Bus) -> HealthPublic:
    timeout = request.app.state.settings.health_timeout
    checks = await asyncio.gather(*(_check(bus, s, timeout) for s in SERVICES))
    services = dict(zip(SERVICES, checks, strict=True))
    healthy = bus.connected and all(s.status == "ok" for s in checks)
    response.status_code = 200 if healthy else 503
    return HealthPublic(
        status="ok" if healthy else "degraded", bus=bus.connected, services=services
    )


class ReadinessPublic(BaseModel):
    status: str


@router.get("/health/ready", summary="Whether this gateway can take traffic (its bus connection)")
async def ready(response: Response, bus: Bus) -> ReadinessPublic:
    # Deliberately not the services' health: one service down must not take every gateway out
    # of its load balancer; its routes answer 503 on their own.
    response.status_code = 200 if bus.connected else 503
    return ReadinessPublic(status="ready" if bus.connected else "not_ready")
