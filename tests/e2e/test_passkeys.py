"""Passkeys end to end: added from the profile, signing in through the gateway instead of the
password, with a software authenticator; replays, clones, other origins and other accounts'
challenges and passkeys refused."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.authenticator import SoftwareAuthenticator, from_b64url
from e2e.flows import assert_problem, bearer, signed_in_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def challenge_key(options: dict[str, Any]) -> str:
    """How identity stores the options' challenge (its digest)."""
    return hashlib.sha256(from_b64url(options["challenge"])).hexdigest()


async def options_to_add(gateway: httpx.AsyncClient, session: dict[str, Any]) -> dict[str, Any]:
    answer = await gateway.post("/v1/me/passkeys/options", headers=bearer(session))
    assert answer.status_code == 200, answer.text
    options: dict[str, Any] = answer.json()["public_key"]
    return options


async def add_passkey(
    gateway: httpx.AsyncClient,
    session: dict[str, Any],
    authenticator: SoftwareAuthenticator,
    name: str = "Telefono",
) -> httpx.Response:
    credential = authenticator.create(await options_to_add(gateway, session))
    return await gateway.post(
        "/v1/me/passkeys", json={"name": name, "credential": credential}, headers=bearer(session)
    )


async def options_to_sign_in(gateway: httpx.AsyncClient) -> dict[str, Any]:
    answer = await gateway.post("/v1/auth/passkey/options")
    assert answer.status_code == 200, answer.text
    options: dict[str, Any] = answer.json()["public_key"]
    return options


async def sign_in(gateway: httpx.AsyncClient, credential: dict[str, Any]) -> httpx.Response:
    return await gateway.post("/v1/auth/passkey", json={"credential": credential})


async def test_a_passkey_added_from_the_profile_signs_in_instead_of_the_password(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    authenticator = SoftwareAuthenticator()

    options = await options_to_add(gateway, session)
    assert options["rp"] == {"id": "localhost", "name": "Area Clienti"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    added = await gateway.post(
        "/v1/me/passkeys",
        json={"name": "Telefono", "credential": authenticator.create(options)},
        headers=bearer(session),
    )
    assert added.status_code == 201, added.text
    passkey = added.json()
    assert (passkey["name"], passkey["transports"]) == ("Telefono", ["internal"])

    sign_in_options = await options_to_sign_in(gateway)
    assert "allowCredentials" not in sign_in_options or not sign_in_options["allowCredentials"]
    answer = await sign_in(gateway, authenticator.get(sign_in_options))
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    me = (await gateway.get("/v1/me", headers=bearer(tokens))).json()
    assert me["customer_codes"] == [customer.customer_code]

    listed = (await gateway.get("/v1/me/passkeys", headers=bearer(tokens))).json()["passkeys"]
    assert [p["passkey_id"] for p in listed] == [passkey["passkey_id"]]
    assert listed[0]["last_used_at"] is not None
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        db = client.sportello_identity
        opened = await db.activity.find_one(
            {"account_id": me["account_id"], "kind": "session.opened", "details.method": "passkey"}
        )
        assert opened is not None
        for spent in (options, sign_in_options):  # each challenge is gone once answered
            assert await db.passkey_challenges.find_one({"_id": challenge_key(spent)}) is None


async def test_a_replayed_or_cloned_assertion_is_refused(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)
    authenticator = SoftwareAuthenticator()
    assert (await add_passkey(gateway, session, authenticator)).status_code == 201

    first = authenticator.get(await options_to_sign_in(gateway), sign_count=5)
    assert (await sign_in(gateway, first)).status_code == 200
    assert_problem(await sign_in(gateway, first), 422, "passkey_challenge_invalid")

    clone = authenticator.get(await options_to_sign_in(gateway), sign_count=5)
    assert_problem(await sign_in(gateway, clone), 401, "passkey_cloned")
    onward = authenticator.get(await options_to_sign_in(gateway), sign_count=6)
    assert (await sign_in(gateway, onward)).status_code == 200


async def test_another_origin_another_accounts_challenge_or_passkey_is_refused(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, mine = await signed_in_customer(system, gateway)
    _, theirs = await signed_in_customer(system, gateway)

    phishing = SoftwareAuthenticator(origin="https://area-clienti.phishing.example")
    assert_problem(await add_passkey(gateway, mine, phishing), 422, "passkey_not_verified")

    # Their challenge, answered in my session.
    stolen = SoftwareAuthenticator().create(await options_to_add(gateway, theirs))
    answer = await gateway.post(
        "/v1/me/passkeys", json={"name": "x", "credential": stolen}, headers=bearer(mine)
    )
    assert_problem(answer, 422, "passkey_challenge_invalid")

    authenticator = SoftwareAuthenticator()
    added = (await add_passkey(gateway, theirs, authenticator)).json()
    # My own answer, from another origin: refused at sign-in too.
    phished = authenticator.get(await options_to_sign_in(gateway), origin=phishing.origin)
    assert_problem(await sign_in(gateway, phished), 401, "passkey_refused")
    # Their passkey is not mine to remove, nor to see.
    gone = await gateway.delete(f"/v1/me/passkeys/{added['passkey_id']}", headers=bearer(mine))
    assert_problem(gone, 404, "passkey_not_found")
    mine_listed = (await gateway.get("/v1/me/passkeys", headers=bearer(mine))).json()
    assert mine_listed == {"passkeys": []}
    removed = await gateway.delete(f"/v1/me/passkeys/{added['passkey_id']}", headers=bearer(theirs))
    assert removed.status_code == 204
    after = authenticator.get(await options_to_sign_in(gateway))
    assert_problem(await sign_in(gateway, after), 401, "passkey_refused")


async def test_an_expired_challenge_is_refused(system: Any, gateway: httpx.AsyncClient) -> None:
    _, session = await signed_in_customer(system, gateway)
    authenticator = SoftwareAuthenticator()
    assert (await add_passkey(gateway, session, authenticator)).status_code == 201
    options = await options_to_sign_in(gateway)
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        # As if its five minutes had passed (the TTL sweep may not have removed it yet).
        expired = await client.sportello_identity.passkey_challenges.update_one(
            {"_id": challenge_key(options)},
            {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}},
        )
    assert expired.matched_count == 1
    assert_problem(
        await sign_in(gateway, authenticator.get(options)), 422, "passkey_challenge_invalid"
    )
