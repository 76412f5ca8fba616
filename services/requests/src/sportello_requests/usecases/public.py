"""A request as the portal shows it: labels in Italian, whether it may be cancelled, and the
regulator's clock (due day, overdue, the compensation a late answer earned or is earning)."""

from datetime import date

from sportello_contracts.request_forms import ANSWERED_IN_WRITING
from sportello_contracts.requests import (
    STATUS_LABELS,
    TYPE_LABELS,
    RequestChangePublic,
    RequestDetail,
    RequestPublic,
)
from sportello_requests.adapters.store import StoredRequest
from sportello_requests.domain.deadlines import AnswerRules, compensation_cents
from sportello_requests.domain.lifecycle import may_cancel


def compensation(request: StoredRequest, today: date, rules: AnswerRules) -> int | None:
    """What a late written answer earned (answered), or has earned so far (not yet): None for
    a type without a deadline, or one answered on time or not yet due."""
    kind = ANSWERED_IN_WRITING.get(request.form.type)
    if kind is None or request.answer_due_on is None:
        return None
    if request.answered_on is None and request.life.status in ("rejected", "cancelled"):
        return None  # closed without an answer owed
    until = request.answered_on or today
    cents = compensation_cents(kind, request.submitted_at.date(), until, rules)
    return cents or None


def request_public(request: StoredRequest, today: date, rules: AnswerRules) -> RequestPublic:
    life = request.life
    due = request.answer_due_on
    return RequestPublic(
        request_id=request.request_id,
        type=request.form.type,
        type_label=TYPE_LABELS[request.form.type],
        customer_code=request.customer_code,
        supply_id=request.supply_id,
        bill_number=request.bill_number,
        status=life.status,
        status_label=STATUS_LABELS[life.status],
        submitted_at=request.submitted_at,
        updated_at=life.changes[-1].at,
        can_cancel=may_cancel(life),
        answer_due_on=due,
        answered_on=request.answered_on,
        overdue=due is not None and request.answered_on is None and today > due
        and life.status not in ("rejected", "cancelled"),
        compensation_cents=compensation(request, today, rules),
    )  # fmt: skip


def request_detail(request: StoredRequest, today: date, rules: AnswerRules) -> RequestDetail:
    return RequestDetail(
        **request_public(request, today, rules).model_dump(),
        form=request.form,
        history=tuple(
            RequestChangePublic(
                status=c.status,
                status_label=STATUS_LABELS[c.status],
                at=c.at,
                by=c.by,
                message=c.message,
            )
            for c in request.life.changes
        ),
    )
