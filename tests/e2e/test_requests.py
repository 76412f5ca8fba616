"""Service requests end to end: filed through the gateway against the caller's own supplies
and bills, sent whole to the back-office, moved by its events, cancelled only before work
starts; another customer's supply, bill or request is not found."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from e2e.billing_flows import publish, told_to_backoffice
from e2e.flows import assert_problem, bearer, mails_about, signed_in_customer
from e2e.reading_flows import metered_customer, today
from sportello_contracts.requests import RequestProgressed
from sportello_deploy.servers import text_of
from sportello_deploy.testing import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]


async def file(
    gateway: httpx.AsyncClient, session: dict[str, Any], form: dict[str, Any]
) -> httpx.Response:
    return await gateway.post("/v1/requests", json={"form": form}, headers=bearer(session))


async def bill_of(gateway: httpx.AsyncClient, session: dict[str, Any]) -> str:
    answer = await gateway.get("/v1/bills", headers=bearer(session))
    assert answer.status_code == 200, answer.text
    (number,) = [b["bill_number"] for g in answer.json()["groups"] for b in g["bills"]]
    return str(number)


async def filed_once_known(
    gateway: httpx.AsyncClient, session: dict[str, Any], form: dict[str, Any]
) -> dict[str, Any]:
    """Filed as soon as requests knows the supply and the bill (their events are consumed
    apart from billing's)."""

    async def filed() -> dict[str, Any] | None:
        answer = await file(gateway, session, form)
        if answer.status_code == 404:
            return None
        assert answer.status_code == 201, answer.text
        assert answer.headers["location"] == f"/v1/requests/{answer.json()['request_id']}"
        body: dict[str, Any] = answer.json()
        return body

    return await eventually(filed, seconds=20, what=f"a {form['type']} filed")


async def test_a_complaint_is_filed_sent_to_the_back_office_and_moved_to_its_answer(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session, supply, _ = await metered_customer(system, gateway)
    bill_number = await bill_of(gateway, session)
    form = {
        "type": "complaint",
        "subject": "Bolletta troppo alta",
        "bill_number": bill_number,
        "text": "Il consumo fatturato è il triplo del solito.",
        "disputed_cents": 1000,
    }
    request = await filed_once_known(gateway, session, form)
    assert request["status"] == "submitted"
    assert request["can_cancel"]
    assert request["answer_due_on"] == (today() + timedelta(days=30)).isoformat()
    told = await told_to_backoffice(
        system, "requests.request.submitted", lambda p: p["request_id"] == request["request_id"]
    )
    assert told["payload"]["form"]["text"] == form["text"]  # the whole form

    for step in ("in_progress", "completed"):
        await publish(
            system,
            RequestProgressed(
                request_id=request["request_id"],
                customer_code=customer.customer_code,
                step=step,  # type: ignore[arg-type]
                at=datetime.now(UTC),
                message="Abbiamo verificato la lettura." if step == "completed" else None,
            ),
        )

    async def answered() -> dict[str, Any] | None:
        answer = await gateway.get(f"/v1/requests/{request['request_id']}", headers=bearer(session))
        assert answer.status_code == 200, answer.text
        shown: dict[str, Any] = answer.json()
        return shown if shown["status"] == "completed" else None

    shown = await eventually(answered, seconds=20, what="the complaint answered")
    assert [c["status"] for c in shown["history"]] == ["submitted", "in_progress", "completed"]
    assert shown["history"][-1]["message"] == "Abbiamo verificato la lettura."
    assert shown["answered_on"] == today().isoformat()
    assert shown["compensation_cents"] is None  # answered in time
    # A mail at each change, once each.
    for subject in (
        "Area Clienti: abbiamo ricevuto la tua richiesta",
        "Area Clienti: la tua richiesta è in lavorazione",
        "Area Clienti: la tua richiesta è stata completata",
    ):
        await mails_about(system, customer.email, subject)
    listed = await gateway.get(
        "/v1/requests", params={"type": "complaint"}, headers=bearer(session)
    )
    assert [r["request_id"] for r in listed.json()["requests"]] == [request["request_id"]]
    cancel = await gateway.post(
        f"/v1/requests/{request['request_id']}/cancel", headers=bearer(session)
    )
    assert_problem(cancel, 409, "request_closed")

    # Someone else: the same 404 as for a request that does not exist.
    _, stranger = await signed_in_customer(system, gateway)
    answer = await gateway.get(f"/v1/requests/{request['request_id']}", headers=bearer(stranger))
    assert_problem(answer, 404, "request_not_found")
    assert_problem(await file(gateway, stranger, form), 404, "bill_not_found")
    mine = await gateway.get(f"/v1/supplies/{supply.supply_id}/requests", headers=bearer(stranger))
    assert mine.json()["requests"] == []


async def test_a_request_is_cancelled_before_work_starts_and_wrong_ones_are_refused(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    _, session, supply, _ = await metered_customer(system, gateway)
    info = {
        "type": "information_request",
        "subject": "Bonus sociale",
        "text": "Vorrei sapere se la mia famiglia ne ha diritto.",
        "supply_id": supply.supply_id,
    }
    request = await filed_once_known(gateway, session, info)
    cancelled = await gateway.post(
        f"/v1/requests/{request['request_id']}/cancel", headers=bearer(session)
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    page = await gateway.get(f"/v1/supplies/{supply.supply_id}/requests", headers=bearer(session))
    assert [r["status"] for r in page.json()["requests"]] == ["cancelled"]

    power = {"type": "power_change", "supply_id": supply.supply_id, "power_kw": "6"}
    assert_problem(await file(gateway, session, power), 409, "not_electricity")
    odd = {**power, "power_kw": "4.2"}
    assert_problem(await file(gateway, session, odd), 422, "invalid_request")
    unknown = {"type": "teleport", "supply_id": supply.supply_id}
    assert_problem(await file(gateway, session, unknown), 422, "invalid_request")


async def test_an_answer_after_the_deadline_shows_the_automatic_compensation(
    system: Any, gateway: httpx.AsyncClient
) -> None:
    customer, session, supply, _ = await metered_customer(system, gateway)
    question = {
        "type": "information_request",
        "subject": "Letture",
        "text": "Perché la bolletta è stimata da tre mesi?",
        "supply_id": supply.supply_id,
    }
    request = await filed_once_known(gateway, session, question)
    # Answered 45 days on, past the 30 of the rule and within twice them: the base amount.
    await publish(
        system,
        RequestProgressed(
            request_id=request["request_id"],
            customer_code=customer.customer_code,
            step="completed",
            at=datetime.now(UTC) + timedelta(days=45),
            message="Il distributore non ha potuto leggere il contatore.",
        ),
    )

    async def compensated() -> dict[str, Any] | None:
        answer = await gateway.get(f"/v1/requests/{request['request_id']}", headers=bearer(session))
        shown: dict[str, Any] = answer.json()
        return shown if shown["status"] == "completed" else None

    shown = await eventually(compensated, seconds=20, what="the late answer")
    assert shown["compensation_cents"] == 3000
    assert not shown["overdue"]  # answered, if late
    (mail,) = await mails_about(
        system, customer.email, "Area Clienti: la tua richiesta è stata completata"
    )
    text = " ".join(text_of(mail).split())
    assert "indennizzo automatico di 30,00" in text
