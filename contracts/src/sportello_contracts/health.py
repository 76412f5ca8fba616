"""Health: every service answers `<service>.health.check`."""

from typing import Literal

from sportello_contracts.base import Contract
from sportello_contracts.rpc import Operation, Request

SERVICES = ("identity", "billing", "metering", "requests", "notifications")


class HealthRequest(Request):
    pass


class HealthReply(Contract):
    service: str
    status: Literal["ok", "degraded"]
    database: bool
    consumers_attached: bool
    version: str
    # The outbox relay ran recently: what the service writes does reach the bus.
    relay_ticking: bool = True
    # Outbox records that kept failing to publish and were set aside (see the service's log).
    parked_events: int = 0


def health_operation(service: str) -> Operation[HealthRequest, HealthReply]:
    return Operation(f"{service}.health.check", HealthRequest, HealthReply, needs_caller=False)
