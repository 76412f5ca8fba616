"""Supplies and bills end to end: published by the back-office in any order, read through the
gateway as lists, details, PDFs and plico, and never by another customer."""

import asyncio
import io
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import AsyncMongoClient
from pypdf import PdfReader

from e2e.billing_flows import bills_of, gas_bill, gas_supply, publish, supplies_of
from e2e.flows import (
    assert_problem,
    bearer,
    log_in,
    onboard,
    register,
    signed_in_customer,
    username_of,
)
from e2e.staff_flows import OPERATOR_PASSWORD, bootstrap_operator, signed_in_operator
from sportello_contracts.bills import BillCancelled, BillCredited
from sportello_contracts.supplies import Meter, SupplyCeased, SupplyUpdated
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.testing import eventually, random_customer

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_events_in_any_order_give_supplies_profiles_and_two_years_of_bills(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer = random_customer()
    supply = gas_supply(customer.customer_code)
    today = date.today()
    # Three years of bimonthly bills: the portal shows the last two.
    bills = [
        gas_bill(customer.customer_code, supply.supply_id, issued_on=today - timedelta(days=61 * i))
        for i in range(18)
    ]
    # The bills and the supply come before the customer: parked, never lost.
    await publish(system, *bills[:3], supply, *bills[3:])
    await onboard(system, customer)
    assert (await register(gateway, customer)).status_code == 201
    session = await log_in(gateway, username_of(customer))

    (shown,) = await supplies_of(gateway, session, 1)
    assert shown["supply_id"] == supply.supply_id
    assert shown["status"] == "active"
    assert shown["billing_profile"].startswith("BP-")
    recent = [b for b in bills if b.issued_on >= today - timedelta(days=730)]
    listed = await bills_of(gateway, session, len(recent))
    assert [b["bill_number"] for b in listed] == [b.bill_number for b in recent]  # newest first
    assert {b["billing_profile"] for b in listed} == {shown["billing_profile"]}

    # Pages follow one another with the cursor, and filters narrow them.
    first = (await gateway.get("/v1/bills", params={"limit": 5}, headers=bearer(session))).json()
    second = (
        await gateway.get(
            "/v1/bills",
            params={"limit": 5, "cursor": first["next_cursor"]},
            headers=bearer(session),
        )
    ).json()
    paged = [
        b["bill_number"] for page in (first, second) for g in page["groups"] for b in g["bills"]
    ]
    assert paged == [b["bill_number"] for b in listed[:10]]
    this_year = await gateway.get(
        "/v1/bills", params={"year": today.year, "limit": 100}, headers=bearer(session)
    )
    years = {b["issued_on"][:4] for g in this_year.json()["groups"] for b in g["bills"]}
    assert years == {str(today.year)}
    overdue = await gateway.get(
        "/v1/bills", params={"status": "overdue", "limit": 100}, headers=bearer(session)
    )
    statuses = {b["status"] for g in overdue.json()["groups"] for b in g["bills"]}
    assert statuses == {"overdue"}
    bad_cursor = await gateway.get(
        "/v1/bills", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=bearer(session)
    )
    assert_problem(bad_cursor, 422, "invalid_cursor")

    # A bill older than the window is not shown, even asked for by number.
    assert_problem(
        await gateway.get(f"/v1/bills/{bills[-1].bill_number}", headers=bearer(session)),
        404,
        "bill_not_found",
    )

    # The detail: the notice and why it differs from the previous bill.
    latest = await gateway.get(f"/v1/bills/{bills[0].bill_number}", headers=bearer(session))
    assert latest.status_code == 200, latest.text
    detail = latest.json()
    assert detail["notice"]["qr_payload"].startswith(
        f"PAGOPA|002|{detail['notice']['notice_number']}|"
    )
    assert detail["previous"]["other_bill_number"] == bills[1].bill_number
    assert detail["last_year"] is not None


async def test_pdfs_and_plico_are_streamed_once_rendered_and_cached_by_etag(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    one, two = gas_supply(customer.customer_code), gas_supply(customer.customer_code)
    issued = date.today() - timedelta(days=3)
    bill_one = gas_bill(customer.customer_code, one.supply_id, issued_on=issued)
    bill_two = gas_bill(customer.customer_code, two.supply_id, issued_on=issued, smc=90)
    await publish(system, one, two, bill_one, bill_two)
    await bills_of(gateway, session, 2)

    summary = await gateway.get(
        f"/v1/bills/{bill_one.bill_number}/summary.pdf", headers=bearer(session)
    )
    assert summary.status_code == 200, summary.text
    assert summary.headers["content-type"] == "application/pdf"
    assert summary.content.startswith(b"%PDF")
    assert "inline" in summary.headers["content-disposition"]
    text = pdf_text(summary.content)
    assert bill_one.bill_number in text
    assert one.point_id in text
    again = await gateway.get(
        f"/v1/bills/{bill_one.bill_number}/summary.pdf",
        headers={**bearer(session), "If-None-Match": summary.headers["etag"]},
    )
    assert again.status_code == 304
    detail = await gateway.get(
        f"/v1/bills/{bill_one.bill_number}/detail.pdf", headers=bearer(session)
    )
    assert detail.status_code == 200
    assert "Materia gas naturale" in pdf_text(detail.content)

    # Stored once: the same PDF twice is one document in billing's database.
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        stored = await client.sportello_billing.documents.count_documents(
            {"filename": {"$regex": bill_one.bill_number}}
        )
    assert stored == 2  # summary and detail

    plico = await gateway.get(f"/v1/bills/{bill_one.bill_number}/plico", headers=bearer(session))
    assert plico.status_code == 200, plico.text
    bundle = plico.json()
    assert {b["bill_number"] for b in bundle["bills"]} == {
        bill_one.bill_number,
        bill_two.bill_number,
    }
    assert bundle["total_cents"] == bill_one.total_cents + bill_two.total_cents
    plico_pdf = await gateway.get(
        f"/v1/bills/{bill_two.bill_number}/plico.pdf", headers=bearer(session)
    )
    assert plico_pdf.status_code == 200
    assert bill_one.bill_number in pdf_text(plico_pdf.content)


async def test_another_customers_supplies_bills_and_profiles_are_not_found_whatever_is_guessed(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    (owner, owner_session), (_, other_session) = await asyncio.gather(
        signed_in_customer(system, gateway), signed_in_customer(system, gateway)
    )
    supply = gas_supply(owner.customer_code)
    bill = gas_bill(owner.customer_code, supply.supply_id, issued_on=date.today())
    await publish(system, supply, bill)
    (mine,) = await supplies_of(gateway, owner_session, 1)
    await bills_of(gateway, owner_session, 1)
    profile = mine["billing_profile"]
    guesses = {
        f"/v1/supplies/{supply.supply_id}": "supply_not_found",
        f"/v1/billing-profiles/{profile}": "billing_profile_not_found",
        f"/v1/bills/{bill.bill_number}": "bill_not_found",
        f"/v1/bills/{bill.bill_number}/summary.pdf": "bill_not_found",
        f"/v1/bills/{bill.bill_number}/detail.pdf": "bill_not_found",
        f"/v1/bills/{bill.bill_number}/plico": "bill_not_found",
        f"/v1/bills/{bill.bill_number}/plico.pdf": "bill_not_found",
        f"/v1/supplies?customer_code={owner.customer_code}": "customer_not_found",
        f"/v1/bills?customer_code={owner.customer_code}": "customer_not_found",
        f"/v1/billing-profiles?customer_code={owner.customer_code}": "customer_not_found",
        f"/v1/home?customer_code={owner.customer_code}": "customer_not_found",
    }
    for path, code in guesses.items():
        assert_problem(await gateway.get(path, headers=bearer(other_session)), 404, code)
    # And what does not exist at all answers the same: nothing tells the two apart.
    assert_problem(
        await gateway.get("/v1/bills/B-999999999", headers=bearer(other_session)),
        404,
        "bill_not_found",
    )
    assert (await gateway.get("/v1/supplies", headers=bearer(other_session))).json() == {
        "supplies": []
    }
    # Without a token, nothing at all.
    assert (await gateway.get(f"/v1/bills/{bill.bill_number}")).status_code == 401


async def test_updates_cancellations_and_credits_apply_once_and_never_out_of_order(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    supply = gas_supply(customer.customer_code)
    bill = gas_bill(customer.customer_code, supply.supply_id, issued_on=date.today())
    other = gas_bill(customer.customer_code, supply.supply_id, issued_on=date.today(), smc=50)
    newer = SupplyUpdated(
        supply_id=supply.supply_id,
        customer_code=customer.customer_code,
        meter=Meter(serial="NEW-2"),
    )
    older = SupplyUpdated(
        supply_id=supply.supply_id,
        customer_code=customer.customer_code,
        meter=Meter(serial="OLD-1"),
    )
    credit = BillCredited(
        bill_number=bill.bill_number,
        customer_code=customer.customer_code,
        credit_note_number="NC-000001",
        credited_on=date.today(),
        amount_cents=1000,
    )
    cancelled = BillCancelled(
        bill_number=other.bill_number,
        customer_code=customer.customer_code,
        cancelled_on=date.today(),
        reason="Emessa per errore",
    )
    # The credit note and the cancellation come before their bills; the newer update first.
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        await backoffice.publish(credit)
        await backoffice.publish(cancelled)
        await backoffice.publish(supply)
        newer_event = await backoffice.publish(newer)
        await asyncio.sleep(0.01)
        await backoffice.publish(bill)
        await backoffice.publish(other)
        await backoffice.publish(credit)  # the same credit note again, as another event
    # An update that happened before `newer` but arrives after it.
    older_event = newer_event.model_copy(
        update={
            "event_id": uuid4(),
            "occurred_at": newer_event.occurred_at - timedelta(minutes=5),
            "payload": older,
        }
    )
    async with BackOffice(system.servers.rabbitmq_url, system.servers.prefix) as backoffice:
        await backoffice.publish_raw(older_event.model_dump_json().encode(), older.ROUTING_KEY)

    async def settled() -> dict[str, Any] | None:
        answer = await gateway.get(f"/v1/bills/{bill.bill_number}", headers=bearer(session))
        if answer.status_code != 200 or answer.json()["credited_cents"] == 0:
            return None
        cancelled_one = await gateway.get(f"/v1/bills/{other.bill_number}", headers=bearer(session))
        return answer.json() if cancelled_one.json()["status"] == "cancelled" else None

    await eventually(settled, seconds=20, what="the credit and the cancellation applied")
    await asyncio.sleep(1.5)  # the duplicate credit note and the older update have been handled
    shown = (await gateway.get(f"/v1/bills/{bill.bill_number}", headers=bearer(session))).json()
    assert shown["credited_cents"] == 1000
    assert shown["amount_due_cents"] == bill.total_cents - 1000
    meter = (await gateway.get(f"/v1/supplies/{supply.supply_id}", headers=bearer(session))).json()
    assert meter["meter"]["serial"] == "NEW-2"

    # A ceased supply stays visible; its profile, with no active supply left, closes.
    await publish(
        system,
        SupplyCeased(
            supply_id=supply.supply_id, customer_code=customer.customer_code, ceased_on=date.today()
        ),
    )

    async def ceased() -> dict[str, Any] | None:
        answer = await gateway.get("/v1/billing-profiles", headers=bearer(session))
        profiles: list[dict[str, Any]] = answer.json()["profiles"]
        return profiles[0] if profiles and profiles[0]["status"] == "closed" else None

    profile = await eventually(ceased, seconds=20, what="the profile closed")
    assert [s["supply_id"] for s in profile["ceased_supplies"]] == [supply.supply_id]


async def test_an_operator_reads_a_named_customers_bills_only_with_accounts_read(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session = await signed_in_customer(system, gateway)
    supply = gas_supply(customer.customer_code)
    await publish(
        system, supply, gas_bill(customer.customer_code, supply.supply_id, issued_on=date.today())
    )
    await bills_of(gateway, session, 1)
    query = {"customer_code": customer.customer_code}

    # Before TOTP an operator holds no permission: refused by billing too, not only the gateway.
    untrusted = await log_in(gateway, bootstrap_operator(system), OPERATOR_PASSWORD)
    refused = await gateway.get("/v1/bills", params=query, headers=bearer(untrusted))
    assert_problem(refused, 403, "permission_missing")

    _, operator, _ = await signed_in_operator(system, gateway)
    answer = await gateway.get("/v1/bills", params=query, headers=bearer(operator))
    assert answer.status_code == 200, answer.text
    assert answer.json()["groups"][0]["bills"][0]["customer_code"] == customer.customer_code
    # One customer at a time, named; and an operator does not change a customer's billing.
    assert_problem(
        await gateway.get("/v1/bills", headers=bearer(operator)), 422, "customer_code_required"
    )
    changed = await gateway.post(
        "/v1/billing-profiles/changes",
        json={"target": {"supply_ids": [supply.supply_id]}, "change": {"kind": "pagopa"}},
        headers=bearer(operator),
    )
    assert_problem(changed, 403, "permission_missing")
