"""The billing-profile rules, example by example and as properties over random customers."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello_billing.domain.profiles import (
    BillDelivery,
    BillingProfile,
    DirectDebit,
    EmailBills,
    NewDelivery,
    NewPayment,
    NotOnDirectDebit,
    PagoPa,
    PaymentMethod,
    PostalBills,
    ProfileChange,
    ProfileNumbersExhausted,
    SupplyIsCeased,
    apply_plan,
    format_number,
    pair_key,
    plan_change,
)
from sportello_billing.domain.supplies import Supply
from sportello_contracts.supplies import Distributor, Meter, PostalAddress

AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
HOME = PostalAddress(street="Via Roma", number="12", post_code="00184", city="Roma", province="RM")
OFFICE = PostalAddress(
    street="Corso Buenos Aires", number="3", post_code="20124", city="Milano", province="MI"
)


def dd(key: str) -> DirectDebit:
    return DirectDebit("Mario Rossi", "RSSMRA80A01H501U", f"IT** …{key}", key, f"SDD-{key}")


def profile(
    number: str, customer: str, delivery: object, payment: object, status: str = "active"
) -> BillingProfile:
    return BillingProfile(number, customer, delivery, payment, status, AT)  # type: ignore[arg-type]


def supply(supply_id: str, customer: str, profile_number: str, ceased: bool = False) -> Supply:
    return Supply(
        supply_id=supply_id,
        customer_code=customer,
        commodity="gas",
        point_id="00880000123456",
        address=HOME,
        use="domestic",
        contracted_power_kw=None,
        offer_code="GAS-CASA",
        offer_name="Gas Casa",
        meter=Meter(serial="M1"),
        distributor=Distributor(name="Italgas Reti", emergency_number="800 900 999"),
        activated_on=date(2024, 1, 1),
        ceased_on=date(2026, 1, 1) if ceased else None,
        billing_profile=profile_number,
        updated_at=AT,
    )


def test_new_profile_only_when_no_active_profile_has_the_pair() -> None:
    profiles = [
        profile("BP-000001", "C1", PostalBills(HOME), PagoPa()),
        profile("BP-000002", "C1", EmailBills("m@r.it"), PagoPa()),
    ]
    supplies = [supply("S1", "C1", "BP-000001"), supply("S2", "C1", "BP-000002")]
    to_email = plan_change(profiles, supplies, ["S1"], NewDelivery(EmailBills("m@r.it")))
    assert to_email.openings == ()
    assert [(m.supply_id, m.to_profile) for m in to_email.moves] == [("S1", "BP-000002")]
    assert to_email.closings == ("BP-000001",)
    to_debit = plan_change(profiles, supplies, ["S1", "S2"], NewPayment(dd("K1")))
    assert len(to_debit.openings) == 2  # two deliveries: two new pairs


def test_two_supplies_to_the_same_new_pair_share_one_new_profile() -> None:
    profiles = [profile("BP-000001", "C1", PostalBills(HOME), PagoPa())]
    supplies = [supply("S1", "C1", "BP-000001"), supply("S2", "C1", "BP-000001")]
    plan = plan_change(profiles, supplies, ["S1", "S2"], NewDelivery(EmailBills("m@r.it")))
    assert len(plan.openings) == 1
    assert {m.to_profile for m in plan.moves} == {plan.openings[0].placeholder}
    assert plan.closings == ("BP-000001",)


def test_a_closed_profile_with_the_pair_does_not_reopen() -> None:
    profiles = [
        profile("BP-000001", "C1", PostalBills(HOME), PagoPa()),
        profile("BP-000002", "C1", EmailBills("m@r.it"), PagoPa(), status="closed"),
    ]
    plan = plan_change(
        profiles, [supply("S1", "C1", "BP-000001")], ["S1"], NewDelivery(EmailBills("m@r.it"))
    )
    assert len(plan.openings) == 1


def test_the_same_address_spelt_differently_is_the_same_pair() -> None:
    spelt = HOME.model_copy(update={"street": "  via  ROMA,", "city": "roma"})
    assert pair_key(PostalBills(HOME), PagoPa()) == pair_key(PostalBills(spelt), PagoPa())
    assert pair_key(PostalBills(HOME), PagoPa()) != pair_key(PostalBills(OFFICE), PagoPa())


def test_a_supply_already_with_the_pair_stays_and_nothing_closes() -> None:
    profiles = [profile("BP-000001", "C1", EmailBills("m@r.it"), PagoPa())]
    plan = plan_change(
        profiles, [supply("S1", "C1", "BP-000001")], ["S1"], NewDelivery(EmailBills("m@r.it"))
    )
    assert plan.moves == ()
    assert plan.openings == ()
    assert plan.closings == ()


def test_a_ceased_supply_cannot_be_changed() -> None:
    profiles = [profile("BP-000001", "C1", PostalBills(HOME), PagoPa())]
    with pytest.raises(SupplyIsCeased):
        plan_change(
            profiles, [supply("S1", "C1", "BP-000001", ceased=True)], ["S1"], NewPayment(PagoPa())
        )


def test_an_iban_change_needs_a_direct_debit_already() -> None:
    profiles = [profile("BP-000001", "C1", PostalBills(HOME), PagoPa())]
    with pytest.raises(NotOnDirectDebit):
        plan_change(
            profiles,
            [supply("S1", "C1", "BP-000001")],
            ["S1"],
            NewPayment(dd("K2"), only_direct_debit=True),
        )


def test_a_profile_keeping_a_ceased_supply_only_closes() -> None:
    profiles = [profile("BP-000001", "C1", PostalBills(HOME), PagoPa())]
    supplies = [supply("S1", "C1", "BP-000001"), supply("S2", "C1", "BP-000001", ceased=True)]
    plan = plan_change(profiles, supplies, ["S1"], NewPayment(dd("K1")))
    assert plan.closings == ("BP-000001",)


def test_profile_numbers_never_wrap() -> None:
    assert format_number(42) == "BP-000042"
    with pytest.raises(ProfileNumbersExhausted):
        format_number(1_000_000)


# Properties over random customers, supplies and changes.

DELIVERIES: list[BillDelivery] = [
    PostalBills(HOME),
    PostalBills(OFFICE),
    EmailBills("a@x.it"),
    EmailBills("b@x.it"),
]
PAYMENTS: list[PaymentMethod] = [PagoPa(), dd("K1"), dd("K2")]
CHANGES: list[ProfileChange] = [
    *(NewDelivery(d) for d in DELIVERIES),
    *(NewPayment(p) for p in PAYMENTS),
]


@st.composite
def customers(draw: st.DrawFn) -> tuple[list[BillingProfile], list[Supply]]:
    """Consistent starting points: at most one active profile per (customer, pair), every
    supply in one profile of its customer, closed profiles without active supplies."""
    profiles: list[BillingProfile] = []
    supplies: list[Supply] = []
    for customer in ("C1", "C2"):
        # Indices rather than the values: hypothesis would look into the pydantic addresses.
        pairs = draw(
            st.lists(
                st.tuples(st.integers(0, len(DELIVERIES) - 1), st.integers(0, len(PAYMENTS) - 1)),
                min_size=1,
                max_size=4,
                unique=True,
            )
        )
        for d, p in pairs:
            delivery, payment = DELIVERIES[d], PAYMENTS[p]
            number = format_number(len(profiles) + 1)
            count = draw(st.integers(0, 3))
            ceased = [draw(st.booleans()) for _ in range(count)]
            status = "active" if not all(ceased) or draw(st.booleans()) else "closed"
            if count == 0 or all(ceased):
                status = "closed" if draw(st.booleans()) else status
            profiles.append(profile(number, customer, delivery, payment, status))
            for is_ceased in ceased:
                supplies.append(
                    supply(
                        f"S{len(supplies) + 1}", customer, number, is_ceased or status == "closed"
                    )
                )
    return profiles, supplies


@settings(max_examples=300, deadline=None)
@given(customers(), st.integers(0, len(CHANGES) - 1), st.data())
def test_every_change_keeps_the_rules(
    start: tuple[list[BillingProfile], list[Supply]], which: int, data: st.DataObject
) -> None:
    profiles, supplies = start
    change = CHANGES[which]
    active = [s.supply_id for s in supplies if s.active]
    chosen = (
        [active[i] for i in data.draw(st.sets(st.integers(0, len(active) - 1)))] if active else []
    )
    plan = plan_change(profiles, supplies, chosen, change)  # type: ignore[arg-type]
    numbers = {o.placeholder: format_number(900_000 + i) for i, o in enumerate(plan.openings)}
    after_profiles, after_supplies = apply_plan(profiles, supplies, plan, numbers, AT)
    by_number = {p.number: p for p in after_profiles}
    before_pairs = {(p.customer_code, p.pair) for p in profiles if p.status == "active"}
    # Every supply is in exactly one profile, of its own customer.
    for s in after_supplies:
        assert by_number[s.billing_profile].customer_code == s.customer_code
    # A chosen supply ends in a profile with the changed half; the others did not move.
    for before, after in zip(supplies, after_supplies, strict=True):
        home = by_number[after.billing_profile]
        if before.supply_id in chosen:
            assert home.status == "active"
            wanted = change.delivery if isinstance(change, NewDelivery) else change.payment  # type: ignore[attr-defined]
            assert wanted in (home.delivery, home.payment)
        else:
            assert after.billing_profile == before.billing_profile
    # A new number only where no active profile of the customer had the pair.
    for opening in plan.openings:
        assert (
            opening.customer_code,
            pair_key(opening.delivery, opening.payment),
        ) not in before_pairs
    # Still at most one active profile per (customer, pair).
    active_pairs = [(p.customer_code, p.pair) for p in after_profiles if p.status == "active"]
    assert len(active_pairs) == len(set(active_pairs))
    # What closed has no active supply, and nothing active lost its profile.
    for p in after_profiles:
        holds_active = any(s.active and s.billing_profile == p.number for s in after_supplies)
        if p.number in plan.closings:
            assert not holds_active
            assert p.status == "closed"
        if holds_active:
            assert p.status == "active"
    # History is kept: no profile disappears.
    assert {p.number for p in profiles} <= set(by_number)
