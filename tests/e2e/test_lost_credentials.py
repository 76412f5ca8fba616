"""Lost password or username, the reset link, and changing the password, through the gateway."""

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.flows import (
    PASSWORD,
    assert_problem,
    bearer,
    log_in,
    mails_about,
    signed_in_customer,
    username_of,
)
from sportello_deploy.servers import text_of

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

NEW_PASSWORD = "Autunno-a-Trieste-31"
RESET_SUBJECT = "Area Clienti: il tuo nome utente e il link"
CHANGED_SUBJECT = "Area Clienti: la tua password è stata modificata"
TOKEN = re.compile(r"#token=(pr_[A-Za-z0-9_-]+)")


async def ask_recovery(gateway: httpx.AsyncClient, email: str) -> httpx.Response:
    return await gateway.post("/v1/auth/recovery", json={"email": email})


async def reset(
    gateway: httpx.AsyncClient, token: str, password: str = NEW_PASSWORD
) -> httpx.Response:
    return await gateway.post(
        "/v1/auth/password-reset", json={"reset_token": token, "new_password": password}
    )


def token_in(mail: Any) -> str:
    found = TOKEN.search(text_of(mail))
    assert found is not None, text_of(mail)
    return found.group(1)


async def reset_tokens(system: Any, address: str, count: int) -> list[str]:
    return [token_in(m) for m in await mails_about(system, address, RESET_SUBJECT, count)]


async def refreshes(gateway: httpx.AsyncClient, session: dict[str, Any]) -> bool:
    answer = await gateway.post(
        "/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    return answer.status_code == 200


async def identity_db(system: Any, work: Any) -> Any:
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        return await work(client.sportello_identity)


async def trail_of(system: Any, account_id: str) -> list[str]:
    async def kinds(db: Any) -> list[str]:
        found = db.activity.find({"account_id": account_id}).sort("at", 1)
        return [entry["kind"] async for entry in found]

    result: list[str] = await identity_db(system, kinds)
    return result


async def test_a_lost_password_is_reset_from_the_mail_and_every_session_ends(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    username = username_of(customer)
    # Locked out by wrong passwords (as 50 of them would), to see the reset end it.
    await identity_db(
        system,
        lambda db: db.attempts.insert_one(
            {
                "_id": f"username:{username}",
                "failures": 50,
                "last_failure_at": datetime.now(UTC),
                "expires_at": datetime.now(UTC) + timedelta(minutes=15),
            }
        ),
    )
    locked = await gateway.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert_problem(locked, 429, "account_locked")

    asked = await ask_recovery(gateway, customer.email.upper())
    assert asked.status_code == 202, asked.text
    assert "riceverai a breve un'e-mail" in asked.json()["detail"]

    (mail,) = await mails_about(system, customer.email, RESET_SUBJECT)
    text = text_of(mail)
    assert f"Il tuo nome utente è:   {username}" in text
    assert "http://127.0.0.1:8000/reimposta-password#token=pr_" in text
    token = token_in(mail)
    assert PASSWORD not in mail.as_string()

    # A password the rules refuse changes nothing and leaves the link usable.
    weak = await reset(gateway, token, "Password2026!")
    assert "troppo comune" in assert_problem(weak, 422, "weak_password")["detail"]
    assert (await reset(gateway, token)).status_code == 204

    assert not await refreshes(gateway, session)  # every session ended
    wrong = await gateway.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert_problem(wrong, 401, "wrong_credentials")
    await log_in(gateway, username, NEW_PASSWORD)  # and the lock with them

    (notice,) = await mails_about(system, customer.email, CHANGED_SUBJECT)
    assert "reimpostata con il\nlink di recupero" in text_of(notice)
    # The link was spent: nothing changes a second time.
    assert_problem(await reset(gateway, token, "Inverno-a-Bolzano-58"), 422, "link_invalid")
    fresh = await log_in(gateway, username, NEW_PASSWORD)
    # The access token of a session the reset ended is refused at once, not at its expiry.
    stale = await gateway.get("/v1/me", headers=bearer(session))
    assert_problem(stale, 401, "session_ended")
    me = (await gateway.get("/v1/me", headers=bearer(fresh))).json()
    trail = await trail_of(system, me["account_id"])
    assert trail.index("password_reset.requested") < trail.index("password.reset")
    # No secret in the logs of the services it crossed.
    for name in ("identity", "notifications", "gateway"):
        assert token not in (system.logs / f"{name}.log").read_text(), name


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, _ = await signed_in_customer(system, gateway)
    nobody = f"nessuno.{secrets.token_hex(4)}@example.it"
    known, unknown = (
        await ask_recovery(gateway, customer.email),
        await ask_recovery(gateway, nobody),
    )
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.headers["content-type"] == unknown.headers["content-type"]
    await mails_about(system, customer.email, RESET_SUBJECT)
    assert system.mail.messages_to(nobody) == []


async def test_an_older_tampered_expired_or_foreign_link_changes_nothing(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, _ = await signed_in_customer(system, gateway)
    other, _ = await signed_in_customer(system, gateway)
    assert (await ask_recovery(gateway, customer.email)).status_code == 202
    (older,) = await reset_tokens(system, customer.email, 1)
    assert (await ask_recovery(gateway, customer.email)).status_code == 202
    newer = next(t for t in await reset_tokens(system, customer.email, 2) if t != older)

    assert_problem(await reset(gateway, older), 422, "link_invalid")  # the newer one voids it
    tampered = newer[:-2] + ("AA" if not newer.endswith("AA") else "BB")
    assert_problem(await reset(gateway, tampered), 422, "link_invalid")
    assert_problem(await reset(gateway, "x" * 201), 422, "invalid_request")

    # Expired: as if its 30 minutes were over (the database's clock moved, not the test's).
    digest = hashlib.sha256(newer.encode()).hexdigest()
    past = datetime.now(UTC) - timedelta(seconds=1)
    await identity_db(
        system,
        lambda db: db.challenges.update_one({"_id": digest}, {"$set": {"expires_at": past}}),
    )
    assert_problem(await reset(gateway, newer), 422, "link_invalid")
    await log_in(gateway, username_of(customer))  # the password never changed

    # Another account's link resets that account, never this one.
    assert (await ask_recovery(gateway, other.email)).status_code == 202
    (theirs,) = await reset_tokens(system, other.email, 1)
    assert (await reset(gateway, theirs)).status_code == 204
    await log_in(gateway, username_of(customer))
    await log_in(gateway, username_of(other), NEW_PASSWORD)


async def test_requests_for_one_address_are_limited_so_its_inbox_is_not_flooded(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, _ = await signed_in_customer(system, gateway)
    for _ in range(3):  # the free ones
        assert (await ask_recovery(gateway, customer.email)).status_code == 202
    refused = await ask_recovery(gateway, customer.email)
    assert_problem(refused, 429, "too_many_requests")
    assert int(refused.headers["Retry-After"]) >= 1
    await mails_about(system, customer.email, RESET_SUBJECT, 3)


async def test_a_password_change_needs_the_current_one_and_ends_the_other_sessions(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    username = username_of(customer)
    other_device = await log_in(gateway, username)

    async def change(current: str, new: str, key: str | None = None) -> httpx.Response:
        headers = {**bearer(session), **({"Idempotency-Key": key} if key else {})}
        body = {"current_password": current, "new_password": new}
        return await gateway.put("/v1/me/password", json=body, headers=headers)

    assert_problem(await change("Sbagliata-123", NEW_PASSWORD), 422, "wrong_current_password")
    assert_problem(await change(PASSWORD, "Qwertyuiop1!"), 422, "weak_password")
    assert await refreshes(gateway, other_device)  # nothing changed so far
    other_device = await log_in(gateway, username)

    key = secrets.token_hex(8)
    assert (await change(PASSWORD, NEW_PASSWORD, key)).status_code == 204
    assert (await change(PASSWORD, NEW_PASSWORD, key)).status_code == 204  # a retry: the same

    assert not await refreshes(gateway, other_device)
    await log_in(gateway, username, NEW_PASSWORD)
    (notice,) = await mails_about(system, customer.email, CHANGED_SUBJECT)  # one, for one change
    assert "modificata dal\nprofilo" in text_of(notice)
    unauthenticated = await gateway.put(
        "/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert_problem(unauthenticated, 401, "unauthenticated")
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    trail = await trail_of(system, me["account_id"])
    assert trail.index("password.change_refused") < trail.index("password.changed")
