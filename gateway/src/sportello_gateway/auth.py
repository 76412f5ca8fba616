"""Who is calling: access-token verification and the caller's scope, as route dependencies."""

import logging
import time
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from sportello_contracts.envelope import Event
from sportello_contracts.identity import (
    ACCESS_TOKEN_TYPE,
    GET_SCOPE,
    ScopeChanged,
    ScopeReply,
    ScopeRequest,
)
from sportello_contracts.rpc import Caller
from sportello_gateway.bus import BusClient
from sportello_gateway.problems import Unauthenticated
from sportello_gateway.settings import GatewaySettings

log = logging.getLogger(__name__)


bearer = HTTPBearer(auto_error=False, description="The access token from `POST /v1/auth/login`.")


class ScopeCache:
    """The customer codes each account may act on, asked of identity and kept for a short while."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, ScopeReply]] = {}

    async def resolve(self, bus: BusClient, account_id: str, correlation_id: str) -> ScopeReply:
        now = time.monotonic()
        cached = self._entries.get(account_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        scope = await bus.call(
            GET_SCOPE, ScopeRequest(account_id=account_id), correlation_id=correlation_id
        )
        self._entries[account_id] = (now + self.ttl, scope)
        return scope

    def forget(self, account_id: str) -> None:
        self._entries.pop(account_id, None)

    async def on_scope_changed(self, body: bytes) -> None:
        """Identity's `ScopeChanged`: the next request of that account asks identity again."""
        try:
            event = Event[ScopeChanged].model_validate_json(body)
        except ValidationError:
            log.warning("ignored a malformed %s event", ScopeChanged.ROUTING_KEY)
            return
        self.forget(event.payload.account_id)


def verify_access_token(token: str, settings: GatewaySettings) -> str:
    """The account id the token was issued to; `Unauthenticated` unless a live access token."""
    try:
        claims = jwt.decode(
            token,
            settings.token_secret,
            algorithms=["HS256"],
            issuer=settings.token_issuer,
            options={"require": ["sub", "exp", "iat", "iss", "typ"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("La sessione è scaduta: accedi di nuovo.") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated("Token di accesso non valido.") from None
    if claims.get("typ") != ACCESS_TOKEN_TYPE:
        raise Unauthenticated("Token di accesso non valido.")
    return str(claims["sub"])


async def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    state = request.app.state
    account_id = verify_access_token(credentials.credentials, state.settings)
    scope = await state.scopes.resolve(state.bus, account_id, request.state.request_id)
    return Caller(user_id=account_id, role=scope.role, customer_codes=scope.customer_codes)


CurrentCaller = Annotated[Caller, Depends(current_caller)]
