"""A request filed by a customer, cancelled by them while nobody has started on it, and moved
along by the back-office; each change is announced (the customer hears of it, the trail keeps
it, the back-office learns of a cancellation)."""

from dataclasses import replace
from datetime import date, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

from sportello_contracts.request_forms import ANSWERED_IN_WRITING
from sportello_contracts.requests import (
    CancelRequestRequest,
    RequestProgressed,
    RequestReply,
    RequestStatusChanged,
    RequestSubmitted,
    SubmitRequestRequest,
)
from sportello_contracts.rpc import Caller, ErrorKind, Refused
from sportello_kit.errors import PoisonMessage
from sportello_kit.scoping import owned_by
from sportello_requests.adapters.store import StoredRequest
from sportello_requests.domain import admission
from sportello_requests.domain.deadlines import answer_due
from sportello_requests.domain.lifecycle import Change, MoveRefused, move, submitted
from sportello_requests.usecases.ports import Needs, Transaction
from sportello_requests.usecases.public import compensation, request_detail

ROME = ZoneInfo("Europe/Rome")
_KINDS = {404: ErrorKind.NOT_FOUND, 409: ErrorKind.CONFLICT, 422: ErrorKind.INVALID}


def request_not_found() -> Refused:
    # The same answer for a request that does not exist and one of another customer's.
    return Refused(ErrorKind.NOT_FOUND, "request_not_found", "Richiesta non trovata.")


def _customer_of(caller: Caller, asked: str | None) -> str:
    """Whose request it is: the one asked for, or the caller's only customer."""
    if asked is not None:
        if not caller.may_act_on(asked):
            raise Refused(ErrorKind.NOT_FOUND, "customer_not_found", "Cliente non trovato.")
        return asked
    if len(caller.customer_codes) != 1 or caller.role == "operator":
        raise Refused(
            ErrorKind.INVALID,
            "customer_code_required",
            "Indica per quale cliente è la richiesta (customer_code).",
        )
    return caller.customer_codes[0]


async def submit_request(
    needs: Needs, tx: Transaction, request: SubmitRequestRequest
) -> RequestReply:
    caller = request.caller
    assert caller is not None  # the operation needs one
    customer_code = _customer_of(caller, request.customer_code)
    form, store, session = request.form, needs.store, tx.session
    numbers = getattr(form, "bill_numbers", None) or [getattr(form, "bill_number", None)]
    facts = admission.Facts(
        supplies=await store.supplies_of([customer_code], session),
        bills=await store.bills(
            [n for n in numbers if n], {"customer_code": customer_code}, session
        ),
    )
    today = needs.clock.today()
    try:
        admission.admit(form, facts, today, needs.admission)
    except admission.Refused as refused:
        raise Refused(_KINDS[refused.status], refused.code, refused.message) from None
    now = needs.clock.now()
    kind = ANSWERED_IN_WRITING.get(form.type)
    stored = StoredRequest(
        request_id=f"REQ-{uuid4().hex[:20].upper()}",
        customer_code=customer_code,
        account_id=caller.user_id,
        form=form,
        life=submitted(f"submitted:{uuid4()}", now),
        submitted_at=now,
        answer_due_on=None if kind is None else answer_due(kind, today, needs.answers),
    )
    await store.add(stored, session)
    await tx.emit(
        RequestSubmitted(
            request_id=stored.request_id,
            customer_code=customer_code,
            account_id=caller.user_id,
            submitted_at=now,
            form=form,
            answer_due_on=stored.answer_due_on,
        )
    )
    await tx.emit(_changed(stored, needs))
    return RequestReply(request=request_detail(stored, today, needs.answers))


async def cancel_request(
    needs: Needs, tx: Transaction, request: CancelRequestRequest
) -> RequestReply:
    caller = request.caller
    assert caller is not None
    stored = await needs.store.get(request.request_id, owned_by(caller), tx.session)
    if stored is None:
        raise request_not_found()
    change = Change(f"cancel:{uuid4()}", "cancelled", needs.clock.now(), "customer")
    try:
        moved = move(stored.life, change)
    except MoveRefused as refused:
        message = (
            "La richiesta è già in lavorazione: non si può più annullare."
            if refused.code == "request_in_progress"
            else "La richiesta è già chiusa."
        )
        raise Refused(ErrorKind.CONFLICT, refused.code, message) from None
    if moved is not None:
        stored = await _save(needs, tx, stored, replace(stored, life=moved))
        await tx.emit(_changed(stored, needs))
    return RequestReply(request=request_detail(stored, needs.clock.today(), needs.answers))


async def request_progressed(
    needs: Needs, tx: Transaction, progressed: RequestProgressed, event_id: str
) -> None:
    """The back-office's step; a step seen before or overtaken changes nothing, and one that
    contradicts the request's outcome is dead-lettered with the reason."""
    scope = {"customer_code": progressed.customer_code}
    stored = await needs.store.get(progressed.request_id, scope, tx.session)
    if stored is None:
        raise PoisonMessage(f"no request {progressed.request_id} of {progressed.customer_code}")
    change = Change(event_id, progressed.step, progressed.at, "backoffice", progressed.message)
    try:
        moved = move(stored.life, change)
    except MoveRefused as refused:
        raise PoisonMessage(f"request {stored.request_id}: {refused.reason}") from None
    if moved is None:
        return
    answered = stored.answered_on
    if progressed.step != "in_progress" and stored.answer_due_on is not None:
        # The written answer (a reasoned rejection is one too): the regulator's clock stops.
        answered = _italian_day(progressed.at)
    stored = await _save(needs, tx, stored, replace(stored, life=moved, answered_on=answered))
    await tx.emit(_changed(stored, needs))


async def _save(
    needs: Needs, tx: Transaction, before: StoredRequest, after: StoredRequest
) -> StoredRequest:
    if not await needs.store.save(after, len(before.life.changes), tx.session):
        raise Refused(
            ErrorKind.CONFLICT,
            "request_changed",
            "La richiesta è appena cambiata: ricarica la pagina e riprova.",
        )
    return after


def _italian_day(at: datetime) -> date:
    return at.astimezone(ROME).date()


def _changed(stored: StoredRequest, needs: Needs) -> RequestStatusChanged:
    last = stored.life.changes[-1]
    return RequestStatusChanged(
        request_id=stored.request_id,
        customer_code=stored.customer_code,
        account_id=stored.account_id,
        type=stored.form.type,
        status=stored.life.status,
        at=last.at,
        by=last.by,
        message=last.message,
        compensation_cents=compensation(stored, needs.clock.today(), needs.answers),
    )
