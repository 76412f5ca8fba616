"""The caller's own sessions: the list (device, address, last use), ending one, or all."""

from sportello_contracts.identity import (
    EndAllSessionsRequest,
    EndMySessionRequest,
    SessionsEndedReply,
    SessionsReply,
    SessionSummary,
)
from sportello_contracts.rpc import Caller
from sportello_identity.domain.devices import describe_device
from sportello_identity.domain.errors import SessionNotFound
from sportello_identity.usecases.ports import Dependencies, Transaction
from sportello_identity.usecases.sessions import end_lines


async def list_sessions(deps: Dependencies, caller: Caller) -> SessionsReply:
    lines = await deps.store.lines_of(caller.user_id, deps.clock.now())
    return SessionsReply(
        sessions=tuple(
            SessionSummary(
                session_id=line.session_id,
                device=describe_device(line.user_agent),
                client_address=line.client_address,
                created_at=line.created_at,
                last_used_at=line.last_used_at,
                current=line.session_id == caller.session_id,
            )
            for line in lines
        )
    )


async def end_my_session(
    deps: Dependencies, tx: Transaction, request: EndMySessionRequest
) -> SessionsEndedReply:
    """End one of the caller's sessions: one of another account's is not found, like any."""
    assert request.caller is not None  # the kit refuses a request without one
    ended = await end_lines(
        deps,
        tx,
        request.caller.user_id,
        "session.ended",
        only=request.session_id,
        client_address=request.client_address,
        details={"how": "revoked"},
    )
    if not ended:
        raise SessionNotFound()
    return SessionsEndedReply(ended=len(ended))


async def end_all_my_sessions(
    deps: Dependencies, tx: Transaction, request: EndAllSessionsRequest
) -> SessionsEndedReply:
    """Log out everywhere: every session of the caller's, or all but this one."""
    caller = request.caller
    assert caller is not None
    keep = caller.session_id if request.keep_current else None
    ended = await end_lines(
        deps,
        tx,
        caller.user_id,
        "session.ended_all",
        keep=keep,
        client_address=request.client_address,
        details={"kept_current": "yes" if keep is not None else "no"},
    )
    return SessionsEndedReply(ended=len(ended))
