"""The public health probes: whether this gateway is alive, and whether it can take traffic.

They say up or down and nothing more; what is down and why is on the operators' port
(`sportello_gateway.operators`).
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sportello_gateway.problems import UNAVAILABLE, problem
from sportello_gateway.problems_doc import responses

router = APIRouter(prefix="/health", tags=["health"])


class ReadinessPublic(BaseModel):
    status: str


class LivenessPublic(BaseModel):
    status: str


@router.get(
    "/ready",
    response_model=ReadinessPublic,
    responses=responses({503: ("not_ready",)}, reaches_services=False),
    summary="Whether this gateway can take traffic (its bus connection is up)",
)
async def ready(request: Request) -> ReadinessPublic | JSONResponse:
    # Deliberately not the services' health: one service down must not take every gateway out
    # of its load balancer; its routes answer 503 on their own.
    bus = getattr(request.app.state, "bus", None)
    if bus is None or not bus.connected:
        return problem(request, 503, "not_ready", UNAVAILABLE)
    return ReadinessPublic(status="ready")


@router.get(
    "/live",
    responses=responses(reaches_services=False),
    summary="Whether this gateway's process answers at all",
)
async def live() -> LivenessPublic:
    return LivenessPublic(status="alive")
