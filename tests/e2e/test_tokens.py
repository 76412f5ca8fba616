"""Access tokens signed by identity alone: verified with its published keys, forgeries refused,
keys rotated without anyone logged out."""

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo import AsyncMongoClient

from e2e.flows import assert_problem, bearer, own_gateway, signed_in_customer
from e2e.identity_keys import claims, identity_key, signed
from sportello_deploy.testing import eventually
from sportello_identity.entrypoints.commands import rotate_keys
from sportello_identity.settings import IdentitySettings

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_identity_signs_with_a_published_key_and_the_gateway_verifies_with_it(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)
    header = jwt.get_unverified_header(session["access_token"])
    assert header["alg"] == "EdDSA"

    jwks = await gateway.get("/.well-known/jwks.json")
    assert jwks.status_code == 200
    keys = {k["kid"]: k for k in jwks.json()["keys"]}
    assert header["kid"] in keys
    assert all("d" not in k for k in keys.values())  # public halves only
    verified = jwt.decode(
        session["access_token"],
        jwt.PyJWK(keys[header["kid"]]).key,
        algorithms=["EdDSA"],
        audience="sportello-gateway",
        issuer="sportello-identity",
    )
    assert {"sub", "role", "typ", "iat", "exp", "jti", "sid"} <= set(verified)
    assert (await gateway.get("/v1/me", headers=bearer(session))).status_code == 200


def _public_x(jwks: dict[str, Any], kid: str) -> str:
    (key,) = [k for k in jwks["keys"] if k["kid"] == kid]
    return str(key["x"])


async def _forgeries(system: Any, gateway: httpx.AsyncClient, account_id: str) -> dict[str, str]:
    kid, key = await identity_key(system)
    jwks = (await gateway.get("/.well-known/jwks.json")).json()
    mine = claims(sub=account_id)
    past = datetime.now(UTC) - timedelta(minutes=20)
    return {
        "alg none": jwt.encode(mine, "", algorithm="none", headers={"kid": kid}),
        "HS256 signed with the public key": jwt.encode(
            mine,
            base64.urlsafe_b64decode(_public_x(jwks, kid) + "=="),
            algorithm="HS256",
            headers={"kid": kid},
        ),
        "another key under identity's kid": jwt.encode(
            mine, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid}
        ),
        "an unknown kid": signed("k-forged-1", key, sub=account_id),
        "a kid pointing elsewhere": signed("https://attacker.example/k.json", key, sub=account_id),
        "a jku header": signed(kid, key, {"jku": "https://attacker.example/jwks.json"}),
        "an x5u header": signed(kid, key, {"x5u": "https://attacker.example/cert.pem"}),
        "a wrong audience": signed(kid, key, sub=account_id, aud="billing-portal"),
        "a wrong issuer": signed(kid, key, sub=account_id, iss="someone-else"),
        "expired": signed(kid, key, sub=account_id, iat=past, exp=past + timedelta(minutes=15)),
        "a refresh type": signed(kid, key, sub=account_id, typ="refresh"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "alg none",
        "HS256 signed with the public key",
        "another key under identity's kid",
        "an unknown kid",
        "a kid pointing elsewhere",
        "a jku header",
        "an x5u header",
        "a wrong audience",
        "a wrong issuer",
        "expired",
        "a refresh type",
    ],
)
async def test_a_forged_or_misused_token_is_a_401_problem(
    system: Any, gateway: httpx.AsyncClient, case: str
) -> None:
    _, session = await signed_in_customer(system, gateway)
    account_id = (await gateway.get("/v1/me", headers=bearer(session))).json()["account_id"]
    token = (await _forgeries(system, gateway, account_id))[case]
    answer = await gateway.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert_problem(answer, 401, "unauthenticated")


async def test_a_well_signed_token_of_an_account_that_does_not_exist_is_a_401(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    kid, key = await identity_key(system)
    answer = await gateway.get(
        "/v1/me", headers={"Authorization": f"Bearer {signed(kid, key, sub='acc-gone')}"}
    )
    assert_problem(answer, 401, "account_not_found")


async def test_a_rotation_publishes_the_next_key_ahead_and_nobody_is_logged_out(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, before = await signed_in_customer(system, gateway)
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]
    settings = IdentitySettings.model_validate(
        {"MONGO_URL": system.servers.mongo_url, "SPORTELLO_ENV": "development"}
    )

    new_kid = await rotate_keys(settings)

    # A gateway that keeps the keys briefly (the system's keeps them for GATEWAY_JWKS_TTL); identity
    # publishes the new key once it read the keys again (IDENTITY_SIGNING_KEY_RELOAD_SECONDS).
    async with (
        own_gateway(system, "gateway-after-rotation", GATEWAY_JWKS_TTL="0.2") as fresh,
        httpx.AsyncClient(base_url=fresh.url, timeout=10) as client,
    ):

        async def both_published() -> bool:
            keys = (await client.get("/.well-known/jwks.json")).json()["keys"]
            return {old_kid, new_kid} <= {k["kid"] for k in keys}

        await eventually(both_published, what="the next key published beside the old one")
        assert (await client.get("/v1/me", headers=bearer(before))).status_code == 200
    # The new key signs only after its lead: tokens issued now still use the old one.
    _, after = await signed_in_customer(system, gateway)
    assert jwt.get_unverified_header(after["access_token"])["kid"] == old_kid
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as mongo:
        made = await mongo.sportello_identity.signing_keys.find_one({"_id": new_kid})
    assert made is not None
    assert made["signs_from"] > datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=10)
