"""A new e-mail address is used only once its link is followed, at registration and from the
profile; the address mail went to is told. Through the gateway, reading the maildir."""

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
    onboard,
    register,
    signed_in_customer,
    username_of,
)
from sportello_deploy.servers import text_of
from sportello_deploy.testing import random_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

CONFIRM_SUBJECT = "Area Clienti: conferma il tuo indirizzo e-mail"
NOTICE_SUBJECT = "Area Clienti: è stato indicato un nuovo indirizzo e-mail"
CHANGED_SUBJECT = "Area Clienti: il tuo indirizzo e-mail è cambiato"
RESET_SUBJECT = "Area Clienti: il tuo nome utente e il link"
TOKEN = re.compile(r"#token=(ec_[A-Za-z0-9_-]+)")


def new_address() -> str:
    # Nothing another test's address contains (the maildir is searched by substring).
    return f"indirizzo.{secrets.token_hex(5)}@example.org"


async def confirmation_token(system: Any, address: str, count: int = 1) -> list[str]:
    mails = await mails_about(system, address, CONFIRM_SUBJECT, count)
    found = [TOKEN.search(text_of(m)) for m in mails]
    assert all(found), [text_of(m) for m in mails]
    return [f.group(1) for f in found if f is not None]


async def confirm(gateway: httpx.AsyncClient, token: str) -> httpx.Response:
    return await gateway.post("/v1/auth/email-confirmation", json={"confirmation_token": token})


async def me(gateway: httpx.AsyncClient, session: dict[str, Any]) -> dict[str, Any]:
    answer = await gateway.get("/v1/me", headers=bearer(session))
    assert answer.status_code == 200, answer.text
    profile: dict[str, Any] = answer.json()
    return profile


async def test_an_address_typed_at_registration_is_used_once_confirmed(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, typed = random_customer(), new_address()
    await onboard(system, customer)
    answer = await register(gateway, customer, email=typed)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["email"], answer.json()["pending_email"]) == (customer.email, typed)

    # Until the link is followed, mail goes to the back-office's address, which is told.
    await mails_about(system, customer.email, "Benvenuto nell'Area Clienti")
    (notice,) = await mails_about(system, customer.email, NOTICE_SUBJECT)
    assert typed in text_of(notice)
    (token,) = await confirmation_token(system, typed)
    session = await log_in(gateway, username_of(customer))
    profile = await me(gateway, session)
    assert (profile["email"], profile["pending_email"]) == (customer.email, typed)
    # An address nobody confirmed gets no reset link (anyone can type anyone's address).
    for address in (typed, customer.email):
        assert (await gateway.post("/v1/auth/recovery", json={"email": address})).status_code == 202
    await mails_about(system, customer.email, RESET_SUBJECT)
    assert await mails_about(system, typed, RESET_SUBJECT, 0) == []

    confirmed = await confirm(gateway, token)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {"email": typed}
    profile = await me(gateway, session)
    assert (profile["email"], profile["pending_email"]) == (typed, None)
    (told,) = await mails_about(system, customer.email, CHANGED_SUBJECT)
    assert typed in text_of(told)
    assert_problem(await confirm(gateway, token), 422, "link_invalid")  # spent


async def test_a_change_from_the_profile_waits_for_the_latest_link(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    other, _ = await signed_in_customer(system, gateway)
    first, second = new_address(), new_address()

    async def change(address: str, password: str = PASSWORD) -> httpx.Response:
        body = {"email": address, "current_password": password}
        return await gateway.put("/v1/me/email", json=body, headers=bearer(session))

    # A stolen session alone does not move the address reset links go to.
    assert_problem(await change(first, "Non-la-mia-77"), 422, "wrong_current_password")
    assert_problem(await change(other.email), 409, "email_taken")
    asked = await change(first)
    assert asked.status_code == 202, asked.text
    assert asked.json()["pending_email"] == first
    assert "Ti abbiamo inviato un link" in asked.json()["detail"]
    (older,) = await confirmation_token(system, first)
    assert (await change(second)).status_code == 202
    (newer,) = await confirmation_token(system, second)
    notices = await mails_about(system, customer.email, NOTICE_SUBJECT, 2)  # the old address told
    assert {first, second} <= {a for m in notices for a in (first, second) if a in text_of(m)}
    assert (await me(gateway, session))["email"] == customer.email  # nothing switched yet

    assert_problem(await confirm(gateway, older), 422, "link_invalid")  # the newer voids it
    assert_problem(await confirm(gateway, newer[:-2] + "zz"), 422, "link_invalid")
    assert_problem(await confirm(gateway, "y" * 201), 422, "invalid_request")
    assert (await confirm(gateway, newer)).status_code == 200
    assert (await me(gateway, session))["email"] == second
    await mails_about(system, customer.email, CHANGED_SUBJECT)
    # Mail now goes to the new address: a reset link does.
    assert (await gateway.post("/v1/auth/recovery", json={"email": second})).status_code == 202
    await mails_about(system, second, RESET_SUBJECT)
    unauthenticated = await gateway.put(
        "/v1/me/email", json={"email": new_address(), "current_password": PASSWORD}
    )
    assert_problem(unauthenticated, 401, "unauthenticated")


async def test_an_expired_confirmation_link_changes_nothing(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    address = new_address()
    body = {"email": address, "current_password": PASSWORD}
    asked = await gateway.put("/v1/me/email", json=body, headers=bearer(session))
    assert asked.status_code == 202, asked.text
    (token,) = await confirmation_token(system, address)
    # As if its 24 hours were over (the database's clock moved, not the test's).
    digest = hashlib.sha256(token.encode()).hexdigest()
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        past = datetime.now(UTC) - timedelta(seconds=1)
        expired = await client.sportello_identity.challenges.update_one(
            {"_id": digest}, {"$set": {"expires_at": past}}
        )
        assert expired.modified_count == 1
    assert_problem(await confirm(gateway, token), 422, "link_invalid")
    profile = await me(gateway, session)
    assert (profile["email"], profile["pending_email"]) == (customer.email, None)
