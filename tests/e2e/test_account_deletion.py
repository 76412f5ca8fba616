"""Deleting an account end to end: asked with the password (or a passkey) again, confirmed;
identity erases it at once, billing and notifications erase their part and confirm, the user is
told by e-mail, and the same PIN registers again."""

from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.authenticator import SoftwareAuthenticator
from e2e.flows import (
    PASSWORD,
    assert_problem,
    bearer,
    log_in,
    register,
    signed_in_customer,
    username_of,
)
from sportello_deploy.servers import text_of
from sportello_deploy.testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

DELETED_SUBJECT = "Area Clienti: il tuo account è stato cancellato"


def subject_of(mail: Message) -> str:
    return str(make_header(decode_header(mail["Subject"])))


async def ask_deletion(
    gateway: httpx.AsyncClient, session: dict[str, Any], **proof: Any
) -> httpx.Response:
    return await gateway.post(
        "/v1/me/deletion", json=proof or {"password": PASSWORD}, headers=bearer(session)
    )


async def confirm_deletion(
    gateway: httpx.AsyncClient, session: dict[str, Any], deletion_id: str
) -> httpx.Response:
    return await gateway.post(f"/v1/me/deletion/{deletion_id}/confirm", headers=bearer(session))


async def deletion_of(system: Any, deletion_id: str) -> dict[str, Any] | None:
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        return await client.sportello_identity.deletions.find_one({"_id": deletion_id})


async def test_a_deleted_account_is_erased_everywhere_and_the_pin_registers_again(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()

    asked = await ask_deletion(gateway, session)
    assert asked.status_code == 201, asked.text
    deletion_id = asked.json()["deletion_id"]
    assert (await gateway.get("/v1/me", headers=bearer(session))).status_code == 200  # not yet

    confirmed = await confirm_deletion(gateway, session, deletion_id)
    assert confirmed.status_code == 202, confirmed.text

    # Identity's part at once: the account is gone (a 404 while the gateway still holds its
    # scope), and its tokens stop working as soon as the gateway hears of it (ScopeChanged).
    at_once = await gateway.get("/v1/me", headers=bearer(session))
    assert at_once.status_code in (401, 404), at_once.text
    assert at_once.json()["code"] == "account_not_found"

    async def signed_out() -> bool:
        return (await gateway.get("/v1/me", headers=bearer(session))).status_code == 401

    await eventually(signed_out, what="the deleted account's token refused")
    refreshed = await gateway.post(
        "/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
    )
    assert_problem(refreshed, 401, "session_ended")
    gone = await gateway.post(
        "/v1/auth/login", json={"username": username_of(customer), "password": PASSWORD}
    )
    assert_problem(gone, 401, "wrong_credentials")

    # Billing and notifications confirm; identity marks the deletion complete.
    async def complete() -> dict[str, Any] | None:
        found = await deletion_of(system, deletion_id)
        return found if found is not None and found["completed_at"] is not None else None

    deletion = await eventually(complete, seconds=30, what="the deletion complete")
    assert set(deletion["confirmations"]) == {"billing", "notifications"}

    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        billed = await client.sportello_billing.customers.find_one({"_id": customer.customer_code})
        assert billed is not None
        assert (billed["full_name"], billed["fiscal_code"]) == (None, None)
        assert billed["pseudonymised_at"] is not None
        assert (
            await client.sportello_notifications.messages.count_documents({"to": customer.email})
            == 0
        )
        assert await client.sportello_identity.accounts.find_one({"_id": me["account_id"]}) is None
        trail = client.sportello_identity.activity.find({"account_id": me["account_id"]})
        assert {entry["client_address"] async for entry in trail} == {None}

    # The user is told, at the address the account had.
    async def told() -> list[Message]:
        mails = system.mail.messages_to(customer.email)
        return [m for m in mails if subject_of(m) == DELETED_SUBJECT]

    (mail,) = await eventually(told, seconds=30, what="the deletion e-mail")
    assert customer.customer_code in text_of(mail)

    # The letter's PIN registers a new account.
    again = await register(gateway, customer, username=f"di.nuovo.{customer.customer_code.lower()}")
    assert again.status_code == 201, again.text
    assert again.json()["account_id"] != me["account_id"]
    await log_in(gateway, f"di.nuovo.{customer.customer_code.lower()}")


async def test_deletion_needs_the_right_password_and_its_own_confirmation_in_time(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, mine = await signed_in_customer(system, gateway)
    _, theirs = await signed_in_customer(system, gateway)

    wrong = await ask_deletion(gateway, mine, password="Non-la-mia-password-1")
    assert_problem(wrong, 403, "reauthentication_failed")
    both = await ask_deletion(gateway, mine, password=PASSWORD, passkey={"id": "x"})
    assert_problem(both, 422, "invalid_request")

    their_deletion = (await ask_deletion(gateway, theirs)).json()["deletion_id"]
    # Deleting another account: their deletion, confirmed with my session.
    stolen = await confirm_deletion(gateway, mine, their_deletion)
    assert_problem(stolen, 404, "deletion_not_found")
    assert (await gateway.get("/v1/me", headers=bearer(theirs))).status_code == 200

    late = (await ask_deletion(gateway, mine)).json()["deletion_id"]
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        await client.sportello_identity.deletions.update_one(
            {"_id": late}, {"$set": {"confirm_before": datetime.now(UTC) - timedelta(seconds=1)}}
        )
    assert_problem(await confirm_deletion(gateway, mine, late), 422, "deletion_expired")
    assert (await gateway.get("/v1/me", headers=bearer(mine))).status_code == 200


async def test_a_passkey_proves_the_user_for_a_deletion(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session = await signed_in_customer(system, gateway)
    authenticator = SoftwareAuthenticator()
    options = (await gateway.post("/v1/me/passkeys/options", headers=bearer(session))).json()
    added = await gateway.post(
        "/v1/me/passkeys",
        json={"name": "Telefono", "credential": authenticator.create(options["public_key"])},
        headers=bearer(session),
    )
    assert added.status_code == 201, added.text
    sign_in = (await gateway.post("/v1/auth/passkey/options")).json()["public_key"]

    asked = await ask_deletion(gateway, session, passkey=authenticator.get(sign_in))
    assert asked.status_code == 201, asked.text
    confirmed = await confirm_deletion(gateway, session, asked.json()["deletion_id"])
    assert confirmed.status_code == 202, confirmed.text
    # Its passkeys went with the account.
    after = authenticator.get((await gateway.post("/v1/auth/passkey/options")).json()["public_key"])
    assert_problem(
        await gateway.post("/v1/auth/passkey", json={"credential": after}), 401, "passkey_refused"
    )
