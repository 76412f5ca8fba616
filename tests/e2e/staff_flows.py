"""Steps the operators' and second factors' end-to-end tests share."""

import subprocess
import sys
import time
from typing import Any
from uuid import uuid4

import httpx
import pyotp
from pymongo import AsyncMongoClient

from e2e.flows import bearer, log_in

OPERATOR_PASSWORD = "Turno-di-Notte-2026"


def bootstrap_operator(system: Any, username: str | None = None) -> str:
    """An operator with every permission, made by identity's bootstrap command; its username."""
    username = username or f"op.{uuid4().hex[:10]}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sportello_identity.operator_cli",
            "create",
            "--username",
            username,
            "--email",
            f"{username}@fornitore.example.it",
            "--full-name",
            "Operatore di Prova",
        ],
        env={**system.env, "SPORTELLO_OPERATOR_PASSWORD": OPERATOR_PASSWORD},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return username


def code_for(secret: str, steps_ahead: int = 0) -> str:
    """The TOTP code of the current 30-second step, or of one ahead (accepted: clocks drift)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


async def enrol_totp(gateway: httpx.AsyncClient, session: dict[str, Any]) -> tuple[str, list[str]]:
    """TOTP on for the session's account: its secret and recovery codes."""
    started = await gateway.post("/v1/me/totp", headers=bearer(session))
    assert started.status_code == 200, started.text
    secret = started.json()["secret"]
    assert secret in started.json()["otpauth_uri"]
    confirmed = await gateway.post(
        "/v1/me/totp/confirm", json={"code": code_for(secret)}, headers=bearer(session)
    )
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


async def challenge_of(gateway: httpx.AsyncClient, username: str, password: str) -> str:
    """The password step of a log-in with TOTP on: its challenge."""
    answer = await gateway.post("/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 401, answer.text
    problem = answer.json()
    assert problem["code"] == "second_factor_required"
    assert problem["details"]["expires_in"] > 0
    challenge: str = problem["details"]["challenge"]
    return challenge


async def second_step(gateway: httpx.AsyncClient, challenge: str, code: str) -> httpx.Response:
    return await gateway.post(
        "/v1/auth/login/second-factor", json={"challenge": challenge, "code": code}
    )


async def signed_in_operator(
    system: Any, gateway: httpx.AsyncClient
) -> tuple[str, dict[str, Any], str]:
    """A bootstrap operator with TOTP on, signed in: username, session, TOTP secret."""
    username = bootstrap_operator(system)
    session = await log_in(gateway, username, OPERATOR_PASSWORD)
    secret, _ = await enrol_totp(gateway, session)
    return username, session, secret


async def trail(system: Any, account_id: str) -> list[dict[str, Any]]:
    """The account's trail as identity keeps it, oldest first."""
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        found = client.sportello_identity.activity.find({"account_id": account_id}).sort("at", 1)
        return await found.to_list()
