"""Requests' use cases on the real database: a complaint filed, answered late and
compensated; a cancel only before work starts; the back-office's steps once each, in any
order; another customer's supply or request refused like one that does not exist."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio
from pydantic import TypeAdapter
from pymongo import AsyncMongoClient

from sportello_contracts.envelope import EventPayload
from sportello_contracts.request_forms import RequestForm
from sportello_contracts.requests import (
    CancelRequestRequest,
    RequestProgressed,
    RequestStatusChanged,
    RequestSubmitted,
    SubmitRequestRequest,
)
from sportello_contracts.rpc import Caller, Refused
from sportello_kit.errors import PoisonMessage
from sportello_kit.mongo import connect
from sportello_requests.adapters.store import RequestsStore
from sportello_requests.domain.admission import AdmissionRules, KnownBill, KnownSupply
from sportello_requests.domain.deadlines import AnswerRules
from sportello_requests.usecases.ports import Needs
from sportello_requests.usecases.requests import (
    cancel_request,
    request_progressed,
    submit_request,
)

FORMS: TypeAdapter[Any] = TypeAdapter(RequestForm)
MARIO = Caller(user_id="acc-1", role="customer", customer_codes=("C00010001",))
GIULIA = Caller(user_id="acc-2", role="customer", customer_codes=("C00010002",))


@dataclass
class Clock:
    at: datetime = datetime(2026, 12, 1, 9, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()


@dataclass
class Tx:
    session: Any = None
    emitted: list[EventPayload] = field(default_factory=list)

    async def emit(self, payload: EventPayload) -> object:
        self.emitted.append(payload)
        return payload


@pytest_asyncio.fixture(loop_scope="session")
async def needs(servers: Any) -> AsyncIterator[Needs]:
    client: AsyncMongoClient[dict[str, Any]] = connect(servers.mongo_url)
    name = f"requests_test_{uuid4().hex[:8]}"
    store = RequestsStore(client[name])
    await store.create_indexes()
    await store.keep_supply(KnownSupply("FE10001", "C00010001", "electricity", "IT001E1"), None)
    await store.keep_supply(KnownSupply("FG10001", "C00010001", "gas", "00881"), None)
    await store.keep_bill(KnownBill("B1-FG10001", "C00010001", "FG10001", 12000, 12000), None)
    try:
        yield Needs(store, Clock(), AdmissionRules(), AnswerRules())
    finally:
        await client.drop_database(name)
        await client.close()


def filing(form: dict[str, Any], caller: Caller = MARIO) -> SubmitRequestRequest:
    return SubmitRequestRequest(form=FORMS.validate_python(form), caller=caller)


COMPLAINT = {
    "type": "complaint",
    "subject": "Bolletta troppo alta",
    "bill_number": "B1-FG10001",
    "text": "Il consumo fatturato è il triplo del solito.",
    "disputed_cents": 5000,
}


async def test_a_complaint_answered_late_shows_its_due_day_and_its_compensation(
    needs: Needs,
) -> None:
    tx = Tx()
    reply = await submit_request(needs, tx, filing(COMPLAINT))
    filed = reply.request
    assert filed.status == "submitted"
    assert filed.can_cancel
    assert filed.answer_due_on == date(2026, 12, 31)
    assert filed.compensation_cents is None
    submitted, changed = tx.emitted
    assert isinstance(submitted, RequestSubmitted)
    assert submitted.form == FORMS.validate_python(COMPLAINT)  # the whole form, to the back-office
    assert isinstance(changed, RequestStatusChanged)
    assert changed.status == "submitted"

    answer_at = datetime(2027, 1, 20, 10, tzinfo=UTC)  # 50 days after: within twice the time
    later = Tx()
    step = RequestProgressed(
        request_id=filed.request_id,
        customer_code="C00010001",
        step="completed",
        at=answer_at,
        message="Abbiamo ricalcolato la bolletta sulla lettura reale.",
    )
    await request_progressed(needs, later, step, "ev-1")
    await request_progressed(needs, later, step, "ev-1")  # delivered twice: once
    (told,) = later.emitted
    assert isinstance(told, RequestStatusChanged)
    assert told.status == "completed"
    assert told.compensation_cents == 3000
    kept = await needs.store.get(filed.request_id)
    assert kept is not None
    assert kept.answered_on == date(2027, 1, 20)
    assert [c.status for c in kept.life.changes] == ["submitted", "completed"]


async def test_a_cancel_works_only_before_the_back_office_starts(needs: Needs) -> None:
    form = {"type": "power_change", "supply_id": "FE10001", "power_kw": "6"}
    first = (await submit_request(needs, Tx(), filing(form))).request
    cancelled = await cancel_request(
        needs, Tx(), CancelRequestRequest(request_id=first.request_id, caller=MARIO)
    )
    assert cancelled.request.status == "cancelled"
    assert not cancelled.request.can_cancel

    second = (await submit_request(needs, Tx(), filing(form))).request
    started = RequestProgressed(
        request_id=second.request_id,
        customer_code="C00010001",
        step="in_progress",
        at=datetime(2026, 12, 2, tzinfo=UTC),
    )
    await request_progressed(needs, Tx(), started, "ev-2")
    with pytest.raises(Refused) as refused:
        await cancel_request(
            needs, Tx(), CancelRequestRequest(request_id=second.request_id, caller=MARIO)
        )
    assert refused.value.error.code == "request_in_progress"


async def test_a_late_step_is_ignored_and_a_contradiction_dead_lettered(needs: Needs) -> None:
    form = {"type": "power_change", "supply_id": "FE10001", "power_kw": "3"}
    filed = (await submit_request(needs, Tx(), filing(form))).request

    def step(name: str, day: int) -> RequestProgressed:
        return RequestProgressed(
            request_id=filed.request_id,
            customer_code="C00010001",
            step=name,  # type: ignore[arg-type]
            at=datetime(2026, 12, day, tzinfo=UTC),
        )

    await request_progressed(needs, Tx(), step("completed", 3), "ev-c")
    late = Tx()
    await request_progressed(needs, late, step("in_progress", 2), "ev-p")
    assert late.emitted == []
    with pytest.raises(PoisonMessage):
        await request_progressed(needs, Tx(), step("rejected", 4), "ev-r")


async def test_another_customers_supply_bill_or_request_is_not_found(needs: Needs) -> None:
    for form in (
        {"type": "power_change", "supply_id": "FE10001", "power_kw": "6"},
        COMPLAINT,
    ):
        with pytest.raises(Refused) as refused:
            await submit_request(needs, Tx(), filing(form, GIULIA))
        assert refused.value.error.code in ("supply_not_found", "bill_not_found")
    mine = (await submit_request(needs, Tx(), filing(COMPLAINT))).request
    with pytest.raises(Refused) as refused:
        await cancel_request(
            needs, Tx(), CancelRequestRequest(request_id=mine.request_id, caller=GIULIA)
        )
    assert refused.value.error.code == "request_not_found"


async def test_a_power_change_on_gas_and_a_plan_below_the_minimum_are_refused(
    needs: Needs,
) -> None:
    with pytest.raises(Refused) as refused:
        await submit_request(
            needs, Tx(), filing({"type": "power_change", "supply_id": "FG10001", "power_kw": "6"})
        )
    assert refused.value.error.code == "not_electricity"
    plan = {"type": "instalment_plan", "bill_numbers": ["B1-FG10001"], "instalments": 3}
    filed = (await submit_request(needs, Tx(), filing(plan))).request
    assert filed.type_label == "Rateizzazione"
    assert filed.answer_due_on is None  # no written answer owed
    assert timedelta(0) <= filed.updated_at - filed.submitted_at
