"""What the portal reads of requests: the caller's list (all, or one supply's, by type and
status), one request with its history, and the operators' list of written answers due."""

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any

from sportello_contracts.requests import (
    GetRequestRequest,
    ListDueAnswersRequest,
    ListRequestsRequest,
    RequestReply,
    RequestsPage,
)
from sportello_contracts.rpc import ErrorKind, Refused
from sportello_kit.scoping import owned_by
from sportello_requests.usecases.ports import Needs
from sportello_requests.usecases.public import request_detail, request_public
from sportello_requests.usecases.requests import request_not_found


def invalid_cursor() -> Refused:
    return Refused(ErrorKind.INVALID, "invalid_cursor", "Il cursore non è valido.")


def _cursor_of(at: datetime, request_id: str) -> str:
    raw = f"{at.isoformat()}|{request_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, request_id = raw.split("|", 1)
        moment = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_cursor() from None
    if moment.tzinfo is None or not request_id.startswith("REQ-"):
        raise invalid_cursor()
    return moment, request_id


async def list_requests(needs: Needs, request: ListRequestsRequest) -> RequestsPage:
    caller = request.caller
    assert caller is not None
    query: dict[str, Any] = owned_by(caller)
    if request.customer_code is not None:
        if not caller.may_act_on(request.customer_code):
            return RequestsPage(requests=())
        query["customer_code"] = request.customer_code
    elif caller.role == "operator":
        # An operator looks at one customer at a time, never at everyone's requests.
        return RequestsPage(requests=())
    for name in ("supply_id", "type", "status"):
        if (value := getattr(request, name)) is not None:
            query[name] = value
    found = await needs.store.page(query, _after(request.cursor), request.limit + 1)
    shown, more = found[: request.limit], len(found) > request.limit
    today = needs.clock.today()
    return RequestsPage(
        requests=tuple(request_public(r, today, needs.answers) for r in shown),
        next_cursor=_cursor_of(shown[-1].submitted_at, shown[-1].request_id) if more else None,
    )


async def get_request(needs: Needs, request: GetRequestRequest) -> RequestReply:
    caller = request.caller
    assert caller is not None
    stored = await needs.store.get(request.request_id, owned_by(caller))
    if stored is None:
        raise request_not_found()
    return RequestReply(request=request_detail(stored, needs.clock.today(), needs.answers))


async def due_answers(needs: Needs, request: ListDueAnswersRequest) -> RequestsPage:
    """Operators only: overdue and soon-due written answers, the soonest first."""
    caller = request.caller
    assert caller is not None
    if caller.role != "operator":
        raise Refused(ErrorKind.FORBIDDEN, "operators_only", "Riservato agli operatori.")
    today = needs.clock.today()
    due = await needs.store.due(today + timedelta(days=request.within_days), request.limit)
    return RequestsPage(requests=tuple(request_public(r, today, needs.answers) for r in due))
