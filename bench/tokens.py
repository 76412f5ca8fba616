"""What verifying access tokens costs the gateway per request, against a route that verifies none.

    .venv/bin/python bench/tokens.py                 # about a minute
    .venv/bin/python bench/tokens.py --slices 3      # a quick look

The gateway's own app (`create_app`, its middleware, problems and settings), with two routes of
the benchmark's own added, identical but for the caller: `GET /bench/bare` takes none, `GET
/bench/caller` takes `CurrentCaller` (the token checked, the account's scope, the session not
ended). Requests go straight into the ASGI app, no socket, no HTTP client: what is measured is
the gateway's CPU per request, in this process (`time.process_time`). Identity stands in for
itself in-process: it answers the gateway's two questions (the public keys, the scope) at once,
and the gateway keeps both answers, as it does for a live account.

Three cases, in rotating order, each slice the same number of requests:

- **bare**: `/bench/bare`, the baseline (the same request with the same `Authorization`
  header, which nobody reads);
- **known token**: `/bench/caller` with the same token on every request, as a client sends it
  for its life: the gateway checked its signature once, then finds it among the tokens it
  verified (expiry checked), and checks its session against the cached scope;
- **new token**: `/bench/caller` with a token the gateway has not seen: the signature
  verified with the cached public key (Ed25519), the claims checked, on every request. (An app
  whose cache of verified tokens holds one, cycling through 64 tokens.)

Nothing else is needed: no broker, no database.
"""

import argparse
import asyncio
import importlib.metadata
import itertools
import os
import platform
import statistics
import time
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("SPORTELLO_ENV", "development")

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, FastAPI
from jwt.algorithms import OKPAlgorithm

from sportello_contracts.identity import (
    GET_PUBLIC_KEYS,
    GET_SCOPE,
    PublicKey,
    PublicKeysReply,
    ScopeReply,
)
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.main import create_app
from sportello_gateway.settings import GatewaySettings

KID = "k-bench-1"
ACCOUNT = "acc-bench"
CASES = ("bare", "known token", "new token")


class Identity:
    """Answers the gateway's questions at once: the public key, the account's scope."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        jwk = OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
        self.keys = PublicKeysReply(
            keys=(PublicKey(kty="OKP", crv="Ed25519", x=jwk["x"], kid=KID, alg="EdDSA"),)
        )
        self.scope = ScopeReply(account_id=ACCOUNT, role="customer", customer_codes=("C00000001",))
        self.calls = 0

    async def call(self, operation: Any, request: Any, **_: Any) -> Any:
        self.calls += 1
        if operation.name == GET_PUBLIC_KEYS.name:
            return self.keys
        assert operation.name == GET_SCOPE.name
        return self.scope


def token(key: Ed25519PrivateKey, settings: GatewaySettings, n: int) -> bytes:
    now = datetime.now(UTC)
    claims = {
        "iss": settings.token_issuer,
        "aud": settings.token_audience,
        "sub": ACCOUNT,
        "role": "customer",
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(hours=2),
        "jti": f"{n:016x}",
        "sid": "line-bench",
    }
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": KID}).encode()


def bench_app(settings: GatewaySettings, identity: Identity) -> FastAPI:
    app = create_app(settings)
    router = APIRouter()

    @router.get("/bench/bare")
    async def bare() -> dict[str, bool]:
        return {"ok": True}

    @router.get("/bench/caller")
    async def caller(caller: CurrentCaller) -> dict[str, bool]:
        return {"ok": True}

    app.include_router(router)
    app.state.bus = identity
    return app


async def request(app: FastAPI, path: str, bearer: bytes) -> None:
    """One GET straight into the ASGI app; it must answer 200."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"authorization", b"Bearer " + bearer)],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    assert status == 200, (path, status)


async def run_slice(app: FastAPI, path: str, tokens: Callable[[], bytes], requests: int) -> float:
    """CPU µs per request over `requests` requests."""
    began = time.process_time()
    for _ in range(requests):
        await request(app, path, tokens())
    return (time.process_time() - began) / requests * 1e6


def library_costs(
    key: Ed25519PrivateKey, settings: GatewaySettings, rounds: int
) -> dict[str, float]:
    """µs per call of PyJWT alone: EdDSA as now, HS256 as the gateway verified before."""
    eddsa = token(key, settings, 0).decode()
    public = key.public_key()
    secret = "s" * 48
    claims = jwt.decode(eddsa, public, algorithms=["EdDSA"], audience=settings.token_audience)
    hs256 = jwt.encode(claims, secret, algorithm="HS256")
    out = {}
    for name, check in (
        (
            "PyJWT decode, EdDSA",
            lambda: jwt.decode(
                eddsa, public, algorithms=["EdDSA"], audience=settings.token_audience
            ),
        ),
        (
            "PyJWT decode, HS256",
            lambda: jwt.decode(
                hs256, secret, algorithms=["HS256"], audience=settings.token_audience
            ),
        ),
    ):
        began = time.process_time()
        for _ in range(rounds):
            check()
        out[name] = (time.process_time() - began) / rounds * 1e6
    return out


async def measure(slices: int, requests: int) -> dict[str, list[float]]:
    key = Ed25519PrivateKey.generate()
    settings = GatewaySettings()
    identity = Identity(key)
    app = bench_app(settings, identity)
    # The cache of verified tokens holds one: every token of a cycle of 64 is checked again.
    forgetful = bench_app(settings.model_copy(update={"scope_cache_size": 1}), identity)
    known = token(key, settings, 0)
    cycle = itertools.cycle([token(key, settings, n) for n in range(1, 65)])
    runs: dict[str, Callable[[], Any]] = {
        "bare": lambda: run_slice(app, "/bench/bare", lambda: known, requests),
        "known token": lambda: run_slice(app, "/bench/caller", lambda: known, requests),
        "new token": lambda: run_slice(forgetful, "/bench/caller", lambda: next(cycle), requests),
    }
    for run in runs.values():  # warm up: imports, caches, the first fetch of keys and scope
        await run()
    results: dict[str, list[float]] = {case: [] for case in CASES}
    for n in range(slices):
        order = CASES[n % 3 :] + CASES[: n % 3]  # rotating, so no case always runs first
        for case in order:
            results[case].append(await runs[case]())
    # Each app asks for the keys once (kept 300 s) and for the scope every 30 s (GATEWAY_SCOPE_TTL):
    # a handful of calls in all, which is what a live account costs.
    print(f"identity asked {identity.calls} times in all")
    return results


def report(results: dict[str, list[float]], libraries: dict[str, float]) -> None:
    bare = results["bare"]
    print("\n| case | CPU µs/request (median) | vs bare | verification µs/request |")
    print("|---|---:|---:|---:|")
    for case in CASES:
        values = results[case]
        ratios = [v / b for v, b in zip(values, bare, strict=True)]
        extra = [v - b for v, b in zip(values, bare, strict=True)]
        print(
            f"| {case} | {statistics.median(values):.0f} | {statistics.median(ratios):.2f} "
            f"| {statistics.median(extra):.0f} |"
        )
    print("\n| library alone | µs/call |\n|---|---:|")
    for name, cost in libraries.items():
        print(f"| {name} | {cost:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--slices", type=int, default=10, help="slices per case")
    parser.add_argument("--requests", type=int, default=2000, help="requests per slice")
    args = parser.parse_args()
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("fastapi", "starlette", "pyjwt", "cryptography", "pydantic")
    )
    print(f"Python {platform.python_version()}, {versions}; load {os.getloadavg()[0]:.2f}")
    results = asyncio.run(measure(args.slices, args.requests))
    report(results, library_costs(Ed25519PrivateKey.generate(), GatewaySettings(), 5000))
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
