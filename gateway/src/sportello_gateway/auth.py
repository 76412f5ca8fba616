"""Who is calling: access-token verification and the caller's scope, as route dependencies."""

import logging
import time
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from cachetools import LRUCache, TTLCache
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
from sportello_kit.logs import correlation_id

log = logging.getLogger(__name__)


bearer = HTTPBearer(auto_error=False, description="The access token from `POST /v1/auth/login`.")


@dataclass
class _Fetches:
    """The fetches of one account's scope in flight, and the `ScopeChanged` seen meanwhile."""

    running: int = 0
    generation: int = 0


class ScopeCache:
    """The customer codes each account may act on, asked of identity and kept for a short while.

    Bounded (the least recently used accounts go first) and expiring. A scope asked before a
    `ScopeChanged` of its account arrived may be the old one: it is returned to the request that
    asked, but not kept. Each account with a fetch in flight has a generation, bumped by every
    `ScopeChanged`; a fetch stores its answer only if the generation is still the one it began
    with. Generations live only while fetches run, so they are bounded too.
    """

    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self._scopes: TTLCache[str, ScopeReply] = TTLCache(maxsize=size, ttl=ttl)
        self._fetching: dict[str, _Fetches] = {}

    def __len__(self) -> int:
        return len(self._scopes)

    async def resolve(self, bus: BusClient, account_id: str) -> ScopeReply:
        cached = self._scopes.get(account_id)
        if cached is not None:
            return cached
        fetches = self._fetching.setdefault(account_id, _Fetches())
        fetches.running += 1
        began = fetches.generation
        try:
            scope = await bus.call(
                GET_SCOPE, ScopeRequest(account_id=account_id), correlation_id=correlation_id.get()
            )
        finally:
            fetches.running -= 1
            if fetches.running == 0:
                del self._fetching[account_id]
        if fetches.generation == began and self.ttl > 0:
            self._scopes[account_id] = scope
        return scope

    def forget(self, account_id: str) -> None:
        self._scopes.pop(account_id, None)
        fetches = self._fetching.get(account_id)
        if fetches is not None:
            fetches.generation += 1

    def forget_all(self) -> None:
        """After events may have been missed (the bus connection was restored)."""
        self._scopes.clear()
        for fetches in self._fetching.values():
            fetches.generation += 1

    async def on_scope_changed(self, body: bytes) -> None:
        """Identity's `ScopeChanged`: the next request of that account asks identity again."""
        try:
            event = Event[ScopeChanged].model_validate_json(body)
        except ValidationError:
            log.warning("ignored a malformed %s event", ScopeChanged.ROUTING_KEY)
            return
        self.forget(event.payload.account_id)


def _verified_claims(token: str, settings: GatewaySettings) -> dict[str, Any]:
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
    return claims


class VerifiedTokens:
    """Access tokens whose signature and claims were checked already, with their account.

    A client sends the same token on every request for its life (minutes): checking its
    signature again each time cost a twentieth of the gateway's CPU per request. A token is
    kept only after a full check, and its expiry is checked on every use. Bounded: the least
    recently used go first. (Tokens that must stop working before they expire will need
    forgetting here as well as in the scope cache.)
    """

    def __init__(self, settings: GatewaySettings, size: int) -> None:
        self.settings = settings
        self._verified: LRUCache[str, tuple[str, float]] = LRUCache(maxsize=size)

    def account_of(self, token: str) -> str:
        """The account id the token was issued to; `Unauthenticated` unless a live one."""
        known = self._verified.get(token)
        if known is not None:
            account_id, expires = known
            if time.time() < expires:
                return account_id
            del self._verified[token]
        claims = _verified_claims(token, self.settings)
        account_id = str(claims["sub"])
        self._verified[token] = (account_id, float(claims["exp"]))
        return account_id


async def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    state = request.app.state
    account_id = state.tokens.account_of(credentials.credentials)
    scope = await state.scopes.resolve(state.bus, account_id)
    return Caller(
        user_id=account_id,
        role=scope.role,
        customer_codes=scope.customer_codes,
        permissions=scope.permissions,
    )


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def forget_scope(request: Request, caller: Caller) -> None:
    """After a change of the caller's scope that identity announced: this gateway's next request
    of the caller must not wait for the `ScopeChanged` (the other gateways forget it on that)."""
    request.app.state.scopes.forget(caller.user_id)
