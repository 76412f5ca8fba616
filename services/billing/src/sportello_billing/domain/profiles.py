"""Billing profiles: the pair (bill delivery, payment method) that groups a customer's supplies.

The rules (DOMAIN.md, "Billing profiles"): every supply is in exactly one profile; a change
moves the chosen supplies to the customer's active profile with the new pair, opening a new
`BP-` number only when none has it; a profile left with no active supply is closed, and it and
its bills stay visible. A closed profile never reopens: a pair it had gets a new number.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sportello_billing.domain.addresses import address_key
from sportello_billing.domain.supplies import Supply
from sportello_contracts.supplies import PostalAddress

ProfileStatus = Literal["active", "closed"]


@dataclass(frozen=True)
class PostalBills:
    address: PostalAddress


@dataclass(frozen=True)
class EmailBills:
    email: str  # lower case


BillDelivery = PostalBills | EmailBills


@dataclass(frozen=True)
class PagoPa:
    pass


@dataclass(frozen=True)
class DirectDebit:
    """A direct debit as billing keeps it: never the whole IBAN, only its mask and a keyed
    digest (`iban_key`) that tells two IBANs apart."""

    holder_name: str
    holder_fiscal_code: str
    iban_masked: str
    iban_key: str
    mandate_reference: str


PaymentMethod = PagoPa | DirectDebit


@dataclass(frozen=True)
class BillingProfile:
    number: str  # BP-xxxxxx
    customer_code: str
    delivery: BillDelivery
    payment: PaymentMethod
    status: ProfileStatus
    opened_at: datetime
    closed_at: datetime | None = None

    @property
    def pair(self) -> str:
        return pair_key(self.delivery, self.payment)


def delivery_key(delivery: BillDelivery) -> str:
    if isinstance(delivery, EmailBills):
        return f"email:{delivery.email.lower()}"
    return f"post:{address_key(delivery.address)}"


def payment_key(payment: PaymentMethod) -> str:
    # The holder's name is how the bank spells it, not what tells two mandates apart.
    if isinstance(payment, DirectDebit):
        return f"sdd:{payment.iban_key}:{payment.holder_fiscal_code.upper()}"
    return "pagopa"


def pair_key(delivery: BillDelivery, payment: PaymentMethod) -> str:
    """What makes two profiles the same pair."""
    return f"{delivery_key(delivery)}#{payment_key(payment)}"


# A change sets one half of the pair and keeps the other.


@dataclass(frozen=True)
class NewDelivery:
    delivery: BillDelivery


@dataclass(frozen=True)
class NewPayment:
    payment: PaymentMethod
    # An IBAN change: only for supplies paid by direct debit already.
    only_direct_debit: bool = False


ProfileChange = NewDelivery | NewPayment


class ProfileRuleBroken(Exception):
    """A change the rules refuse; `supply_id` is the supply it was refused for."""

    def __init__(self, supply_id: str) -> None:
        super().__init__(supply_id)
        self.supply_id = supply_id


class SupplyIsCeased(ProfileRuleBroken):
    pass


class NotOnDirectDebit(ProfileRuleBroken):
    pass


class SupplyUnknown(ProfileRuleBroken):
    pass


@dataclass(frozen=True)
class Move:
    supply_id: str
    customer_code: str
    from_profile: str
    to_profile: str  # a number, or the placeholder of an `Opening`


@dataclass(frozen=True)
class Opening:
    """A profile the change needs and the customer does not have: its number comes later."""

    placeholder: str
    customer_code: str
    delivery: BillDelivery
    payment: PaymentMethod


@dataclass(frozen=True)
class Plan:
    moves: tuple[Move, ...]
    openings: tuple[Opening, ...]
    closings: tuple[str, ...]  # numbers of the profiles left without an active supply


def new_pair(profile: BillingProfile, change: ProfileChange) -> tuple[BillDelivery, PaymentMethod]:
    if isinstance(change, NewDelivery):
        return change.delivery, profile.payment
    return profile.delivery, change.payment


def plan_change(
    profiles: Sequence[BillingProfile],
    supplies: Sequence[Supply],
    chosen: Iterable[str],
    change: ProfileChange,
) -> Plan:
    """Where each chosen supply goes, which profiles open and which close.

    `profiles` and `supplies` are all those of the customers concerned. Every chosen supply must
    be among `supplies` and active; an IBAN change needs it paid by direct debit already. A
    supply whose profile has the new pair already stays where it is.
    """
    by_number = {p.number: p for p in profiles}
    by_id = {s.supply_id: s for s in supplies}
    # The active profile of each (customer, pair): where a supply with that pair goes.
    homes: dict[tuple[str, str], str] = {
        (p.customer_code, p.pair): p.number for p in profiles if p.status == "active"
    }
    moves: list[Move] = []
    openings: list[Opening] = []
    for supply_id in dict.fromkeys(chosen):
        supply = by_id.get(supply_id)
        if supply is None:
            raise SupplyUnknown(supply_id)
        if not supply.active:
            raise SupplyIsCeased(supply_id)
        current = by_number[supply.billing_profile]
        if (
            isinstance(change, NewPayment)
            and change.only_direct_debit
            and not isinstance(current.payment, DirectDebit)
        ):
            raise NotOnDirectDebit(supply_id)
        delivery, payment = new_pair(current, change)
        pair = pair_key(delivery, payment)
        if pair == current.pair:
            continue
        home = homes.get((supply.customer_code, pair))
        if home is None:
            home = f"new:{len(openings) + 1}"
            openings.append(Opening(home, supply.customer_code, delivery, payment))
            homes[(supply.customer_code, pair)] = home
        moves.append(Move(supply.supply_id, supply.customer_code, current.number, home))
    return Plan(tuple(moves), tuple(openings), _left_empty(supplies, moves))


def _left_empty(supplies: Sequence[Supply], moves: Sequence[Move]) -> tuple[str, ...]:
    moved = {m.supply_id: m.to_profile for m in moves}
    sources = {m.from_profile for m in moves}
    still_active = {moved.get(s.supply_id, s.billing_profile) for s in supplies if s.active}
    return tuple(sorted(sources - still_active))


def apply_plan(
    profiles: Sequence[BillingProfile],
    supplies: Sequence[Supply],
    plan: Plan,
    numbers: Mapping[str, str],
    at: datetime,
) -> tuple[list[BillingProfile], list[Supply]]:
    """Profiles and supplies after `plan`, with `numbers` giving each opening its number."""

    def number(target: str) -> str:
        return numbers.get(target, target)

    opened = [
        BillingProfile(
            number=numbers[o.placeholder],
            customer_code=o.customer_code,
            delivery=o.delivery,
            payment=o.payment,
            status="active",
            opened_at=at,
        )
        for o in plan.openings
    ]
    closing = set(plan.closings)
    kept = [
        replace(p, status="closed", closed_at=at) if p.number in closing else p for p in profiles
    ]
    moved = {m.supply_id: number(m.to_profile) for m in plan.moves}
    after = [
        replace(s, billing_profile=moved[s.supply_id]) if s.supply_id in moved else s
        for s in supplies
    ]
    return kept + opened, after


def left_without_active_supply(profile_number: str, supplies: Sequence[Supply]) -> bool:
    """A profile none of whose supplies is active any more: it closes."""
    return not any(s.active and s.billing_profile == profile_number for s in supplies)


class ProfileNumbersExhausted(Exception):
    """All 999,999 `BP-` numbers are taken: the format (DOMAIN.md) has to grow first."""


def format_number(sequence: int) -> str:
    """`BP-` and 6 digits (DOMAIN.md); never a wrapped, reused number."""
    if not 1 <= sequence <= 999_999:
        raise ProfileNumbersExhausted(sequence)
    return f"BP-{sequence:06d}"
