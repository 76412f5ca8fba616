"""Changing how bills arrive and are paid, end to end: supplies move between billing profiles as
the rules say, the back-office is told, the trail and the mailbox show it; bad input and other
customers' ids change nothing; an administrator changes every condominium at once, or none."""

import asyncio
import json
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from e2e.billing_flows import (
    bills_of,
    gas_bill,
    gas_supply,
    italian_iban,
    publish,
    supplies_of,
    told_to_backoffice,
)
from e2e.flows import assert_problem, bearer, mails_about, signed_in_customer
from e2e.staff_flows import signed_in_operator
from e2e.test_administrators import add, condominium, registered_administrator
from sportello_contracts.supplies import DirectDebitPayment, SupplyCeased
from sportello_deploy.servers import text_of
from sportello_deploy.testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

NEW_ADDRESS = {
    "street": "Corso Buenos Aires",
    "number": "3",
    "post_code": "20124",
    "city": "Milano",
    "province": "MI",
}


def e_bill(email: str) -> dict[str, Any]:
    return {"kind": "e_bill", "email": email}


def direct_debit(iban: str, kind: str = "direct_debit") -> dict[str, Any]:
    return {
        "kind": kind,
        "holder_name": "Cliente Di Prova",
        "holder_fiscal_code": "RSSMRA80A01H501U",
        "iban": iban,
    }


async def change(
    gateway: httpx.AsyncClient,
    session: dict[str, Any],
    target: dict[str, Any],
    what: dict[str, Any],
    key: str | None = None,
) -> httpx.Response:
    headers = {**bearer(session), **({"Idempotency-Key": key} if key else {})}
    return await gateway.post(
        "/v1/billing-profiles/changes", json={"target": target, "change": what}, headers=headers
    )


async def profiles_of(gateway: httpx.AsyncClient, session: dict[str, Any]) -> dict[str, Any]:
    answer = await gateway.get("/v1/billing-profiles", headers=bearer(session))
    assert answer.status_code == 200, answer.text
    return {p["number"]: p for p in answer.json()["profiles"]}


async def test_supplies_move_to_new_profiles_only_when_no_active_one_has_the_pair(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    first, second = gas_supply(customer.customer_code), gas_supply(customer.customer_code)
    await publish(system, first, second)
    supplies = await supplies_of(gateway, session, 2)
    (original,) = {s["billing_profile"] for s in supplies}  # one pair, one profile

    # E-bill for one supply: no active profile has (e-mail, pagoPA), so a new number.
    moved = await change(gateway, session, {"supply_ids": [first.supply_id]}, e_bill("casa@x.it"))
    assert moved.status_code == 200, moved.text
    (opened,) = moved.json()["opened_profiles"]
    assert opened != original
    assert moved.json()["closed_profiles"] == []
    assert "BP-" in moved.json()["detail"]
    # Bills stay in the profile they were issued in; the home page shows the newest of all.
    older = gas_bill(
        customer.customer_code, second.supply_id, issued_on=date.today() - timedelta(days=5)
    )
    newer = gas_bill(customer.customer_code, first.supply_id, issued_on=date.today())
    await publish(system, older, newer)
    listed = await bills_of(gateway, session, 2)
    assert [b["billing_profile"] for b in listed] == [original, opened]  # grouped by profile
    home = (await gateway.get("/v1/home", headers=bearer(session))).json()
    assert [b["bill_number"] for b in home["latest_bills"]] == [
        newer.bill_number,
        older.bill_number,
    ]
    # The same for the other supply: it joins that profile, and the original closes.
    joined = await change(gateway, session, {"supply_ids": [second.supply_id]}, e_bill("CASA@x.it"))
    assert joined.json()["opened_profiles"] == []
    assert joined.json()["moves"][0]["to_profile"] == opened
    assert joined.json()["closed_profiles"] == [original]
    profiles = await profiles_of(gateway, session)
    assert profiles[original]["status"] == "closed"  # kept, with its history
    assert set(profiles[original]["former_supplies"]) == {first.supply_id, second.supply_id}
    assert len(profiles[opened]["active_supplies"]) == 2

    # Direct debit on the whole profile: the back-office gets the IBAN, nothing else does.
    iban = italian_iban(4242)
    debit = await change(gateway, session, {"billing_profile": opened}, direct_debit(iban))
    assert debit.status_code == 200, debit.text
    change_id = debit.json()["change_id"]
    requested = await told_to_backoffice(system, "billing.direct_debit.requested", change_id)
    told = await told_to_backoffice(system, "billing.billing_profiles.changed", change_id)
    assert iban not in json.dumps(told)
    assert requested["payload"]["iban"] == iban
    assert requested["payload"]["mandate_reference"] == debit.json()["mandate_reference"]
    assert set(requested["payload"]["supply_ids"]) == {first.supply_id, second.supply_id}
    (debited,) = debit.json()["opened_profiles"]
    shown = (await profiles_of(gateway, session))[debited]
    assert iban not in json.dumps(shown)
    assert iban[-4:] in shown["payment"]["iban_masked"].replace(" ", "")

    # The trail and the mailbox show each change, the IBAN masked.
    activity = await gateway.get("/v1/me/activity", headers=bearer(session))
    kinds = [entry["kind"] for entry in activity.json()["entries"]]
    assert kinds.count("billing.e_bill") == 2
    assert "billing.direct_debit" in kinds
    assert iban not in activity.text
    (mail,) = await mails_about(
        system, customer.email, "Area Clienti: richiesta di domiciliazione bancaria"
    )
    assert debited in text_of(mail)
    assert iban not in mail.as_string()


async def test_bad_input_and_other_customers_ids_change_nothing(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    (customer, session), (_, other) = await asyncio.gather(
        signed_in_customer(system, gateway), signed_in_customer(system, gateway)
    )
    active, ceased = gas_supply(customer.customer_code), gas_supply(customer.customer_code)
    await publish(
        system,
        active,
        ceased,
        SupplyCeased(
            supply_id=ceased.supply_id,
            customer_code=customer.customer_code,
            ceased_on=active.activated_on,
        ),
    )
    await supplies_of(gateway, session, 2)
    before = await profiles_of(gateway, session)
    target = {"supply_ids": [active.supply_id]}
    wrong_iban = italian_iban(1)[:-1] + ("0" if italian_iban(1)[-1] != "0" else "1")
    refusals = [
        (await change(gateway, session, target, direct_debit(wrong_iban)), 422, "invalid_iban"),
        (
            await change(gateway, session, target, direct_debit("BR1500000000000010932840814P2")),
            422,
            "invalid_iban",
        ),
        (
            await change(
                gateway,
                session,
                target,
                {"kind": "postal_delivery", "address": {**NEW_ADDRESS, "province": "ZZ"}},
            ),
            422,
            "invalid_address",
        ),
        (
            await change(
                gateway,
                session,
                target,
                {**direct_debit(italian_iban(2)), "holder_fiscal_code": "RSSMRA80A01H501X"},
            ),
            422,
            "invalid_fiscal_code",
        ),
        (
            await change(gateway, session, {"supply_ids": [ceased.supply_id]}, e_bill("a@x.it")),
            409,
            "supply_ceased",
        ),
        (
            await change(gateway, session, target, direct_debit(italian_iban(3), kind="iban")),
            409,
            "not_on_direct_debit",
        ),
        (
            await change(gateway, session, {"all_condominiums": True}, e_bill("a@x.it")),
            403,
            "administrators_only",
        ),
        # Another customer's supply and profile: not found, as if they did not exist.
        (await change(gateway, other, target, e_bill("a@x.it")), 404, "supply_not_found"),
        (
            await change(gateway, other, {"billing_profile": next(iter(before))}, e_bill("a@x.it")),
            404,
            "billing_profile_not_found",
        ),
    ]
    for answer, status, code in refusals:
        assert_problem(answer, status, code)
    assert await profiles_of(gateway, session) == before
    # Junk the contract refuses never reaches billing.
    for body in (
        {"target": {"supply_ids": []}, "change": e_bill("a@x.it")},
        {
            "target": {"supply_ids": ["S-1"], "billing_profile": "BP-000001"},
            "change": e_bill("a@x.it"),
        },
        {"target": {"supply_ids": ["S-1"]}, "change": {"kind": "bitcoin"}},
        {"target": {"supply_ids": ["x" * 300]}, "change": e_bill("a@x.it")},
    ):
        answer = await gateway.post(
            "/v1/billing-profiles/changes", json=body, headers=bearer(session)
        )
        assert_problem(answer, 422, "invalid_request")


async def test_a_retried_change_gets_its_first_answer_and_racing_ones_never_share_a_number(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customers = await asyncio.gather(*(signed_in_customer(system, gateway) for _ in range(4)))
    supplies = [gas_supply(c.customer_code) for c, _ in customers]
    await publish(system, *supplies)
    for (_, session), _supply in zip(customers, supplies, strict=True):
        await supplies_of(gateway, session, 1)

    # Four customers at once: four new profiles, four numbers.
    answers = await asyncio.gather(
        *(
            change(gateway, session, {"supply_ids": [s.supply_id]}, e_bill("x@x.it"))
            for (_, session), s in zip(customers, supplies, strict=True)
        )
    )
    opened = [a.json()["opened_profiles"][0] for a in answers]
    assert len(set(opened)) == 4

    # One customer's double submit with the same key: one change, the same answer twice.
    _, session = customers[0]
    key = f"change-{uuid4().hex}"
    target = {"supply_ids": [supplies[0].supply_id]}
    twice = await asyncio.gather(
        change(gateway, session, target, direct_debit(italian_iban(77)), key),
        change(gateway, session, target, direct_debit(italian_iban(77)), key),
    )
    assert [a.status_code for a in twice] == [200, 200]
    assert twice[0].json() == twice[1].json()
    # Two racing submits without a shared key: the second finds the pair set already.
    racing = await asyncio.gather(
        change(gateway, session, target, {"kind": "pagopa"}),
        change(gateway, session, target, {"kind": "pagopa"}),
    )
    assert sorted(len(a.json()["moves"]) for a in racing) == [0, 1]
    profiles = await profiles_of(gateway, session)
    active = [p for p in profiles.values() if p["status"] == "active"]
    assert len(active) == 1


async def test_an_administrator_changes_every_condominium_at_once_or_none(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, operator, _ = await signed_in_operator(system, gateway)
    _, admin = await registered_administrator(gateway, operator, f"studio.{uuid4().hex[:8]}")
    first, second = await asyncio.gather(condominium(system), condominium(system))
    for building in (first, second):
        assert (await add(gateway, admin, building)).status_code == 200
    iban = italian_iban(5151)
    on_debit = gas_supply(
        first.customer_code,
        payment=DirectDebitPayment(
            holder_name="Condominio Via Po 3", holder_fiscal_code=first.fiscal_code, iban=iban
        ),
    )
    heating, lift = gas_supply(second.customer_code), gas_supply(second.customer_code)
    # A customer the administrator does not administer.
    outsider, outsider_session = await signed_in_customer(system, gateway)
    theirs = gas_supply(outsider.customer_code)
    await publish(system, on_debit, heating, lift, theirs)
    (their_supply,) = await supplies_of(gateway, outsider_session, 1)

    async def all_three() -> bool:
        answer = await gateway.get("/v1/supplies", headers=bearer(admin))
        return answer.status_code == 200 and len(answer.json()["supplies"]) == 3

    await eventually(all_three, seconds=20, what="the condominiums' supplies")
    before = await profiles_of(gateway, admin)
    # The outsider's supply and profile are not the administrator's to see or change.
    for path, code in {
        f"/v1/supplies/{theirs.supply_id}": "supply_not_found",
        f"/v1/billing-profiles/{their_supply['billing_profile']}": "billing_profile_not_found",
        f"/v1/supplies?customer_code={outsider.customer_code}": "customer_not_found",
    }.items():
        assert_problem(await gateway.get(path, headers=bearer(admin)), 404, code)
    assert_problem(
        await change(gateway, admin, {"supply_ids": [theirs.supply_id]}, e_bill("a@x.it")),
        404,
        "supply_not_found",
    )

    # A new IBAN for all: the second condominium pays by pagoPA, so nothing changes anywhere.
    failed = await change(
        gateway, admin, {"all_condominiums": True}, direct_debit(italian_iban(6), kind="iban")
    )
    problem = assert_problem(failed, 409, "condominium_change_failed")
    assert problem["details"]["customer_code"] == second.customer_code
    assert await profiles_of(gateway, admin) == before

    # The delivery address of all: each condominium's supplies to a profile with the address.
    moved = await change(
        gateway,
        admin,
        {"all_condominiums": True},
        {"kind": "postal_delivery", "address": NEW_ADDRESS},
    )
    assert moved.status_code == 200, moved.text
    assert {m["supply_id"] for m in moved.json()["moves"]} == {
        on_debit.supply_id,
        heating.supply_id,
        lift.supply_id,
    }
    assert len(moved.json()["opened_profiles"]) == 2  # one per condominium: profiles are theirs
    after = await profiles_of(gateway, admin)
    for number in moved.json()["opened_profiles"]:
        assert after[number]["delivery"]["address"]["city"] == "Milano"
    kept = [p for p in after.values() if p["payment"]["method"] == "direct_debit"]
    assert [p["status"] for p in kept].count("active") == 1  # the IBAN stayed with its half
    # The selector: one condominium's supplies at a time.
    one = await gateway.get(
        "/v1/supplies", params={"customer_code": second.customer_code}, headers=bearer(admin)
    )
    assert {s["supply_id"] for s in one.json()["supplies"]} == {heating.supply_id, lift.supply_id}
    home = await gateway.get(
        "/v1/home", params={"customer_code": first.customer_code}, headers=bearer(admin)
    )
    assert home.status_code == 200, home.text
    assert [s["supply_id"] for s in home.json()["active_supplies"]] == [on_debit.supply_id]
