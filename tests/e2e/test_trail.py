"""The trail, read: the user's own (log-ins, failures with their address, changes), newest first
in pages; and an operator's reading of a customer's, which the customer then sees."""

from typing import Any

import httpx
import pytest

from e2e.flows import assert_problem, bearer, log_in, signed_in_customer, username_of
from e2e.staff_flows import OPERATOR_PASSWORD, bootstrap_operator, signed_in_operator

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def test_my_trail_shows_log_ins_and_failures_newest_first_in_pages(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    wrong = {"username": username_of(customer), "password": "Non-È-Lei-2026"}
    assert (await gateway.post("/v1/auth/login", json=wrong)).status_code == 401

    page = await gateway.get("/v1/me/activity", headers=bearer(session))
    assert page.status_code == 200, page.text
    entries = page.json()["entries"]
    assert [e["kind"] for e in entries] == ["login.failed", "session.opened"]
    assert entries[0]["client_address"] == "127.0.0.1"
    assert entries[1]["details"] == {"method": "password"}
    assert page.json()["next_cursor"] is None

    first = await gateway.get("/v1/me/activity?limit=1", headers=bearer(session))
    cursor = first.json()["next_cursor"]
    assert [e["kind"] for e in first.json()["entries"]] == ["login.failed"]
    rest = await gateway.get(
        "/v1/me/activity", params={"limit": 1, "before": cursor}, headers=bearer(session)
    )
    assert [e["kind"] for e in rest.json()["entries"]] == ["session.opened"]
    assert rest.json()["next_cursor"] is None

    tampered = await gateway.get(
        "/v1/me/activity", params={"before": cursor[:-3] + "xyz"}, headers=bearer(session)
    )
    assert_problem(tampered, 422, "invalid_cursor")
    too_many = await gateway.get("/v1/me/activity?limit=1000", headers=bearer(session))
    assert_problem(too_many, 422, "invalid_request")
    assert_problem(await gateway.get("/v1/me/activity"), 401, "unauthenticated")


async def test_an_operator_reads_a_customers_trail_and_the_customer_sees_who(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, customer = await signed_in_customer(system, gateway)
    customer_id = (await gateway.get("/v1/me", headers=bearer(customer))).json()["account_id"]
    _, operator, _ = await signed_in_operator(system, gateway)
    operator_id = (await gateway.get("/v1/me", headers=bearer(operator))).json()["account_id"]

    read = await gateway.get(
        f"/v1/operators/accounts/{customer_id}/activity", headers=bearer(operator)
    )
    assert read.status_code == 200, read.text
    assert "session.opened" in [e["kind"] for e in read.json()["entries"]]

    mine = (await gateway.get("/v1/me/activity", headers=bearer(customer))).json()["entries"]
    assert mine[0]["kind"] == "trail.read_by_operator"
    assert mine[0]["actor_id"] == operator_id
    theirs = (await gateway.get("/v1/me/activity", headers=bearer(operator))).json()["entries"]
    assert theirs[0]["kind"] == "customer_trail.read"
    assert theirs[0]["details"] == {"account_id": customer_id}

    missing = await gateway.get(
        "/v1/operators/accounts/no-such-account/activity", headers=bearer(operator)
    )
    assert_problem(missing, 404, "account_not_found")
    # A customer reading another's trail, or an operator without TOTP: refused, and recorded.
    nosy = await gateway.get(
        f"/v1/operators/accounts/{operator_id}/activity", headers=bearer(customer)
    )
    assert_problem(nosy, 403, "operators_only")
    mine = (await gateway.get("/v1/me/activity", headers=bearer(customer))).json()["entries"]
    assert mine[0]["kind"] == "access.refused"
    assert mine[0]["details"]["action"] == f"GET /v1/operators/accounts/{operator_id}/activity"
    fresh = await log_in(gateway, bootstrap_operator(system), OPERATOR_PASSWORD)
    unenrolled = await gateway.get(
        f"/v1/operators/accounts/{customer_id}/activity", headers=bearer(fresh)
    )
    assert_problem(unenrolled, 403, "second_factor_enrolment_required")
    mine = (await gateway.get("/v1/me/activity", headers=bearer(customer))).json()["entries"]
    assert mine[0]["kind"] == "access.refused"  # nothing was read of it
