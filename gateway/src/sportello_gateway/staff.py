"""Operators' routes: the caller must be an operator holding the route's permission.

Refused here (a 403 problem) before anything reaches a service, and kept in the caller's own
trail: identity records every refused attempt. Identity checks again when the action reaches it.
An operator whose scope carries no permission is one without TOTP: identity grants none until
the second factor is enrolled, and every operators' route says so.
"""

from collections.abc import Awaitable, Callable

from fastapi import Request

from sportello_contracts.operators import (
    ACTION_MAX_LENGTH,
    RECORD_REFUSED_ACCESS,
    Permission,
    RecordRefusedAccessRequest,
)
from sportello_contracts.rpc import Caller, ErrorKind, ServiceError
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.bus import ServiceRefused
from sportello_gateway.forward import Forwarder, http_model

# The reasons, as identity says them too (its refusals of the same names).
REFUSALS: dict[str, str] = {
    "operators_only": "Questa operazione è riservata agli operatori.",
    "second_factor_enrolment_required": (
        "Prima di operare attiva la verifica in due passaggi (TOTP) dal tuo profilo."
    ),
    "permission_missing": "Non hai il permesso per questa operazione.",
}
# What is recorded of a refused attempt (the contract's request without what the gateway adds).
RefusedAccess = http_model(RecordRefusedAccessRequest, "RefusedAccess")
# Every operators' route documents these.
FORBIDDEN: dict[int, tuple[str, ...]] = {403: tuple(REFUSALS)}


def refusal_reason(caller: Caller, permission: Permission) -> str | None:
    if caller.role != "operator":
        return "operators_only"
    if not caller.permissions:
        return "second_factor_enrolment_required"
    if permission not in caller.permissions:
        return "permission_missing"
    return None


def operator_with(permission: Permission) -> Callable[..., Awaitable[Caller]]:
    """The dependency of a route for operators holding `permission`: the caller, or a 403."""

    async def operator(request: Request, caller: CurrentCaller) -> Caller:
        reason = refusal_reason(caller, permission)
        if reason is None:
            return caller
        # As much of the path as the trail keeps (a made-up one can be any length).
        action = f"{request.method} {request.url.path}"[:ACTION_MAX_LENGTH]
        refused = RefusedAccess(action=action, reason=reason)
        await Forwarder(request)(RECORD_REFUSED_ACCESS, refused, caller=caller)
        raise ServiceRefused(
            ServiceError(kind=ErrorKind.FORBIDDEN, code=reason, message=REFUSALS[reason])
        )

    return operator
