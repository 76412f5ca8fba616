"""Operators: bootstrapped, TOTP first, permissions checked at the gateway and in identity,
every action and every refused attempt in the trail."""

from typing import Any

import httpx
import pytest

from e2e.flows import assert_problem, bearer, log_in, signed_in_customer
from e2e.staff_flows import (
    OPERATOR_PASSWORD,
    bootstrap_operator,
    challenge_of,
    code_for,
    enrol_totp,
    second_step,
    signed_in_operator,
    trail,
)

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def new_operator(username: str, permissions: list[str]) -> dict[str, Any]:
    return {
        "username": username,
        "email": f"{username}@fornitore.example.it",
        "full_name": "Paola Neri",
        "password": "Sportello-Turno-2026",
        "permissions": permissions,
    }


async def test_a_bootstrap_operator_enrols_totp_before_anything_else_then_acts(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    username = bootstrap_operator(system)
    session = await log_in(gateway, username, OPERATOR_PASSWORD)
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    assert me["role"] == "operator"
    assert me["fiscal_code"] is None
    assert (me["totp_enabled"], me["permissions"]) == (False, [])
    operator_id = me["account_id"]

    # Before TOTP: nothing an operator does works, and the attempt is in its trail.
    created = await gateway.post(
        "/v1/operators", json=new_operator("op.prima", ["accounts.read"]), headers=bearer(session)
    )
    assert_problem(created, 403, "second_factor_enrolment_required")
    refused = [e for e in await trail(system, operator_id) if e["kind"] == "access.refused"]
    assert refused[-1]["details"] == {
        "action": "POST /v1/operators",
        "reason": "second_factor_enrolment_required",
    }
    assert (
        await gateway.post(
            "/v1/auth/login", json={"username": "op.prima", "password": "Sportello-Turno-2026"}
        )
    ).status_code == 401

    # Enrolled, the same session acts at once (identity's ScopeChanged reached the gateway).
    secret, recovery_codes = await enrol_totp(gateway, session)
    assert len(recovery_codes) == 10
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    assert me["totp_enabled"] is True
    assert me["permissions"] == [
        "operators.manage",
        "administrator_codes.issue",
        "accounts.read",
        "accounts.import",
    ]
    second = f"op.{operator_id[:8]}"
    created = await gateway.post(
        "/v1/operators", json=new_operator(second, ["accounts.read"]), headers=bearer(session)
    )
    assert created.status_code == 201, created.text
    assert created.json()["permissions"] == ["accounts.read"]
    second_id = created.json()["account_id"]

    # Who did what, when: in the creator's trail and in the new operator's.
    mine = await trail(system, operator_id)
    assert mine[0]["kind"] == "account.created"
    assert mine[0]["actor_id"] == "bootstrap"
    done = next(e for e in mine if e["kind"] == "operator.created")
    assert done["actor_id"] == operator_id
    assert done["details"] == {"operator_id": second_id}
    assert done["at"] is not None
    theirs = await trail(system, second_id)
    assert theirs[0]["kind"] == "account.created"
    assert theirs[0]["actor_id"] == operator_id

    # From now on the operator's log-in takes a second step.
    challenge = await challenge_of(gateway, username, OPERATOR_PASSWORD)
    answer = await second_step(gateway, challenge, code_for(secret, steps_ahead=1))
    assert answer.status_code == 200, answer.text

    # The new operator: TOTP first, and then only what it was given.
    other = await log_in(gateway, second, "Sportello-Turno-2026")
    assert_problem(
        await gateway.post(
            "/v1/operators", json=new_operator("op.terza", ["accounts.read"]), headers=bearer(other)
        ),
        403,
        "second_factor_enrolment_required",
    )
    await enrol_totp(gateway, other)
    assert_problem(
        await gateway.post(
            "/v1/operators", json=new_operator("op.terza", ["accounts.read"]), headers=bearer(other)
        ),
        403,
        "permission_missing",
    )
    assert (await trail(system, second_id))[-1]["details"]["reason"] == "permission_missing"


async def test_a_customer_calling_an_operators_route_is_refused_and_it_is_recorded(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    answer = await gateway.post(
        "/v1/operators",
        json=new_operator("op.abusivo", ["operators.manage"]),
        headers=bearer(session),
    )
    assert_problem(answer, 403, "operators_only")
    refused = (await trail(system, me["account_id"]))[-1]
    assert refused["kind"] == "access.refused"
    assert refused["details"]["reason"] == "operators_only"
    # Nothing was created.
    login = {"username": "op.abusivo", "password": "Sportello-Turno-2026"}
    assert (await gateway.post("/v1/auth/login", json=login)).status_code == 401


async def test_operators_input_is_checked_and_a_clash_is_a_conflict(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    username, session, _ = await signed_in_operator(system, gateway)
    no_permission = new_operator("op.senza", [])
    answer = await gateway.post("/v1/operators", json=no_permission, headers=bearer(session))
    assert_problem(answer, 422, "invalid_request")
    unknown = new_operator("op.strana", ["everything"])
    answer = await gateway.post("/v1/operators", json=unknown, headers=bearer(session))
    assert_problem(answer, 422, "invalid_request")
    weak = {**new_operator("op.debole", ["accounts.read"]), "password": "password"}
    answer = await gateway.post("/v1/operators", json=weak, headers=bearer(session))
    assert_problem(answer, 422, "weak_password")
    taken = {**new_operator(username, ["accounts.read"]), "email": "altra@fornitore.example.it"}
    answer = await gateway.post("/v1/operators", json=taken, headers=bearer(session))
    assert_problem(answer, 409, "username_taken")
    anonymous = await gateway.post("/v1/operators", json=new_operator("op.x", ["accounts.read"]))
    assert_problem(anonymous, 401, "unauthenticated")
