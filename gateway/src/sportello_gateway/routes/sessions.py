"""The signed-in user's sessions: the list, ending one, logging out everywhere."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel

from sportello_contracts.identity import (
    END_ALL_SESSIONS,
    END_MY_SESSION,
    LIST_SESSIONS,
    EndAllSessionsRequest,
    EndMySessionRequest,
)
from sportello_contracts.rpc import Caller
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.dependencies import IdempotencyKey
from sportello_gateway.forward import Forward
from sportello_gateway.problems_doc import responses

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])

# What any route behind an access token can answer without reaching its service.
SIGNED_IN = {401: ("unauthenticated", "session_ended", "account_not_found")}


class SessionPublic(BaseModel):
    session_id: str
    device: str
    client_address: str | None
    created_at: datetime
    last_used_at: datetime
    current: bool


class SessionsPublic(BaseModel):
    sessions: list[SessionPublic]


class SessionsEndedPublic(BaseModel):
    ended: int


@router.get("", responses=responses(SIGNED_IN), summary="My active sessions")
async def my_sessions(caller: CurrentCaller, send: Forward) -> SessionsPublic:
    """Every live session of the account, the most recently used first; `current` is the one
    this request is made in."""
    reply = await send(LIST_SESSIONS, caller=caller)
    return SessionsPublic.model_validate(reply.model_dump())


@router.delete(
    "/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=responses(
        SIGNED_IN,
        {404: ("session_not_found",), 409: ("idempotency_key_reused",), 422: ("invalid_request",)},
    ),
    summary="End one of my sessions",
)
async def end_my_session(
    request: Request,
    session_id: Annotated[str, Path(min_length=1, max_length=64)],
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Its refresh token stops working, and its access tokens from the next request on. A
    session that is not one of mine is not found."""
    body = EndMySessionRequest.model_validate({"session_id": session_id})
    await send(END_MY_SESSION, body, caller=caller, idempotency_key=idempotency_key)
    _forget_scope(request, caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "",
    responses=responses(SIGNED_IN, {409: ("idempotency_key_reused",), 422: ("invalid_request",)}),
    summary="Log out everywhere",
)
async def end_all_my_sessions(
    request: Request,
    caller: CurrentCaller,
    send: Forward,
    idempotency_key: IdempotencyKey,
    keep_current: Annotated[
        bool, Query(description="Spare the session this request is made in.")
    ] = False,
) -> SessionsEndedPublic:
    """Ends every session of mine (but this one, with `keep_current=true`): their refresh
    tokens stop working, and their access tokens from the next request on."""
    body = EndAllSessionsRequest(keep_current=keep_current)
    reply = await send(END_ALL_SESSIONS, body, caller=caller, idempotency_key=idempotency_key)
    _forget_scope(request, caller)
    return SessionsEndedPublic(ended=reply.ended)


def _forget_scope(request: Request, caller: Caller) -> None:
    # Identity's `SessionsEnded` tells every gateway; this one need not wait for it.
    request.app.state.scopes.forget(caller.user_id)
