"""Payments of bills: what the back-office registered, online payments ("paga ora") and their
states, instalment schedules, and what a bill still asks. Pure rules, no I/O."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sportello_contracts.bills import InstalmentStatus, OnlineMethod, PaymentChannel
from sportello_contracts.payments import PaymentState

# The states an online payment holds its bill in: nobody else may start one meanwhile.
IN_FLIGHT: frozenset[PaymentState] = frozenset({"opening", "open"})


@dataclass(frozen=True)
class Registration:
    """A payment the back-office registered: `paid_on` is when the customer paid."""

    registration_id: str
    amount_cents: int
    paid_on: date
    registered_on: date
    channel: PaymentChannel
    payment_id: str | None = None


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: date
    amount_cents: int


@dataclass(frozen=True)
class InstalmentPlan:
    plan_id: str
    approved_on: date
    interest_cents: int
    instalments: tuple[Instalment, ...]

    @property
    def total_cents(self) -> int:
        return sum(i.amount_cents for i in self.instalments)


@dataclass(frozen=True)
class InstalmentState:
    instalment: Instalment
    paid_cents: int
    status: InstalmentStatus


def paid_before(plan: InstalmentPlan, registrations: Iterable[Registration]) -> int:
    """What was paid before the plan was approved (by the day it was paid, not the day it
    was registered, so the order the two reached billing in changes nothing): the plan
    covers the rest."""
    return sum(r.amount_cents for r in registrations if r.paid_on < plan.approved_on)


def instalment_states(
    plan: InstalmentPlan, paid_towards_plan: int, today: date
) -> tuple[InstalmentState, ...]:
    """Each instalment and what the payments cover of it: what was paid towards the plan,
    oldest instalment first. An unpaid instalment is overdue the day after it falls due."""
    left = max(0, paid_towards_plan)
    states = []
    for instalment in plan.instalments:
        covered = min(left, instalment.amount_cents)
        left -= covered
        if covered == instalment.amount_cents:
            status: InstalmentStatus = "paid"
        elif covered > 0:
            status = "partially_paid"
        else:
            status = "overdue" if today > instalment.due_on else "unpaid"
        states.append(InstalmentState(instalment, covered, status))
    return tuple(states)


def next_instalment_due(plan: InstalmentPlan, paid_towards_plan: int) -> int:
    """What the next instalment not fully paid still asks (0 once all are paid)."""
    for state in instalment_states(plan, paid_towards_plan, plan.approved_on):
        if state.status != "paid":
            return state.instalment.amount_cents - state.paid_cents
    return 0


def plan_matches(plan: InstalmentPlan, amount_due_cents: int) -> bool:
    """A plan's instalments add up to what the bill asks plus the interest."""
    return plan.total_cents == amount_due_cents + plan.interest_cents


@dataclass(frozen=True)
class OnlinePayment:
    payment_id: str
    bill_number: str
    customer_code: str
    account_id: str  # who pays
    amount_cents: int
    method: OnlineMethod
    provider: str
    state: PaymentState
    started_at: datetime
    expires_at: datetime
    notice_number: str | None = None
    checkout_url: str | None = None
    provider_reference: str | None = None
    succeeded_at: datetime | None = None
    failure_reason: str | None = None
    registered_at: datetime | None = None

    def holds_bill(self, now: datetime) -> bool:
        """It keeps its bill from another payment: in flight and not expired, or paid."""
        if self.state in IN_FLIGHT:
            return now < self.expires_at
        return self.state == "succeeded"

    def seen_as(self, now: datetime) -> PaymentState:
        """Its state as the customer sees it: a checkout left past its expiry is expired even
        before the provider says so."""
        if self.state in IN_FLIGHT and now >= self.expires_at:
            return "expired"
        return self.state


def payment_id_for(customer_code: str, bill_number: str, account_id: str, key: str) -> str:
    """The same pay-now, retried with the same idempotency key, is the same payment."""
    digest = hashlib.sha256(f"{customer_code}\n{bill_number}\n{account_id}\n{key}".encode())
    return "PAY-" + digest.hexdigest()[:20].upper()


CallbackVerdict = Literal["applied", "already_applied"]


def callback_transition(
    state: PaymentState, outcome: Literal["succeeded", "failed", "expired"]
) -> PaymentState | None:
    """The state a provider's outcome moves a payment to, or None when it changes nothing.

    A success always lands, even after the checkout expired or failed here: the provider took
    the money, and a bill must never show unpaid what was paid. A failure or expiry only ends
    a payment still in flight.
    """
    if outcome == "succeeded":
        return "succeeded" if state in (*IN_FLIGHT, "failed", "expired") else None
    return outcome if state in IN_FLIGHT else None


def unregistered_days(payment: OnlinePayment, now: datetime, after_days: int) -> int | None:
    """Days a succeeded online payment has waited for the back-office, once past `after_days`
    (the bill then offers a complaint about it); None before, or once registered."""
    if payment.state != "succeeded" or payment.succeeded_at is None:
        return None
    waited = now - payment.succeeded_at
    return waited.days if waited >= timedelta(days=after_days) else None
