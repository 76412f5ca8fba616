"""Who is calling: access-token verification and the caller's scope, as route dependencies."""

import logging
import time
from dataclasses import dataclass
from typing import Annotated

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
    SessionsEnded,
)
from sportello_contracts.rpc import Caller
from sportello_gateway.bus import BusClient
from sportello_gateway.problems import Unauthenticated
from sportello_gateway.public_keys import ALGORITHM, PublicKeys
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

    async def on_sessions_ended(self, body: bytes) -> None:
        """Identity's `SessionsEnded`: the account's next request learns which ones ended."""
        try:
            event = Event[SessionsEnded].model_validate_json(body)
        except ValidationError:
            log.warning("ignored a malformed %s event", SessionsEnded.ROUTING_KEY)
            return
        self.forget(event.payload.account_id)


# Headers that point at keys elsewhere, or carry one: identity never sets them, so a token with
# one was made by someone else. Never fetched, never used: refused.
_FOREIGN_KEY_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c"})
_INVALID = "Token di accesso non valido."


@dataclass(frozen=True)
class VerifiedToken:
    """What the gateway keeps of an access token it checked."""

    account_id: str
    session_id: str
    expires_at: float


async def verified_token(
    token: str, settings: GatewaySettings, keys: PublicKeys, bus: BusClient
) -> VerifiedToken:
    """The token's claims once its signature (by a key identity publishes) and claims hold."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise Unauthenticated(_INVALID) from None
    kid = header.get("kid")
    if (
        header.get("alg") != ALGORITHM
        or not isinstance(kid, str)
        or _FOREIGN_KEY_HEADERS & set(header)
    ):
        raise Unauthenticated(_INVALID)
    key = await keys.key(bus, kid)
    if key is None:
        raise Unauthenticated(_INVALID)
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[ALGORITHM],
            audience=settings.token_audience,
            issuer=settings.token_issuer,
            options={"require": ["sub", "exp", "iat", "iss", "aud", "typ", "sid"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("La sessione è scaduta: accedi di nuovo.") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated(_INVALID) from None
    if claims.get("typ") != ACCESS_TOKEN_TYPE:
        raise Unauthenticated(_INVALID)
    return VerifiedToken(
        account_id=str(claims["sub"]),
        session_id=str(claims["sid"]),
        expires_at=float(claims["exp"]),
    )


class VerifiedTokens:
    """Access tokens whose signature and claims were checked already.

    A client sends the same token on every request for its life (minutes): checking its
    signature again each time cost a twentieth of the gateway's CPU per request. A token is
    kept only after a full check, and its expiry is checked on every use; whether its session
    ended is checked on every use too, against the account's scope (`current_caller`).
    Bounded: the least recently used go first.
    """

    def __init__(self, settings: GatewaySettings, keys: PublicKeys, size: int) -> None:
        self.settings = settings
        self.keys = keys
        self._verified: LRUCache[str, VerifiedToken] = LRUCache(maxsize=size)

    async def verify(self, token: str, bus: BusClient) -> VerifiedToken:
        """The token's account and session; `Unauthenticated` unless a live one."""
        known = self._verified.get(token)
        if known is not None:
            if time.time() < known.expires_at:
                return known
            del self._verified[token]
        verified = await verified_token(token, self.settings, self.keys, bus)
        self._verified[token] = verified
        return verified


async def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    state = request.app.state
    token = await state.tokens.verify(credentials.credentials, state.bus)
    scope = await state.scopes.resolve(state.bus, token.account_id)
    if token.session_id in scope.ended_sessions:
        raise Unauthenticated("La sessione è terminata: accedi di nuovo.", code="session_ended")
    return Caller(
        user_id=token.account_id,
        role=scope.role,
        customer_codes=scope.customer_codes,
        session_id=token.session_id,
        permissions=scope.permissions,
    )


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def forget_scope(request: Request, caller: Caller) -> None:
    """After a change of the caller's scope that identity announced: this gateway's next request
    of the caller must not wait for the `ScopeChanged` (the other gateways forget it on that)."""
    request.app.state.scopes.forget(caller.user_id)
