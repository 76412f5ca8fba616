"""Condominium administrators end to end: an operator issues a firm's code (e-mailed), the
administrator registers with it, adds condominiums with their PINs and removes them, and sees
its scope change at its next request; and every way of cheating that fails, recorded."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.flows import (
    assert_problem,
    bearer,
    log_in,
    onboard,
    register,
    signed_in_customer,
    the_one_mail_to,
)
from e2e.staff_flows import signed_in_operator, trail
from sportello_deploy.backoffice import NewCustomer
from sportello_deploy.servers import text_of
from sportello_deploy.testing import random_customer, random_vat_number
from sportello_identity.domain.administrators import administrator_code_key

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

ADMIN_PASSWORD = "Condomini-in-Ordine-26"


async def issued_code(
    gateway: httpx.AsyncClient, operator: dict[str, Any], email: str
) -> dict[str, Any]:
    answer = await gateway.post(
        "/v1/operators/administrator-codes",
        json={"firm_name": "Studio Bianchi", "vat_number": random_vat_number(), "email": email},
        headers=bearer(operator),
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    code: dict[str, Any] = answer.json()
    return code


async def registered_administrator(
    gateway: httpx.AsyncClient, operator: dict[str, Any], name: str
) -> tuple[str, dict[str, Any]]:
    code = await issued_code(gateway, operator, f"{name}@studio.example.it")
    answer = await gateway.post(
        "/v1/auth/register/administrator",
        json={"administrator_code": code["code"], "username": name, "password": ADMIN_PASSWORD},
    )
    assert answer.status_code == 201, answer.text
    return code["code"], await log_in(gateway, name, ADMIN_PASSWORD)


async def condominium(system: Any) -> NewCustomer:
    customer = random_customer(fiscal_code=random_vat_number(), full_name="Condominio Via Po 3")
    await onboard(system, customer)
    return customer


async def scope_of(gateway: httpx.AsyncClient, session: dict[str, Any]) -> list[str]:
    me = await gateway.get("/v1/me", headers=bearer(session))
    assert me.status_code == 200, me.text
    codes: list[str] = me.json()["customer_codes"]
    return codes


async def add(
    gateway: httpx.AsyncClient, session: dict[str, Any], customer: NewCustomer, pin: str = ""
) -> httpx.Response:
    body = {
        "customer_code": customer.customer_code,
        "registration_pin": pin or customer.registration_pin,
    }
    return await gateway.post("/v1/me/condominiums", json=body, headers=bearer(session))


async def test_an_administrator_registers_with_the_code_and_manages_condominiums(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, operator, _ = await signed_in_operator(system, gateway)
    name = f"studio.{random_vat_number()}"
    email = f"{name}@studio.example.it"
    issued = await issued_code(gateway, operator, email)
    assert issued["code"].startswith("AMM-")

    # The firm gets the code by e-mail, in Italian.
    mail = await the_one_mail_to(system, email)
    assert "codice amministratore" in mail["Subject"]
    assert issued["code"] in text_of(mail)
    # Identity keeps only its digest.
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        stored = await client.sportello_identity.administrator_codes.find_one(
            {"_id": administrator_code_key(issued["code"])}
        )
    assert stored is not None
    assert issued["code"] not in str(stored)

    registered = await gateway.post(
        "/v1/auth/register/administrator",
        json={"administrator_code": issued["code"], "username": name, "password": ADMIN_PASSWORD},
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["email"] == email
    session = await log_in(gateway, name, ADMIN_PASSWORD)
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    assert me["role"] == "administrator"
    assert me["full_name"] == "Studio Bianchi"
    assert me["customer_codes"] == []

    first, second = await condominium(system), await condominium(system)
    wrong = await add(gateway, session, first, pin="00000000")
    assert_problem(wrong, 422, "registration_data_mismatch")
    assert await scope_of(gateway, session) == []

    added = await add(gateway, session, first)
    assert added.status_code == 200, added.text
    assert added.json()["customer_codes"] == [first.customer_code]
    assert await scope_of(gateway, session) == [first.customer_code]
    added = await add(gateway, session, second)
    assert added.status_code == 200, added.text
    both = sorted([first.customer_code, second.customer_code])
    assert sorted(await scope_of(gateway, session)) == both
    # Adding again changes nothing.
    assert sorted((await add(gateway, session, second)).json()["customer_codes"]) == both

    removed = await gateway.delete(
        f"/v1/me/condominiums/{first.customer_code}", headers=bearer(session)
    )
    assert removed.status_code == 200, removed.text
    assert await scope_of(gateway, session) == [second.customer_code]
    again = await gateway.delete(
        f"/v1/me/condominiums/{first.customer_code}", headers=bearer(session)
    )
    assert_problem(again, 404, "condominium_not_held")

    kinds = [e["kind"] for e in await trail(system, me["account_id"])]
    assert kinds.count("condominium.added") == 2
    assert "condominium.removed" in kinds
    assert "access.refused" in kinds  # the wrong PIN
    operator_id = (await gateway.get("/v1/me", headers=bearer(operator))).json()["account_id"]
    issuing = [
        e for e in await trail(system, operator_id) if e["kind"] == "administrator_code.issued"
    ]
    assert issuing[0]["actor_id"] == operator_id
    assert issuing[0]["details"]["firm_name"] == "Studio Bianchi"


async def test_a_code_works_once_until_it_expires_and_a_made_up_one_not_at_all(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, operator, _ = await signed_in_operator(system, gateway)
    name = f"studio.{random_vat_number()}"
    code, _ = await registered_administrator(gateway, operator, name)

    def registration(code: str, username: str) -> dict[str, str]:
        return {"administrator_code": code, "username": username, "password": ADMIN_PASSWORD}

    used = await gateway.post(
        "/v1/auth/register/administrator", json=registration(code, f"{name}.bis")
    )
    assert_problem(used, 409, "administrator_code_used")
    tampered = code[:-1] + ("A" if code[-1] != "A" else "B")
    answer = await gateway.post(
        "/v1/auth/register/administrator", json=registration(tampered, f"{name}.ter")
    )
    assert_problem(answer, 422, "administrator_code_invalid")

    late = await issued_code(gateway, operator, f"{name}.late@studio.example.it")
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        await client.sportello_identity.administrator_codes.update_one(
            {"_id": administrator_code_key(late["code"])},
            {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}},
        )
    answer = await gateway.post(
        "/v1/auth/register/administrator", json=registration(late["code"], f"{name}.late")
    )
    assert_problem(answer, 422, "administrator_code_expired")
    # The operator who issued them sees both attempts in their trail.
    operator_id = (await gateway.get("/v1/me", headers=bearer(operator))).json()["account_id"]
    reasons = [
        e["details"]["reason"]
        for e in await trail(system, operator_id)
        if e["kind"] == "access.refused"
    ]
    assert reasons == ["administrator_code_used", "administrator_code_expired"]
    # Nothing was created by any of them.
    for username in (f"{name}.bis", f"{name}.ter", f"{name}.late"):
        login = {"username": username, "password": ADMIN_PASSWORD}
        assert (await gateway.post("/v1/auth/login", json=login)).status_code == 401

    invalid_vat = await gateway.post(
        "/v1/operators/administrator-codes",
        json={"firm_name": "Studio", "vat_number": "12345678901", "email": "s@studio.example.it"},
        headers=bearer(operator),
    )
    assert_problem(invalid_vat, 422, "invalid_vat_number")


async def test_a_condominium_held_or_registered_is_refused_and_others_cannot_act(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, operator, _ = await signed_in_operator(system, gateway)
    _, first = await registered_administrator(gateway, operator, f"studio.{random_vat_number()}")
    _, other = await registered_administrator(gateway, operator, f"studio.{random_vat_number()}")
    held = await condominium(system)
    assert (await add(gateway, first, held)).status_code == 200

    assert_problem(await add(gateway, other, held), 409, "condominium_held")
    assert await scope_of(gateway, other) == []
    removal = await gateway.delete(
        f"/v1/me/condominiums/{held.customer_code}", headers=bearer(other)
    )
    assert_problem(removal, 404, "condominium_not_held")
    assert await scope_of(gateway, first) == [held.customer_code]

    # An administrator is no operator: refused, and recorded.
    answer = await gateway.post(
        "/v1/operators/administrator-codes",
        json={"firm_name": "Studio", "vat_number": random_vat_number(), "email": "x@s.example.it"},
        headers=bearer(other),
    )
    assert_problem(answer, 403, "operators_only")
    other_id = (await gateway.get("/v1/me", headers=bearer(other))).json()["account_id"]
    assert (await trail(system, other_id))[-1]["details"]["reason"] == "operators_only"

    # Held, the condominium's own PIN registers no account beside the administrator.
    assert_problem(await register(gateway, held), 409, "pin_already_used")

    own = await condominium(system)
    assert (await register(gateway, own)).status_code == 201
    assert_problem(await add(gateway, other, own), 409, "condominium_registered")

    # A customer is no administrator, nor an operator.
    customer, session = await signed_in_customer(system, gateway)
    assert_problem(await add(gateway, session, held), 403, "administrators_only")
    answer = await gateway.post(
        "/v1/operators/administrator-codes",
        json={"firm_name": "Studio", "vat_number": random_vat_number(), "email": "x@s.example.it"},
        headers=bearer(session),
    )
    assert_problem(answer, 403, "operators_only")
    me = (await gateway.get("/v1/me", headers=bearer(session))).json()
    reasons = [
        e["details"]["reason"]
        for e in await trail(system, me["account_id"])
        if e["kind"] == "access.refused"
    ]
    assert reasons == ["administrators_only", "operators_only"]
    assert me["customer_codes"] == [customer.customer_code]
