"""The home page in one call: the latest bills, the active supplies and the amount due, asked of
billing, and the reading boxes, asked of metering, all at the same time; for an administrator, of
the condominium picked."""

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from sportello_contracts.bills import (
    GET_BALANCE,
    LIST_BILLS,
    BalanceReply,
    BillsPage,
    BillSummaryPublic,
    GetBalanceRequest,
)
from sportello_contracts.readings import LIST_READING_BOXES, ReadingBox, ReadingBoxesReply
from sportello_contracts.supplies import LIST_SUPPLIES, SuppliesReply, SupplyPublic
from sportello_gateway.auth import CurrentCaller
from sportello_gateway.forward import Forward, http_model
from sportello_gateway.problems_doc import responses
from sportello_gateway.routes.bills import BillsQuery
from sportello_gateway.routes.readings import ReadingBoxesQuery
from sportello_gateway.routes.supplies import AUTHENTICATED, SCOPED, SuppliesQuery

router = APIRouter(tags=["home"])

LATEST_BILLS = 3

if TYPE_CHECKING:
    HomeQuery = GetBalanceRequest
else:
    HomeQuery = http_model(GetBalanceRequest, "HomeQuery")


class HomePublic(BaseModel):
    latest_bills: list[BillSummaryPublic]  # newest first, of every billing profile
    active_supplies: list[SupplyPublic]
    balance: BalanceReply
    # The self-reading box of each supply still supplied (a ceased one takes no reading).
    reading_boxes: list[ReadingBox]
    # What the caller may pick from (an administrator's condominiums), and what was picked:
    # none when the page covers every code of the caller.
    customer_codes: list[str]
    selected_customer_code: str | None


@router.get(
    "/v1/home",
    responses=responses(AUTHENTICATED, SCOPED),
    summary="My home page: latest bills, active supplies, amount due, reading boxes",
)
async def home(
    query: Annotated[HomeQuery, Query()], caller: CurrentCaller, send: Forward
) -> HomePublic:
    """`customer_code` picks one customer (an administrator's condominium); without it, every
    customer code of the caller. One part failing fails the whole page, with that problem."""
    code = query.customer_code
    bills, supplies, balance, boxes = await _together(
        send(
            LIST_BILLS,
            BillsQuery(customer_code=code, limit=LATEST_BILLS, order="newest"),
            caller=caller,
        ),
        send(LIST_SUPPLIES, SuppliesQuery(customer_code=code, status="active"), caller=caller),
        send(GET_BALANCE, query, caller=caller),
        send(LIST_READING_BOXES, ReadingBoxesQuery(customer_code=code), caller=caller),
    )
    return HomePublic(
        latest_bills=latest_bills(bills),
        active_supplies=list(supplies.supplies),
        balance=balance,
        reading_boxes=home_reading_boxes(boxes),
        customer_codes=list(caller.customer_codes),
        selected_customer_code=_selected(code, caller.customer_codes),
    )


def _selected(code: str | None, customer_codes: tuple[str, ...]) -> str | None:
    """The customer the page is of: the one asked for, else the caller's only one."""
    if code is None and len(customer_codes) == 1:
        return customer_codes[0]
    return code


def latest_bills(page: BillsPage, limit: int = LATEST_BILLS) -> list[BillSummaryPublic]:
    """The page's bills out of their billing-profile groups, newest first."""
    bills = [bill for group in page.groups for bill in group.bills]
    bills.sort(key=lambda bill: (bill.issued_on, bill.period_end, bill.bill_number), reverse=True)
    return bills[:limit]


def home_reading_boxes(reply: ReadingBoxesReply) -> list[ReadingBox]:
    """The boxes of the supplies the page shows: the active ones (a ceased supply's box only
    says it is ceased)."""
    return [box for box in reply.boxes if box.state != "ceased"]


async def _together(
    bills: Coroutine[Any, Any, BillsPage],
    supplies: Coroutine[Any, Any, SuppliesReply],
    balance: Coroutine[Any, Any, BalanceReply],
    boxes: Coroutine[Any, Any, ReadingBoxesReply],
) -> tuple[BillsPage, SuppliesReply, BalanceReply, ReadingBoxesReply]:
    """The four replies, asked at once; the first failure cancels the others and is raised
    as it is (not in an `ExceptionGroup`), so it becomes its own problem."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = (
                group.create_task(bills),
                group.create_task(supplies),
                group.create_task(balance),
                group.create_task(boxes),
            )
    except ExceptionGroup as failures:
        raise _first(failures) from None
    return tasks[0].result(), tasks[1].result(), tasks[2].result(), tasks[3].result()


def _first(failures: BaseExceptionGroup[Any]) -> BaseException:
    first = failures.exceptions[0]
    return _first(first) if isinstance(first, BaseExceptionGroup) else first
