"""Accounts of the older portal: an operator imports one, its user logs in with the old password,
which identity replaces with argon2id at once."""

import base64
import hashlib
import os
from typing import Any

import bcrypt
import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e import staff_flows
from e2e.flows import assert_problem, bearer, log_in, signed_in_customer
from sportello_deploy.testing import random_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

OLD_PASSWORD = "ciao2011"  # the older portal had no rules: the old password keeps working


async def signed_in_operator(system: Any, gateway: httpx.AsyncClient) -> dict[str, Any]:
    """A bootstrap operator's session, TOTP on (every permission, `accounts.import` too)."""
    _, session, _ = await staff_flows.signed_in_operator(system, gateway)
    return session


def legacy_account(password_hash: str, **overrides: Any) -> dict[str, Any]:
    customer = random_customer()
    return {
        # The older portal took e-mail addresses and capitals as usernames.
        "username": f"Vecchio.{customer.customer_code}@Portale.it",
        "password_hash": password_hash,
        "fiscal_code": customer.fiscal_code,
        "customer_codes": [customer.customer_code],
        "email": customer.email,
        "full_name": "Carla Verdi",
        **overrides,
    }


def django_hash(password: str) -> str:
    salt = base64.b64encode(os.urandom(9)).decode()
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 20_000)
    return f"pbkdf2_sha256$20000${salt}${base64.b64encode(digest).decode()}"


async def stored_hash(system: Any, account_id: str) -> str:
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        account = await client.sportello_identity.accounts.find_one({"_id": account_id})
    assert account is not None
    return str(account["password_hash"])


def ab64(raw: bytes) -> str:
    """passlib's base64: `.` for `+`, no padding."""
    return base64.b64encode(raw).decode().rstrip("=").replace("+", ".")


def passlib_hash(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 29_000)
    return f"$pbkdf2-sha256$29000${ab64(salt)}${ab64(digest)}"


@pytest.mark.parametrize(
    "make",
    [
        lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(6)).decode(),
        django_hash,
        passlib_hash,
        lambda p: hashlib.sha1(p.encode()).hexdigest(),  # noqa: S324 (the older portal's)
        lambda p: hashlib.md5(p.encode()).hexdigest(),  # noqa: S324 (the older portal's)
    ],
    ids=["bcrypt", "django-pbkdf2", "passlib-pbkdf2", "sha1", "md5"],
)
async def test_an_imported_account_logs_in_with_its_old_password_then_holds_argon2id(
    system: Any, gateway: httpx.AsyncClient, make: Any
) -> None:
    operator = await signed_in_operator(system, gateway)
    body = legacy_account(make(OLD_PASSWORD))

    answer = await gateway.post(
        "/v1/operators/legacy-accounts", json=body, headers=bearer(operator)
    )
    assert answer.status_code == 201, answer.text
    imported = answer.json()
    assert imported["username"] == body["username"].lower()
    assert await stored_hash(system, imported["account_id"]) == body["password_hash"]

    session = await log_in(gateway, body["username"], OLD_PASSWORD)
    assert (await stored_hash(system, imported["account_id"])).startswith("$argon2id$")
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    assert (me["fiscal_code"], me["customer_codes"]) == (
        body["fiscal_code"],
        body["customer_codes"],
    )
    assert me["full_name"] == "Carla Verdi"

    await log_in(gateway, body["username"], OLD_PASSWORD)  # again, against argon2id now
    wrong = await gateway.post(
        "/v1/auth/login", json={"username": body["username"], "password": "ciao2012"}
    )
    assert_problem(wrong, 401, "wrong_credentials")
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        trail = client.sportello_identity.activity.find({"account_id": imported["account_id"]})
        kinds = [entry["kind"] async for entry in trail.sort("at", 1)]
    assert kinds[:3] == ["account.imported", "password.upgraded", "session.opened"]
    assert OLD_PASSWORD not in (system.logs / "identity.log").read_text()


async def test_only_an_operator_imports_and_nothing_is_created_otherwise(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, customer_session = await signed_in_customer(system, gateway)
    body = legacy_account(hashlib.md5(OLD_PASSWORD.encode()).hexdigest())  # noqa: S324

    refused = await gateway.post(
        "/v1/operators/legacy-accounts", json=body, headers=bearer(customer_session)
    )
    assert_problem(refused, 403, "operators_only")
    anonymous = await gateway.post("/v1/operators/legacy-accounts", json=body)
    assert anonymous.status_code == 401
    nobody = await gateway.post(
        "/v1/auth/login", json={"username": body["username"], "password": OLD_PASSWORD}
    )
    assert_problem(nobody, 401, "wrong_credentials")


async def test_a_malformed_hash_or_a_registered_fiscal_code_is_refused(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    operator = await signed_in_operator(system, gateway)
    for malformed in ("ciao2011", "$2b$10$tooshort", "pbkdf2_sha256$abc$salt$hash", "f" * 64):
        answer = await gateway.post(
            "/v1/operators/legacy-accounts",
            json=legacy_account(malformed),
            headers=bearer(operator),
        )
        assert_problem(answer, 422, "unknown_hash_format")

    registered, _ = await signed_in_customer(system, gateway)
    clash = legacy_account(
        hashlib.md5(OLD_PASSWORD.encode()).hexdigest(),  # noqa: S324
        fiscal_code=registered.fiscal_code,
        customer_codes=[registered.customer_code],
    )
    answer = await gateway.post(
        "/v1/operators/legacy-accounts", json=clash, headers=bearer(operator)
    )
    assert_problem(answer, 409, "already_registered")
