"""Paying a bill now through the sandbox provider, end to end: the checkout, the signed
callback, "paid, being registered", the back-office's registration; and every way to get it
wrong: someone else's bill, a paid or direct-debit bill, two pay-nows racing, forged,
replayed, stale and tampered callbacks."""

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pymongo import AsyncMongoClient

from e2e.billing_flows import gas_bill, publish, told_to_backoffice
from e2e.flows import assert_problem, bearer, mails_about, service_ok, signed_in_customer
from e2e.payment_flows import (
    at_checkout,
    bill_becomes,
    bill_detail,
    checkout_event,
    customer_with_bill,
    pay_now,
    signed_callback,
)
from sportello_contracts.payments import Instalment, InstalmentPlanApproved, PaymentRegistered
from sportello_deploy.processes import Deployable
from sportello_deploy.servers import text_of
from sportello_deploy.testing import eventually, take_dead_letters
from sportello_kit.settings import DEMO_KEY_ENCRYPTION_KEY
from sportello_kit.topology import DEAD_LETTER_REASON, Topology

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

CALLBACK = "/v1/payments/callbacks/sandbox"


def registration(bill: Any, amount: int, **more: Any) -> PaymentRegistered:
    return PaymentRegistered(
        registration_id=more.pop("registration_id", f"INC-{uuid4().hex[:12]}"),
        bill_number=bill.bill_number,
        customer_code=bill.customer_code,
        amount_cents=amount,
        paid_on=more.pop("paid_on", date.today()),
        registered_on=more.pop("registered_on", date.today()),
        channel=more.pop("channel", "card"),
        **more,
    )


async def billing_doc(system: Any, collection: str, query: dict[str, Any]) -> dict[str, Any]:
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        found = await client.sportello_billing[collection].find_one(query)
    assert found is not None, query
    return found


async def test_a_customer_pays_now_sees_paid_being_registered_then_paid(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session, bill = await customer_with_bill(system, gateway)
    before = await bill_detail(gateway, session, bill.bill_number)
    assert before["status"] == "unpaid"
    assert before["pay_now"] == {"amount_cents": bill.total_cents, "methods": ["card", "pagopa"]}

    started = await pay_now(gateway, session, bill.bill_number, "pagopa", key="pay-1")
    assert started.status_code == 201, started.text
    payment = started.json()
    assert payment["state"] == "open"
    assert payment["amount_cents"] == bill.total_cents
    assert payment["checkout_url"].startswith(system.sandbox_url)
    assert started.headers["location"] == f"/v1/payments/{payment['payment_id']}"
    # Retried with the same key (a lost answer, a double click): the same checkout.
    again = await pay_now(gateway, session, bill.bill_number, "pagopa", key="pay-1")
    assert again.status_code == 201
    assert again.json()["payment_id"] == payment["payment_id"]
    assert again.json()["checkout_url"] == payment["checkout_url"]

    paid = await at_checkout(payment, "pay")
    assert paid.status_code == 303
    assert f"/bollette/{bill.bill_number}" in paid.headers["location"]
    shown = await bill_becomes(gateway, session, bill.bill_number, "paid_pending")
    assert shown["status_label"] == "Pagata, in registrazione"
    assert shown["pay_now"] is None
    assert shown["online_payment_id"] == payment["payment_id"]
    balance = (await gateway.get("/v1/home", headers=bearer(session))).json()
    assert balance["balance"]["amount_due_cents"] == 0
    answer = await gateway.get(f"/v1/payments/{payment['payment_id']}", headers=bearer(session))
    assert answer.json()["state"] == "succeeded"
    assert answer.json()["checkout_url"] is None  # nothing left to do there

    # The back-office is told, with what it needs to register it...
    told = await told_to_backoffice(
        system,
        "billing.online_payment.succeeded",
        lambda p: p["payment_id"] == payment["payment_id"],
    )
    assert told["payload"]["amount_cents"] == bill.total_cents
    assert told["payload"]["notice_number"] is not None
    # ...and registers it some days later: paid.
    await publish(system, registration(bill, bill.total_cents, payment_id=payment["payment_id"]))
    registered = await bill_becomes(gateway, session, bill.bill_number, "paid")
    assert registered["amount_due_cents"] == 0
    assert registered["refund_due_cents"] == 0
    assert registered["online_payment_id"] is None
    assert [p["amount_cents"] for p in registered["payments"]] == [bill.total_cents]
    answer = await gateway.get(f"/v1/payments/{payment['payment_id']}", headers=bearer(session))
    assert answer.json()["state"] == "registered"
    # Paying it again is refused.
    assert_problem(await pay_now(gateway, session, bill.bill_number), 409, "bill_paid")
    # The payer got a receipt, then word of the registration: one of each.
    subject = f"Area Clienti: pagamento ricevuto per la bolletta {bill.bill_number}"
    (receipt,) = await mails_about(system, customer.email, subject)
    assert payment["payment_id"] in text_of(receipt)
    subject = f"Area Clienti: pagamento registrato per la bolletta {bill.bill_number}"
    await mails_about(system, customer.email, subject)


async def test_a_failed_or_cancelled_checkout_frees_the_bill_for_another_try(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, bill = await customer_with_bill(system, gateway)
    first = (await pay_now(gateway, session, bill.bill_number)).json()
    # While its checkout is open, no second payment of the bill.
    busy = await pay_now(gateway, session, bill.bill_number)
    problem = assert_problem(busy, 409, "payment_in_progress")
    assert problem["details"]["payment_id"] == first["payment_id"]

    assert (await at_checkout(first, "fail")).status_code == 303

    async def failed() -> bool:
        answer = await gateway.get(f"/v1/payments/{first['payment_id']}", headers=bearer(session))
        return bool(answer.json()["state"] == "failed")

    await eventually(failed, seconds=20, what="the payment failed")
    assert (await bill_detail(gateway, session, bill.bill_number))["status"] == "unpaid"
    second = await pay_now(gateway, session, bill.bill_number)
    assert second.status_code == 201, second.text
    assert (await at_checkout(second.json(), "cancel")).status_code == 303

    async def cancelled() -> bool:
        payment_id = second.json()["payment_id"]
        answer = await gateway.get(f"/v1/payments/{payment_id}", headers=bearer(session))
        return bool(answer.json()["state"] == "expired")

    await eventually(cancelled, seconds=20, what="the payment ended")
    assert (await pay_now(gateway, session, bill.bill_number)).status_code == 201


async def test_an_abandoned_checkout_expires_and_frees_the_bill(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, bill = await customer_with_bill(system, gateway)
    abandoned = (await pay_now(gateway, session, bill.bill_number)).json()
    assert_problem(await pay_now(gateway, session, bill.bill_number), 409, "payment_in_progress")
    seconds = int(system.env["BILLING_PAYMENTS_CHECKOUT_SECONDS"])

    async def freed() -> httpx.Response | None:
        answer = await pay_now(gateway, session, bill.bill_number)
        return answer if answer.status_code == 201 else None

    await eventually(freed, seconds=seconds + 15, what="the bill freed by the expiry")
    answer = await gateway.get(f"/v1/payments/{abandoned['payment_id']}", headers=bearer(session))
    assert answer.json()["state"] == "expired"
    assert answer.json()["checkout_url"] is None


async def test_pay_nows_racing_open_one_checkout(system: Any, gateway: httpx.AsyncClient) -> None:
    _, session, bill = await customer_with_bill(system, gateway)
    # Different keys (two tabs): one payment, the others told one is in progress.
    answers = await asyncio.gather(*(pay_now(gateway, session, bill.bill_number) for _ in range(6)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409, 409, 409, 409, 409], [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert_problem(answer, 409, "payment_in_progress")
    # The same key at once (a double click): one payment, the same answer for all.
    _, session, other = await customer_with_bill(system, gateway)
    same = await asyncio.gather(
        *(pay_now(gateway, session, other.bill_number, key="click") for _ in range(6))
    )
    assert {a.status_code for a in same} == {201}, [a.text for a in same]
    assert len({a.json()["payment_id"] for a in same}) == 1
    assert len({a.json()["checkout_url"] for a in same}) == 1


async def test_someone_else_s_a_paid_or_a_direct_debit_bill_cannot_be_paid(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    owner, session, bill = await customer_with_bill(system, gateway)
    _, stranger = await signed_in_customer(system, gateway)
    assert_problem(await pay_now(gateway, stranger, bill.bill_number), 404, "bill_not_found")
    mine = (await pay_now(gateway, session, bill.bill_number)).json()
    other_view = await gateway.get(f"/v1/payments/{mine['payment_id']}", headers=bearer(stranger))
    assert_problem(other_view, 404, "payment_not_found")
    anonymous = await gateway.post(
        f"/v1/bills/{bill.bill_number}/payments", json={"method": "card"}
    )
    assert anonymous.status_code == 401

    # What the client may not choose: the amount, an unknown method.
    tampered = await gateway.post(
        f"/v1/bills/{bill.bill_number}/payments",
        json={"method": "card", "amount_cents": 1},
        headers=bearer(session),
    )
    assert_problem(tampered, 422, "invalid_request")
    assert_problem(
        await pay_now(gateway, session, bill.bill_number, method="bitcoin"), 422, "invalid_request"
    )

    supply_id = bill.supply_id
    debited = gas_bill(
        owner.customer_code,
        supply_id,
        issued_on=date.today() - timedelta(days=3),
        payment_method="direct_debit",
    )
    settled = gas_bill(owner.customer_code, supply_id, issued_on=date.today() - timedelta(days=4))
    await publish(system, debited, settled, registration(settled, settled.total_cents))
    await bill_becomes(gateway, session, settled.bill_number, "paid")
    assert_problem(await pay_now(gateway, session, debited.bill_number), 409, "bill_direct_debit")
    assert (await bill_detail(gateway, session, debited.bill_number))["pay_now"] is None
    assert_problem(await pay_now(gateway, session, settled.bill_number), 409, "bill_paid")


async def test_forged_stale_tampered_and_unknown_callbacks_are_refused_and_recorded(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, bill = await customer_with_bill(system, gateway)
    payment = (await pay_now(gateway, session, bill.bill_number)).json()
    event = checkout_event(payment)

    body, headers = signed_callback(event, secret="not-the-provider-s-secret-at-all-000")
    forged = await gateway.post(CALLBACK, content=body, headers=headers)
    assert_problem(forged, 401, "callback_refused")
    unsigned = await gateway.post(CALLBACK, content=body, headers={"content-type": "x/y"})
    assert_problem(unsigned, 401, "callback_refused")
    body, headers = signed_callback(event, at=time.time() - 3600)
    assert_problem(
        await gateway.post(CALLBACK, content=body, headers=headers), 401, "callback_refused"
    )
    body, headers = signed_callback(checkout_event(payment, amount_cents=1))
    tampered = await gateway.post(CALLBACK, content=body, headers=headers)
    assert_problem(tampered, 422, "callback_amount_mismatch")
    unknown = checkout_event(payment, reference="PAY-00000000000000000000")
    body, headers = signed_callback(unknown)
    assert_problem(
        await gateway.post(CALLBACK, content=body, headers=headers), 404, "callback_payment_unknown"
    )
    body, headers = signed_callback({"type": "checkout.succeeded"})
    assert_problem(
        await gateway.post(CALLBACK, content=body, headers=headers), 401, "callback_refused"
    )
    assert_problem(
        await gateway.post("/v1/payments/callbacks/nobody", content=body, headers=headers),
        404,
        "payment_provider_unknown",
    )

    # Nothing changed: the bill is unpaid, the payment still open.
    assert (await bill_detail(gateway, session, bill.bill_number))["status"] == "unpaid"
    answer = await gateway.get(f"/v1/payments/{payment['payment_id']}", headers=bearer(session))
    assert answer.json()["state"] == "open"
    # Each refusal is recorded with why.
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        refused = client.sportello_billing.payment_callbacks_refused
        reasons = {
            doc["reason"]
            async for doc in refused.find({"webhook_id": {"$in": [headers["webhook-id"]]}})
        }
        everything = {doc["reason"] async for doc in refused.find({})}
    assert "malformed" in reasons
    assert {"signature", "stale", "amount_mismatch", "unknown_payment"} <= everything


async def test_a_replayed_callback_is_applied_once(system: Any, gateway: httpx.AsyncClient) -> None:
    _, session, bill = await customer_with_bill(system, gateway)
    payment = (await pay_now(gateway, session, bill.bill_number)).json()
    body, headers = signed_callback(checkout_event(payment))
    first = await gateway.post(CALLBACK, content=body, headers=headers)
    assert first.status_code == 204, first.text
    # The same signed callback again, within its time: harmless.
    for _ in range(3):
        replay = await gateway.post(CALLBACK, content=body, headers=headers)
        assert replay.status_code == 204, replay.text
    # The provider's own redelivery of its event too.
    await bill_becomes(gateway, session, bill.bill_number, "paid_pending")
    stored = await billing_doc(system, "bills", {"_id": bill.bill_number})
    assert stored["pending_online_cents"] == bill.total_cents  # once, not four times
    # A failure reported after the success changes nothing either.
    body, headers = signed_callback(checkout_event(payment, "failed"))
    assert (await gateway.post(CALLBACK, content=body, headers=headers)).status_code == 204
    assert (await bill_detail(gateway, session, bill.bill_number))["status"] == "paid_pending"


async def test_the_sandbox_s_own_redelivery_is_harmless(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, bill = await customer_with_bill(system, gateway)
    payment = (await pay_now(gateway, session, bill.bill_number)).json()
    await at_checkout(payment, "pay")
    await bill_becomes(gateway, session, bill.bill_number, "paid_pending")
    checkout_id = payment["checkout_url"].rsplit("/", 1)[-1]
    api = {"Authorization": f"Bearer {DEMO_KEY_ENCRYPTION_KEY}"}  # the sandbox's default
    async with httpx.AsyncClient(base_url=system.sandbox_url, headers=api) as sandbox:
        resent = await sandbox.post(f"/v1/checkouts/{checkout_id}/resend")
        assert resent.status_code < 300, resent.text

        async def delivered_twice() -> list[Any] | None:
            log = (await sandbox.get(f"/v1/checkouts/{checkout_id}/deliveries")).json()
            ok = [d for d in log["deliveries"] if d["status_code"] == 204]
            return ok if len(ok) >= 2 else None

        delivered = await eventually(delivered_twice, seconds=20, what="delivered twice")
    # The same event (one webhook id), answered 204 both times: applied once.
    assert len({d["webhook_id"] for d in delivered}) == 1
    stored = await billing_doc(system, "bills", {"_id": bill.bill_number})
    assert stored["pending_online_cents"] == bill.total_cents


async def test_registrations_wait_for_their_bill_and_paying_twice_is_flagged_for_refund(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session, bill = await customer_with_bill(system, gateway)
    late = gas_bill(
        customer.customer_code, bill.supply_id, issued_on=date.today() - timedelta(days=40)
    )
    # Paid by the due date, registered by the collector ten days after it, and before the
    # bill itself reached billing: parked, then paid, never overdue.
    paid = registration(
        late, late.total_cents, paid_on=late.due_on, registered_on=late.due_on + timedelta(10)
    )
    await publish(system, paid)
    await publish(system, late)
    shown = await bill_becomes(gateway, session, late.bill_number, "paid")
    assert shown["payments"][0]["paid_on"] == late.due_on.isoformat()
    # The same registration again: one payment.
    await publish(system, paid)
    # Part of the other bill, then all of it twice over.
    await publish(system, registration(bill, 1000))
    part = await bill_becomes(gateway, session, bill.bill_number, "partially_paid")
    assert part["amount_due_cents"] == bill.total_cents - 1000
    await publish(system, registration(bill, bill.total_cents))
    twice = await bill_becomes(gateway, session, bill.bill_number, "paid")
    assert twice["refund_due_cents"] == 1000
    told = await told_to_backoffice(
        system, "billing.refund.required", lambda p: p["bill_number"] == bill.bill_number
    )
    assert told["payload"]["refund_cents"] == 1000
    again = await bill_detail(gateway, session, late.bill_number)
    assert len(again["payments"]) == 1


async def test_an_online_payment_left_unregistered_is_flagged_with_a_complaint(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, bill = await customer_with_bill(system, gateway)
    payment = (await pay_now(gateway, session, bill.bill_number)).json()
    await at_checkout(payment, "pay")
    shown = await bill_becomes(gateway, session, bill.bill_number, "paid_pending")
    assert shown["unregistered_payment"] is None
    # Days go by without the back-office registering it (the payment's time moved back).
    async with AsyncMongoClient[dict[str, Any]](system.servers.mongo_url) as client:
        await client.sportello_billing.payments.update_one(
            {"_id": payment["payment_id"]},
            {"$set": {"succeeded_at": datetime.now(UTC) - timedelta(days=8, minutes=1)}},
        )
    flagged = (await bill_detail(gateway, session, bill.bill_number))["unregistered_payment"]
    assert flagged["payment_id"] == payment["payment_id"]
    assert flagged["days_waiting"] == 8
    assert payment["payment_id"] in flagged["complaint_subject"]
    assert "reclamo" in flagged["explanation"]


async def test_an_instalment_plan_shows_its_schedule_and_pay_now_pays_the_next_one(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, bill = await customer_with_bill(system, gateway)
    first_due = date.today() + timedelta(days=10)
    each, rest = divmod(bill.total_cents + 90, 3)
    amounts = (each, each, each + rest)
    plan = InstalmentPlanApproved(
        plan_id=f"RAT-{uuid4().hex[:10]}",
        bill_number=bill.bill_number,
        customer_code=bill.customer_code,
        approved_on=date.today(),
        interest_cents=90,
        instalments=tuple(
            Instalment(number=n + 1, due_on=first_due + timedelta(days=30 * n), amount_cents=a)
            for n, a in enumerate(amounts)
        ),
    )
    # One that does not add up is dead-lettered with the reason, and changes nothing.
    wrong = plan.model_copy(update={"plan_id": f"RAT-{uuid4().hex[:10]}", "interest_cents": 0})
    await publish(system, wrong, plan)
    shown = await bill_becomes(gateway, session, bill.bill_number, "in_instalments")
    schedule = shown["instalment_plan"]
    assert schedule["plan_id"] == plan.plan_id
    assert [i["amount_cents"] for i in schedule["instalments"]] == list(amounts)
    assert [i["status"] for i in schedule["instalments"]] == ["unpaid"] * 3
    assert shown["status_label"] == "In rateizzazione"
    assert shown["pay_now"]["amount_cents"] == amounts[0]

    payment = (await pay_now(gateway, session, bill.bill_number)).json()
    assert payment["amount_cents"] == amounts[0]
    await at_checkout(payment, "pay")

    async def first_pending() -> dict[str, Any] | None:
        detail = await bill_detail(gateway, session, bill.bill_number)
        return detail if detail["online_payment_id"] == payment["payment_id"] else None

    await eventually(first_pending, seconds=20, what="the instalment paid online")
    await publish(system, registration(bill, amounts[0], payment_id=payment["payment_id"]))

    async def first_paid() -> dict[str, Any] | None:
        detail = await bill_detail(gateway, session, bill.bill_number)
        states = [i["status"] for i in detail["instalment_plan"]["instalments"]]
        return detail if states == ["paid", "unpaid", "unpaid"] else None

    after = await eventually(first_paid, seconds=20, what="the first instalment paid")
    assert after["status"] == "in_instalments"
    assert after["pay_now"]["amount_cents"] == amounts[1]
    assert after["amount_due_cents"] == amounts[1] + amounts[2]
    queue = Topology(system.servers.prefix).event_queue_name("billing", plan.ROUTING_KEY)

    async def dead_lettered() -> list[str] | None:
        dead = await take_dead_letters(system.servers.rabbitmq_url, queue)
        reasons = [
            str(m.headers[DEAD_LETTER_REASON]) for m in dead if wrong.plan_id.encode() in m.body
        ]
        return reasons or None

    (reason,) = await eventually(dead_lettered, seconds=20, what="the wrong plan dead-lettered")
    assert "add up" in reason


async def test_billing_killed_after_opening_the_checkout_gives_the_same_one_on_retry(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    """Killed between the provider's answer and keeping it: the retry with the same key asks
    the provider again with the same payment id, and gets the same checkout, not a second."""
    _, session, bill = await customer_with_bill(system, gateway)
    crashing = Deployable(
        "billing",
        {**system.env, "SPORTELLO_FAILPOINTS": "after-checkout:billing.payment.start"},
        system.logs / "billing-crashing.log",
    )
    system.kill("billing")
    try:
        crashing.start()
        await eventually(
            lambda: service_ok(system, "billing"), seconds=30, what="the crashing billing up"
        )
        lost = await pay_now(gateway, session, bill.bill_number, key="crash-1")
        assert_problem(lost, 503, "service_unavailable")

        async def crashed() -> bool:
            return not crashing.running

        await eventually(crashed, seconds=10, what="the billing that crashed to be gone")
    finally:
        crashing.kill()
        if not system.deployables["billing"].running:
            system.start("billing")
        await eventually(lambda: service_ok(system, "billing"), seconds=30, what="billing back")

    retried = await pay_now(gateway, session, bill.bill_number, key="crash-1")
    assert retried.status_code == 201, retried.text
    payment = retried.json()
    assert payment["state"] == "open"
    api = {"Authorization": f"Bearer {DEMO_KEY_ENCRYPTION_KEY}"}
    async with httpx.AsyncClient(base_url=system.sandbox_url, headers=api) as sandbox:
        listed = await sandbox.get("/v1/checkouts", params={"reference": payment["payment_id"]})
    (checkout,) = listed.json()["checkouts"]  # one, though the provider was asked twice
    assert payment["checkout_url"] == checkout["url"]
