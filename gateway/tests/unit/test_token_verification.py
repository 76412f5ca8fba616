"""Access tokens: only identity's published keys verify them, and an ended session's stop at once.

`signer` (conftest) is identity's key, published on the recording bus.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from sportello_contracts.envelope import Event
from sportello_contracts.identity import (
    END_ALL_SESSIONS,
    GET_PROFILE,
    GET_PUBLIC_KEYS,
    GET_SCOPE,
    LIST_SESSIONS,
    ProfileReply,
    PublicKeysReply,
    ScopeReply,
    SessionsEnded,
    SessionsEndedReply,
    SessionsReply,
)
from sportello_gateway.auth import ScopeCache
from sportello_gateway.public_keys import PublicKeys

SCOPE = ScopeReply(account_id="acc-1", role="customer", customer_codes=("C00000001",))
PROFILE = ProfileReply(
    account_id="acc-1",
    username="anna.b",
    email="anna@example.it",
    full_name="Anna B",
    fiscal_code="RSSMRA80A01H501U",
    role="customer",
    customer_codes=("C00000001",),
    registered_at=datetime(2026, 11, 2, tzinfo=UTC),
)


@pytest.fixture(autouse=True)
def identity_answers(bus: Any) -> None:
    bus.replies[GET_SCOPE.name] = SCOPE
    bus.replies[GET_PROFILE.name] = PROFILE


def me(client: TestClient, token: str) -> Any:
    return client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


def keys_fetched(bus: Any) -> int:
    return sum(1 for sent in bus.sent if sent.operation.name == GET_PUBLIC_KEYS.name)


def test_a_token_signed_with_identitys_key_lets_its_account_in_with_its_session(
    client: TestClient, bus: Any, signer: Any
) -> None:
    answer = me(client, signer.token())
    assert answer.status_code == 200, answer.text
    (profile,) = [s for s in bus.sent if s.operation.name == GET_PROFILE.name]
    assert profile.request.caller.session_id == "line-1"
    assert profile.request.caller.user_id == "acc-1"


def _forged(signer: Any) -> dict[str, str]:
    """Every way a token can fail, by name."""
    other_key = Ed25519PrivateKey.generate()
    past = datetime.now(UTC) - timedelta(minutes=10)
    claims = {
        "iss": "sportello-identity",
        "aud": "sportello-gateway",
        "sub": "acc-1",
        "typ": "access",
        "iat": datetime.now(UTC),
        "exp": datetime.now(UTC) + timedelta(minutes=5),
        "sid": "line-1",
    }
    kid = {"kid": signer.kid}
    return {
        "alg none": jwt.encode(claims, "", algorithm="none", headers=kid),
        # Algorithm confusion: the public key's bytes used as an HMAC secret.
        "HS256 with the public key": jwt.encode(
            claims, signer.public.x, algorithm="HS256", headers=kid
        ),
        "another key, identity's kid": jwt.encode(
            claims, other_key, algorithm="EdDSA", headers=kid
        ),
        "an unknown kid": signer.token(headers={"kid": "k-unknown"}),
        "a kid pointing elsewhere": signer.token(headers={"kid": "../../keys/attacker.json"}),
        "no kid": jwt.encode(claims, signer.key, algorithm="EdDSA"),
        "a jku header": signer.token(headers={"jku": "http://127.0.0.1:9/jwks.json"}),
        "an x5u header": signer.token(headers={"x5u": "http://127.0.0.1:9/cert.pem"}),
        "a wrong audience": signer.token(aud="billing-portal"),
        "a wrong issuer": signer.token(iss="someone-else"),
        "no audience": signer.token(aud=None),
        "no session": signer.token(sid=None),
        "a refresh type": signer.token(typ="refresh"),
        "expired": signer.token(iat=past, exp=past + timedelta(minutes=5)),
        "tampered": _tampered(signer.token()),
        "garbage": "garbage",
    }


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b'"acc-1"', b'"acc-2"')
    ).decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    "case",
    [
        "alg none",
        "HS256 with the public key",
        "another key, identity's kid",
        "an unknown kid",
        "a kid pointing elsewhere",
        "no kid",
        "a jku header",
        "an x5u header",
        "a wrong audience",
        "a wrong issuer",
        "no audience",
        "no session",
        "a refresh type",
        "expired",
        "tampered",
        "garbage",
    ],
)
def test_any_other_token_is_a_401_problem_and_reaches_no_service(
    client: TestClient, bus: Any, signer: Any, case: str
) -> None:
    answer = me(client, _forged(signer)[case])
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "unauthenticated"
    assert {s.operation.name for s in bus.sent} <= {GET_PUBLIC_KEYS.name}


def test_foreign_key_urls_are_never_fetched(client: TestClient, bus: Any, signer: Any) -> None:
    # Nothing listens on port 9: a fetch would fail loudly; the refusal comes first.
    token = signer.token(headers={"jku": "http://127.0.0.1:9/jwks.json"})
    assert me(client, token).status_code == 401
    assert all(s.operation.name == GET_PUBLIC_KEYS.name for s in bus.sent)


def test_forged_kids_make_the_gateway_ask_for_the_keys_at_most_once_per_interval(
    client: TestClient, bus: Any, signer: Any
) -> None:
    for n in range(20):
        assert me(client, signer.token(headers={"kid": f"forged-{n}"})).status_code == 401
    # One fetch (the first, when none were held) and none more within the interval.
    assert keys_fetched(bus) == 1


async def test_a_key_not_held_is_fetched_once_the_interval_passed() -> None:
    now = [0.0]
    keys = PublicKeys(ttl=300, refetch_interval=10, clock=lambda: now[0])
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()

    class Identity:
        published = [("k-old", old)]
        calls = 0

        async def call(self, operation: Any, request: Any, **_: Any) -> PublicKeysReply:
            self.calls += 1
            return PublicKeysReply(keys=tuple(_public(kid, key) for kid, key in self.published))

    identity = Identity()
    assert await keys.key(identity, "k-old") is not None  # type: ignore[arg-type]
    identity.published = [("k-old", old), ("k-new", new)]
    now[0] = 5
    assert await keys.key(identity, "k-new") is None  # type: ignore[arg-type]
    now[0] = 10
    assert await keys.key(identity, "k-new") is not None  # type: ignore[arg-type]
    assert identity.calls == 2


def _public(kid: str, key: Ed25519PrivateKey) -> Any:
    jwk = jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"], "kid": kid, "alg": "EdDSA"}


def test_the_keys_are_fetched_again_when_they_are_old(make_app: Any, bus: Any, signer: Any) -> None:
    client = TestClient(make_app(jwks_ttl=0.001), raise_server_exceptions=False)
    for _ in range(2):
        assert me(client, signer.token(jti="a" * 16)).status_code == 200
        assert me(client, signer.token(jti="b" * 16)).status_code == 200
    assert keys_fetched(bus) >= 2  # (each token is verified once: then it is known)


def test_an_ended_session_is_refused_at_once(client: TestClient, bus: Any, signer: Any) -> None:
    token = signer.token()
    assert me(client, token).status_code == 200
    bus.replies[GET_SCOPE.name] = SCOPE.model_copy(update={"ended_sessions": ("line-1",)})
    event = Event.new(
        SessionsEnded(account_id="acc-1", session_ids=("line-1",)),
        producer="identity",
        correlation_id="c",
    )
    scopes: ScopeCache = client.app.state.scopes  # type: ignore[attr-defined]
    # As the bus delivers identity's event to every gateway.
    asyncio.run(scopes.on_sessions_ended(event.model_dump_json().encode()))

    answer = me(client, token)
    assert answer.status_code == 401
    assert answer.json()["code"] == "session_ended"
    # Another session of the account goes on.
    assert me(client, signer.token(sid="line-2")).status_code == 200


def test_the_jwks_is_served_for_others_and_may_be_cached_as_long_as_the_gateway_does(
    client: TestClient, signer: Any
) -> None:
    answer = client.get("/.well-known/jwks.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/jwk-set+json"
    assert answer.headers["cache-control"] == "public, max-age=300"
    (key,) = answer.json()["keys"]
    assert key == signer.public.model_dump()
    assert "d" not in key


def test_my_sessions_go_with_the_session_of_my_token(
    client: TestClient, bus: Any, signer: Any
) -> None:
    bus.replies[LIST_SESSIONS.name] = SessionsReply(sessions=())
    answer = client.get("/v1/sessions", headers={"Authorization": f"Bearer {signer.token()}"})
    assert answer.status_code == 200
    assert answer.json() == {"sessions": []}
    (listed,) = [s for s in bus.sent if s.operation.name == LIST_SESSIONS.name]
    assert listed.request.caller.session_id == "line-1"


def test_logging_out_everywhere_forgets_the_scope_at_once(
    client: TestClient, bus: Any, signer: Any
) -> None:
    bus.replies[END_ALL_SESSIONS.name] = SessionsEndedReply(ended=2)
    headers = {"Authorization": f"Bearer {signer.token()}", "Idempotency-Key": "bye-1"}
    answer = client.delete("/v1/sessions?keep_current=true", headers=headers)
    assert answer.status_code == 200
    assert answer.json() == {"ended": 2}
    (sent,) = [s for s in bus.sent if s.operation.name == END_ALL_SESSIONS.name]
    assert sent.request.keep_current is True
    assert sent.idempotency_key == "bye-1"
    assert len(client.app.state.scopes) == 0  # type: ignore[attr-defined]
