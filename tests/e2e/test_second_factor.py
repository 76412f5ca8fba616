"""TOTP: enrolment, a log-in in two steps, recovery codes, and the attacks on them (wrong,
replayed and expired codes, spent recovery codes, a challenge reused, expired or made up)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.flows import PASSWORD, assert_problem, bearer, log_in, signed_in_customer, username_of
from e2e.staff_flows import (
    challenge_of,
    code_for,
    enrol_totp,
    second_step,
    signed_in_operator,
    trail,
)
from sportello_identity.domain.second_factor import challenge_key

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_totp_enrolment_needs_a_right_first_code(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    assert_problem(
        await gateway.post("/v1/me/totp/confirm", json={"code": "123456"}, headers=bearer(session)),
        409,
        "totp_not_enabled",
    )
    started = await gateway.post("/v1/me/totp", headers=bearer(session))
    assert started.headers["cache-control"] == "no-store"
    uri = started.json()["otpauth_uri"]
    assert uri.startswith("otpauth://totp/")
    wrong = await gateway.post(
        "/v1/me/totp/confirm", json={"code": "000000"}, headers=bearer(session)
    )
    assert_problem(wrong, 422, "wrong_second_factor")
    secret = started.json()["secret"]
    right = await gateway.post(
        "/v1/me/totp/confirm", json={"code": code_for(secret)}, headers=bearer(session)
    )
    assert right.status_code == 200, right.text
    assert len(set(right.json()["recovery_codes"])) == 10
    assert_problem(
        await gateway.post("/v1/me/totp", headers=bearer(session)), 409, "totp_already_enabled"
    )
    kinds = [e["kind"] for e in await trail(system, me["account_id"])]
    assert "second_factor.failed" in kinds
    assert "totp.enabled" in kinds
    # No secret in identity's log.
    assert secret not in (system.logs / "identity.log").read_text()


async def test_a_log_in_with_totp_takes_two_steps_and_refuses_replays(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    secret, recovery = await enrol_totp(gateway, session)
    username = username_of(customer)

    challenge = await challenge_of(gateway, username, PASSWORD)
    assert_problem(await second_step(gateway, challenge, "000000"), 422, "wrong_second_factor")
    code = code_for(secret, steps_ahead=1)
    answer = await second_step(gateway, challenge, code)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert (await gateway.get("/v1/me", headers=bearer(answer.json()))).status_code == 200

    # The challenge was spent; the code too, even with a fresh challenge.
    assert_problem(await second_step(gateway, challenge, code), 401, "challenge_ended")
    fresh = await challenge_of(gateway, username, PASSWORD)
    assert_problem(await second_step(gateway, fresh, code), 422, "wrong_second_factor")
    # A code already used at enrolment's step is older still: refused.
    assert_problem(await second_step(gateway, fresh, code_for(secret)), 422, "wrong_second_factor")

    # A recovery code works once.
    answer = await second_step(gateway, fresh, recovery[0].upper())
    assert answer.status_code == 200, answer.text
    again = await challenge_of(gateway, username, PASSWORD)
    assert_problem(await second_step(gateway, again, recovery[0]), 422, "wrong_second_factor")

    # A challenge made up, or one past its minutes.
    made_up = "ch_" + "A" * 43
    assert_problem(await second_step(gateway, made_up, recovery[1]), 401, "challenge_ended")
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        await client.sportello_identity.login_challenges.update_one(
            {"_id": challenge_key(again)},
            {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}},
        )
        assert_problem(await second_step(gateway, again, recovery[1]), 401, "challenge_ended")
        # Every wrong code counted against the account, like wrong passwords.
        counted = await client.sportello_identity.attempts.find_one(
            {"_id": f"second_factor:{me['account_id']}"}
        )
    assert counted is not None
    assert counted["last_failure_at"] is not None
    # The recovery code the expired challenge came with was not spent.
    last = await challenge_of(gateway, username, PASSWORD)
    assert (await second_step(gateway, last, recovery[1])).status_code == 200

    opened = [e for e in await trail(system, me["account_id"]) if e["kind"] == "session.opened"]
    assert [e["details"]["method"] for e in opened[-3:]] == [
        "totp",
        "recovery_code",
        "recovery_code",
    ]
    failed = [
        e for e in await trail(system, me["account_id"]) if e["kind"] == "second_factor.failed"
    ]
    assert len(failed) == 4


async def test_recovery_codes_regenerated_and_totp_turned_off_with_a_code(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    _, recovery = await enrol_totp(gateway, session)
    assert_problem(
        await gateway.post(
            "/v1/me/totp/recovery-codes", json={"code": "zzzz-zzzz-zzzz"}, headers=bearer(session)
        ),
        422,
        "wrong_second_factor",
    )
    renewed = await gateway.post(
        "/v1/me/totp/recovery-codes", json={"code": recovery[0]}, headers=bearer(session)
    )
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()["recovery_codes"]
    assert not set(fresh) & set(recovery)
    # The old codes stopped working.
    assert_problem(
        await gateway.post(
            "/v1/me/totp/disable", json={"code": recovery[1]}, headers=bearer(session)
        ),
        422,
        "wrong_second_factor",
    )
    off = await gateway.post(
        "/v1/me/totp/disable", json={"code": fresh[0]}, headers=bearer(session)
    )
    assert off.status_code == 204, off.text
    # A password is enough again.
    await log_in(gateway, username_of(customer))
    assert_problem(
        await gateway.post("/v1/me/totp/disable", json={"code": fresh[1]}, headers=bearer(session)),
        409,
        "totp_not_enabled",
    )


async def test_an_operator_cannot_turn_totp_off(system: Any, gateway: httpx.AsyncClient) -> None:
    _, session, secret = await signed_in_operator(system, gateway)
    answer = await gateway.post(
        "/v1/me/totp/disable", json={"code": code_for(secret, 1)}, headers=bearer(session)
    )
    assert_problem(answer, 409, "totp_required")
