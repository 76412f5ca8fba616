"""The home page: three asks of billing in flight together, composed into one answer; one of them
refused, the whole page is that refusal."""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sportello_contracts.bills import (
    GET_BALANCE,
    LIST_BILLS,
    BalanceReply,
    BillGroup,
    BillsPage,
    BillSummaryPublic,
)
from sportello_contracts.identity import GET_SCOPE, ScopeReply
from sportello_contracts.readings import LIST_READING_BOXES, ReadingBoxesReply
from sportello_contracts.rpc import ErrorKind, ServiceError
from sportello_contracts.supplies import (
    LIST_SUPPLIES,
    Distributor,
    Meter,
    PostalAddress,
    SuppliesReply,
    SupplyPublic,
)
from sportello_gateway.bus import ServiceRefused, ServiceUnavailable
from sportello_gateway.routes.home import latest_bills

CONDOMINIUMS = ("C00010005", "C00010006")
AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
BALANCE = BalanceReply(
    amount_due_cents=12_900, overdue_cents=4_450, unpaid_bills=2, next_due_on=date(2026, 12, 15)
)


def bill(number: str, issued_on: date, profile: str = "BP-000123") -> BillSummaryPublic:
    return BillSummaryPublic(
        bill_number=number,
        customer_code="C00010005",
        supply_id="FOR-000101",
        commodity="electricity",
        point_id="IT001E12345678",
        billing_profile=profile,
        period_start=date(issued_on.year, 1, 1),
        period_end=issued_on,
        issued_on=issued_on,
        due_on=issued_on,
        total_cents=4_450,
        amount_due_cents=4_450,
        payment_method="direct_debit",
        status="unpaid",
        status_label="Da pagare",
        estimated=True,
    )


SUPPLY = SupplyPublic(
    supply_id="FOR-000101",
    customer_code="C00010005",
    commodity="electricity",
    point_id="IT001E12345678",
    address=PostalAddress(
        street="Via Roma", number="12", post_code="00184", city="Roma", province="RM"
    ),
    use="non_domestic",
    contracted_power_kw=6.0,
    offer_code="LUCE-CONDOMINIO",
    offer_name="Luce Condominio",
    meter=Meter(serial="E-42", smart=True),
    distributor=Distributor(name="Areti", emergency_number="800 130 336"),
    status="active",
    activated_on=date(2024, 1, 1),
    billing_profile="BP-000123",
    updated_at=AT,
)
# Two profiles' groups, each newest first, as billing pages them.
PAGE = BillsPage(
    groups=(
        BillGroup(
            billing_profile="BP-000123",
            bills=(
                bill("F2026-000300", date(2026, 11, 10)),
                bill("F2026-000100", date(2026, 5, 9)),
            ),
        ),
        BillGroup(
            billing_profile="BP-000124",
            bills=(bill("F2026-000200", date(2026, 9, 8), "BP-000124"),),
        ),
    )
)


@dataclass
class Sent:
    operation: Any
    request: Any


@dataclass
class MeetingBus:
    """Answers from `replies` like conftest's recording bus, but billing's answers wait until
    `together` of its calls are in flight at once: calls made one after the other never meet,
    and fail."""

    replies: dict[str, Any] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    connected: bool = True
    together: int = 3
    barrier: asyncio.Barrier | None = None
    hang: set[str] = field(default_factory=set)  # operations that never answer
    cancelled: set[str] = field(default_factory=set)

    async def call(self, operation: Any, request: Any, **_: Any) -> Any:
        self.sent.append(Sent(operation, request))
        if operation.service == "billing":
            await self._meet(operation.name)
        reply = self.replies[operation.name]
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def _meet(self, name: str) -> None:
        if self.barrier is None:
            self.barrier = asyncio.Barrier(self.together)
        try:
            async with asyncio.timeout(2):
                await self.barrier.wait()
                if name in self.hang:
                    await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.add(name)
            raise
        except TimeoutError:
            raise AssertionError(f"{name} waited alone: not in flight together") from None


@pytest.fixture
def bus() -> MeetingBus:
    return MeetingBus()


@pytest.fixture(autouse=True)
def billing(bus: MeetingBus) -> None:
    bus.replies[GET_SCOPE.name] = ScopeReply(
        account_id="acc-1", role="administrator", customer_codes=CONDOMINIUMS
    )
    bus.replies[LIST_BILLS.name] = PAGE
    bus.replies[LIST_SUPPLIES.name] = SuppliesReply(supplies=(SUPPLY,))
    bus.replies[GET_BALANCE.name] = BALANCE
    bus.replies[LIST_READING_BOXES.name] = ReadingBoxesReply(boxes=())  # test_readings_routes.py


@pytest.fixture
def token(signer: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {signer.token()}"}


def billing_calls(bus: MeetingBus) -> dict[str, Any]:
    return {s.operation.name: s.request for s in bus.sent if s.operation.service == "billing"}


def test_the_three_parts_are_asked_together_and_composed(
    client: TestClient, bus: MeetingBus, token: dict[str, str]
) -> None:
    response = client.get("/v1/home", headers=token)
    assert response.status_code == 200, response.text
    home = response.json()
    assert [b["bill_number"] for b in home["latest_bills"]] == [
        "F2026-000300",
        "F2026-000200",
        "F2026-000100",
    ]
    assert home["active_supplies"] == [SUPPLY.model_dump(mode="json")]
    assert home["balance"] == BALANCE.model_dump(mode="json")
    assert home["customer_codes"] == list(CONDOMINIUMS)
    assert home["selected_customer_code"] is None  # every condominium
    calls = billing_calls(bus)
    assert calls[LIST_BILLS.name].limit == 3
    assert calls[LIST_SUPPLIES.name].status == "active"
    assert {request.customer_code for request in calls.values()} == {None}
    assert {request.caller.user_id for request in calls.values()} == {"acc-1"}


def test_calls_one_after_the_other_would_not_meet(bus: MeetingBus) -> None:
    # The proof above holds only if the fake refuses calls that are not in flight together.
    async def one_alone() -> None:
        await bus.call(GET_BALANCE, None)

    with pytest.raises(AssertionError, match="not in flight together"):
        asyncio.run(one_alone())


def test_an_administrator_picks_one_condominium_for_every_part(
    client: TestClient, bus: MeetingBus, token: dict[str, str]
) -> None:
    response = client.get("/v1/home?customer_code=c00010006", headers=token)
    assert response.status_code == 200, response.text
    assert response.json()["selected_customer_code"] == "C00010006"
    assert response.json()["customer_codes"] == list(CONDOMINIUMS)
    assert {r.customer_code for r in billing_calls(bus).values()} == {"C00010006"}


def test_a_customer_with_one_code_has_it_selected(
    client: TestClient, bus: MeetingBus, token: dict[str, str]
) -> None:
    bus.replies[GET_SCOPE.name] = ScopeReply(
        account_id="acc-1", role="customer", customer_codes=("C00000001",)
    )
    response = client.get("/v1/home", headers=token)
    assert response.status_code == 200, response.text
    assert response.json()["selected_customer_code"] == "C00000001"
    assert response.json()["customer_codes"] == ["C00000001"]


@pytest.mark.parametrize("failing", [LIST_BILLS.name, LIST_SUPPLIES.name, GET_BALANCE.name])
def test_a_code_outside_the_callers_scope_fails_the_page_with_billings_problem(
    client: TestClient, bus: MeetingBus, token: dict[str, str], failing: str
) -> None:
    bus.replies[failing] = ServiceRefused(
        ServiceError(
            kind=ErrorKind.NOT_FOUND, code="customer_not_found", message="Cliente non trovato."
        )
    )
    response = client.get("/v1/home?customer_code=C00099999", headers=token)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "customer_not_found"
    assert set(problem) == {"type", "title", "status", "detail", "instance", "code"}


def test_one_part_failing_cancels_the_others_rather_than_wait_for_them(
    client: TestClient, bus: MeetingBus, token: dict[str, str]
) -> None:
    bus.hang = {LIST_BILLS.name, LIST_SUPPLIES.name}  # would time out the test if awaited
    bus.replies[GET_BALANCE.name] = ServiceUnavailable("billing", "no reply in time")
    response = client.get("/v1/home", headers=token)
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert bus.cancelled == {LIST_BILLS.name, LIST_SUPPLIES.name}


def test_a_bad_customer_code_is_a_422_billing_never_hears_of(
    client: TestClient, bus: MeetingBus, token: dict[str, str]
) -> None:
    response = client.get("/v1/home?customer_code=C-1", headers=token)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.customer_code"]
    assert billing_calls(bus) == {}


def test_the_latest_bills_are_the_newest_of_every_profile_at_most_three() -> None:
    page = BillsPage(
        groups=(
            BillGroup(
                billing_profile="BP-000001",
                bills=(bill("B-0004", date(2026, 4, 1)), bill("B-0001", date(2026, 1, 1))),
            ),
            BillGroup(
                billing_profile="BP-000002",
                bills=(bill("B-0003", date(2026, 3, 1)), bill("B-0002", date(2026, 2, 1))),
            ),
        )
    )
    assert [b.bill_number for b in latest_bills(page)] == ["B-0004", "B-0003", "B-0002"]
