"""Sessions through the gateway: the list, ending one, logging out everywhere; a double submit
of a refresh; an ended session's access tokens refused at once; each in the account's trail."""

import asyncio
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.flows import (
    PASSWORD,
    REFRESH_GRACE_SECONDS,
    assert_problem,
    bearer,
    refused,
    signed_in_customer,
    username_of,
)
from sportello_deploy.backoffice import NewCustomer
from sportello_deploy.testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


async def log_in_with(
    gateway: httpx.AsyncClient, customer: NewCustomer, user_agent: str
) -> dict[str, Any]:
    answer = await gateway.post(
        "/v1/auth/login",
        json={"username": username_of(customer), "password": PASSWORD},
        headers={"User-Agent": user_agent},
    )
    assert answer.status_code == 200, answer.text
    session: dict[str, Any] = answer.json()
    return session


async def sessions_of(gateway: httpx.AsyncClient, session: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await gateway.get("/v1/sessions", headers=bearer(session))
    assert answer.status_code == 200, answer.text
    listed: list[dict[str, Any]] = answer.json()["sessions"]
    return listed


async def trail_kinds(system: Any, account_id: str) -> list[str]:
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        entries = client.sportello_identity.activity.find({"account_id": account_id}).sort("at", 1)
        return [entry["kind"] async for entry in entries]


async def account_id_of(gateway: httpx.AsyncClient, session: dict[str, Any]) -> str:
    return str((await gateway.get("/v1/me", headers=bearer(session))).json()["account_id"])


async def test_my_sessions_show_device_and_address_and_which_one_is_mine(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, _ = await signed_in_customer(system, gateway)
    desk = await log_in_with(gateway, customer, FIREFOX)
    phone = await log_in_with(gateway, customer, IPHONE)

    listed = await sessions_of(gateway, phone)

    devices = {s["device"]: s for s in listed}
    assert {"Firefox su Windows", "Safari su iPhone"} <= set(devices)
    assert devices["Safari su iPhone"]["current"] is True
    assert devices["Firefox su Windows"]["current"] is False
    assert sum(s["current"] for s in listed) == 1
    assert devices["Firefox su Windows"]["client_address"] == "127.0.0.1"
    assert {"session_id", "created_at", "last_used_at"} <= set(devices["Safari su iPhone"])
    # The same list from the other device, with the other one marked.
    assert [s["device"] for s in await sessions_of(gateway, desk) if s["current"]] == [
        "Firefox su Windows"
    ]


async def test_ending_one_of_my_sessions_stops_its_access_token_at_the_next_request(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, _ = await signed_in_customer(system, gateway)
    here = await log_in_with(gateway, customer, FIREFOX)
    lost_phone = await log_in_with(gateway, customer, IPHONE)
    assert (await gateway.get("/v1/me", headers=bearer(lost_phone))).status_code == 200
    (phone_session,) = [
        s for s in await sessions_of(gateway, here) if s["device"] == "Safari su iPhone"
    ]

    ended = await gateway.delete(
        f"/v1/sessions/{phone_session['session_id']}", headers=bearer(here)
    )

    assert ended.status_code == 204, ended.text
    assert_problem(await gateway.get("/v1/me", headers=bearer(lost_phone)), 401, "session_ended")
    refresh = {"refresh_token": lost_phone["refresh_token"]}
    assert_problem(await gateway.post("/v1/auth/refresh", json=refresh), 401, "session_ended")
    assert (await gateway.get("/v1/me", headers=bearer(here))).status_code == 200
    assert phone_session["session_id"] not in {
        s["session_id"] for s in await sessions_of(gateway, here)
    }
    assert "session.ended" in await trail_kinds(system, await account_id_of(gateway, here))


async def test_a_session_of_another_account_is_not_found_and_goes_on(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, mine = await signed_in_customer(system, gateway)
    _, theirs = await signed_in_customer(system, gateway)
    (their_session,) = [s for s in await sessions_of(gateway, theirs) if s["current"]]

    answer = await gateway.delete(
        f"/v1/sessions/{their_session['session_id']}", headers=bearer(mine)
    )

    assert_problem(answer, 404, "session_not_found")
    unknown = await gateway.delete("/v1/sessions/no-such-session", headers=bearer(mine))
    assert unknown.json() == {**answer.json(), "instance": unknown.json()["instance"]}
    assert (await gateway.get("/v1/me", headers=bearer(theirs))).status_code == 200
    too_long = await gateway.delete(f"/v1/sessions/{'x' * 65}", headers=bearer(mine))
    assert_problem(too_long, 422, "invalid_request")


async def test_logging_out_everywhere_but_here_ends_every_other_session_at_once(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, first = await signed_in_customer(system, gateway)
    second = await log_in_with(gateway, customer, IPHONE)
    here = await log_in_with(gateway, customer, FIREFOX)

    answer = await gateway.delete("/v1/sessions?keep_current=true", headers=bearer(here))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"ended": 2}
    for other in (first, second):
        assert_problem(await gateway.get("/v1/me", headers=bearer(other)), 401, "session_ended")
    assert (await gateway.get("/v1/me", headers=bearer(here))).status_code == 200
    assert [s["current"] for s in await sessions_of(gateway, here)] == [True]
    assert "session.ended_all" in await trail_kinds(system, await account_id_of(gateway, here))


async def test_logging_out_everywhere_ends_this_session_too(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, other = await signed_in_customer(system, gateway)
    here = await log_in_with(gateway, customer, FIREFOX)

    answer = await gateway.delete("/v1/sessions", headers=bearer(here))

    assert answer.json() == {"ended": 2}
    for session in (here, other):
        assert_problem(await gateway.get("/v1/me", headers=bearer(session)), 401, "session_ended")
        body = {"refresh_token": session["refresh_token"]}
        assert_problem(await gateway.post("/v1/auth/refresh", json=body), 401, "session_ended")


async def test_logging_out_stops_the_access_token_too(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)
    out = await gateway.post("/v1/auth/logout", json={"refresh_token": session["refresh_token"]})
    assert out.status_code == 204
    # Identity's `SessionsEnded` reaches the gateway through the outbox: within moments.
    await eventually(lambda: refused(gateway, session), what="the access token refused")


async def test_a_refresh_submitted_twice_at_once_gets_two_pairs_and_ends_nothing(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)
    body = {"refresh_token": session["refresh_token"]}

    first, second = await asyncio.gather(
        gateway.post("/v1/auth/refresh", json=body), gateway.post("/v1/auth/refresh", json=body)
    )

    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    for pair in (first.json(), second.json()):
        assert (await gateway.get("/v1/me", headers=bearer(pair))).status_code == 200
    account_id = await account_id_of(gateway, first.json())
    assert "session.refresh_reused" not in await trail_kinds(system, account_id)


async def test_a_refresh_reused_after_the_grace_ends_the_session_and_lands_in_the_trail(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)
    body = {"refresh_token": session["refresh_token"]}
    renewed = await gateway.post("/v1/auth/refresh", json=body)
    assert renewed.status_code == 200
    account_id = await account_id_of(gateway, renewed.json())

    await asyncio.sleep(REFRESH_GRACE_SECONDS + 0.2)
    assert_problem(await gateway.post("/v1/auth/refresh", json=body), 401, "session_ended")

    await eventually(
        lambda: refused(gateway, renewed.json()), what="the line's access token refused"
    )
    assert (await trail_kinds(system, account_id))[-1] == "session.refresh_reused"


async def test_the_sessions_routes_need_a_live_access_token(gateway: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/v1/sessions"),
        ("DELETE", "/v1/sessions"),
        ("DELETE", "/v1/sessions/x"),
    ):
        answer = await gateway.request(method, path)
        assert_problem(answer, 401, "unauthenticated")
