"""A change of billing profiles in the trail of the account that asked, and the announcement of
where an account's mail goes: against in-memory fakes, no I/O."""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from sportello_contracts.billing_profiles import (
    BillingProfilesChanged,
    DeliveryPublic,
    PaymentPublic,
    SupplyMove,
)
from sportello_contracts.contacts import ConfirmEmailRequest, EmailChanged
from sportello_contracts.envelope import EventPayload
from sportello_contracts.identity import AccountActivity
from sportello_contracts.recipients import AccountContactSet
from sportello_contracts.supplies import PostalAddress
from sportello_identity.domain.accounts import Account
from sportello_identity.domain.activity import Activity
from sportello_identity.domain.attempts import GuessLimit, GuessLimits
from sportello_identity.domain.challenges import (
    Challenge,
    Purpose,
    link_token_key,
    new_link_token,
)
from sportello_identity.usecases import email_address
from sportello_identity.usecases.billing_trail import (
    billing_change_details,
    masked_iban,
    record_billing_change,
)
from sportello_identity.usecases.ports import (
    Clock,
    Dependencies,
    IdentityStore,
    SecretHasher,
    TokenIssuer,
    Transactions,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LIMIT = GuessLimit(free_failures=3, lock_failures=6, lock_for=timedelta(minutes=15))
ACCOUNT = Account(
    account_id="acc-7f3a",
    username="mario.rossi",
    email="mario.rossi@example.it",
    full_name="Mario Rossi",
    fiscal_code="RSSMRA80A01H501U",
    password_hash="h:x",
    registered_at=NOW - timedelta(days=30),
    customer_codes=("C00012345",),
)


class FakeStore:
    """What these use cases read and write of identity's store."""

    def __init__(self, *accounts: Account) -> None:
        self.accounts = {a.account_id: a for a in accounts}
        self.activity: list[Activity] = []
        self.challenges: dict[str, Challenge] = {}

    async def account(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    async def insert_activity(self, entry: Activity, session: Any) -> None:
        self.activity.append(entry)

    async def challenge(self, key: str) -> Challenge | None:
        return self.challenges.get(key)

    async def spend_challenge(self, key: str, now: datetime, session: Any) -> bool:
        return self.challenges.pop(key, None) is not None

    async def confirm_email(self, account_id: str, email: str, session: Any) -> None:
        self.accounts[account_id] = replace(self.accounts[account_id], email=email)


@dataclass
class FakeClock:
    at: datetime = NOW

    def now(self) -> datetime:
        return self.at


@dataclass
class FakeTransaction:
    session: None = None
    emitted: list[EventPayload] = field(default_factory=list)

    async def emit(self, payload: EventPayload) -> object:
        self.emitted.append(payload)
        return payload


def deps_with(store: FakeStore) -> Dependencies:
    # Only the store and the clock are reached by these use cases.
    return Dependencies(
        store=cast(IdentityStore, store),
        hasher=cast(SecretHasher, None),
        clock=cast(Clock, FakeClock()),
        tokens=cast(TokenIssuer, None),
        refresh_ttl=timedelta(days=30),
        limits=GuessLimits(LIMIT, LIMIT, LIMIT, failure_alert_per_minute=10),
        transactions=cast(Transactions, None),
    )


def moves(*pairs: tuple[str, str, str]) -> tuple[SupplyMove, ...]:
    return tuple(
        SupplyMove(
            supply_id=supply,
            customer_code="C00012345",
            from_profile=source,
            to_profile=target,
            new_profile=target == "BP-000124",
        )
        for supply, source, target in pairs
    )


def direct_debit(**overrides: Any) -> BillingProfilesChanged:
    values: dict[str, Any] = {
        "change_id": "chg-91d2",
        "account_id": ACCOUNT.account_id,
        "actor_role": "customer",
        "client_address": "203.0.113.7",
        "kind": "direct_debit",
        "customer_codes": ("C00012345",),
        "moves": moves(
            ("IT001E12345678", "BP-000101", "BP-000124"),
            ("00881234567890", "BP-000101", "BP-000124"),
        ),
        "opened_profiles": ("BP-000124",),
        "closed_profiles": ("BP-000101",),
        "delivery": DeliveryPublic(channel="email", email="mario.rossi@example.it"),
        "payment": PaymentPublic(
            method="direct_debit",
            holder_name="Mario Rossi",
            holder_fiscal_code="RSSMRA80A01H501U",
            iban_masked="IT** **** **** **** **** ***3 456",
            mandate_reference="SPT-2026-000042",
        ),
        "at": NOW,
    }
    return BillingProfilesChanged(**{**values, **overrides})


WHOLE_IBAN = "IT60X0542811101000000123456"


# The trail


async def test_a_direct_debit_lands_in_the_askers_trail_with_its_moves_and_masked_iban() -> None:
    store, tx = FakeStore(ACCOUNT), FakeTransaction()

    entry = await record_billing_change(deps_with(store), direct_debit(), tx)

    assert entry is not None
    assert store.activity == [entry]
    assert (entry.account_id, entry.kind, entry.actor_id) == (
        ACCOUNT.account_id,
        "billing.direct_debit",
        None,
    )
    assert entry.client_address == "203.0.113.7"
    assert entry.details == {
        "change_id": "chg-91d2",
        "customer_codes": "C00012345",
        "supplies": "IT001E12345678,00881234567890",
        "from_profiles": "BP-000101",
        "to_profiles": "BP-000124",
        "opened_profiles": "BP-000124",
        "closed_profiles": "BP-000101",
        "channel": "email",
        "email": "mario.rossi@example.it",
        "payment_method": "direct_debit",
        "iban": "IT** **** **** **** **** ***3 456",
        "mandate_reference": "SPT-2026-000042",
    }
    # Announced for the user's trail in the same transaction.
    (announced,) = tx.emitted
    assert isinstance(announced, AccountActivity)
    assert (announced.activity_id, announced.kind) == (entry.activity_id, "billing.direct_debit")
    assert announced.details == entry.details


@pytest.mark.parametrize("kind", ["postal_delivery", "e_bill", "direct_debit", "iban", "pagopa"])
async def test_every_kind_of_change_is_recorded_under_its_own_billing_kind(kind: str) -> None:
    store = FakeStore(ACCOUNT)

    entry = await record_billing_change(
        deps_with(store), direct_debit(kind=kind), FakeTransaction()
    )

    assert entry is not None
    assert entry.kind == f"billing.{kind}"


async def test_a_postal_delivery_shows_the_new_address_and_no_payment_details_it_lacks() -> None:
    address = PostalAddress(
        street="Via Roma", number="12/B", post_code="20121", city="Milano", province="MI"
    )
    changed = direct_debit(
        kind="postal_delivery",
        moves=moves(("IT001E12345678", "BP-000101", "BP-000102")),
        opened_profiles=(),
        closed_profiles=(),
        delivery=DeliveryPublic(channel="post", address=address),
        payment=PaymentPublic(method="pagopa"),
    )

    details = billing_change_details(changed)

    assert details["address"] == "Via Roma 12/B, 20121 Milano (MI)"
    assert details["channel"] == "post"
    assert details["to_profiles"] == "BP-000102"
    # Nothing opened or closed, no IBAN, no mandate: no empty entries in the trail.
    for absent in ("opened_profiles", "closed_profiles", "iban", "mandate_reference", "email"):
        assert absent not in details


async def test_a_whole_iban_from_a_faulty_producer_is_masked_before_the_trail() -> None:
    store, tx = FakeStore(ACCOUNT), FakeTransaction()
    payment = PaymentPublic(method="direct_debit", iban_masked=WHOLE_IBAN)

    entry = await record_billing_change(deps_with(store), direct_debit(payment=payment), tx)

    assert entry is not None
    assert entry.details["iban"] == "IT** **** **** **** **** ***3 456"
    assert WHOLE_IBAN[4:-4] not in repr(store.activity) + repr(tx.emitted)


def test_an_iban_masked_already_is_kept_as_billing_showed_it() -> None:
    assert masked_iban("IT** **** **** **** **** ***3 456") == "IT** **** **** **** **** ***3 456"
    assert masked_iban("IT60 X054 **** **** **** ***3 456") == "IT** **** **** **** **** ***3 456"


async def test_an_unknown_account_is_logged_and_skipped_without_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, tx = FakeStore(ACCOUNT), FakeTransaction()

    entry = await record_billing_change(deps_with(store), direct_debit(account_id="acc-gone"), tx)

    assert entry is None
    assert (store.activity, tx.emitted) == ([], [])
    assert "chg-91d2" in caplog.text
    assert "acc-gone" in caplog.text


async def test_an_administrators_change_is_their_own_and_an_operators_names_the_operator() -> None:
    operator = replace(ACCOUNT, account_id="op-31c2", role="operator", fiscal_code="")
    store = FakeStore(ACCOUNT, operator)
    deps = deps_with(store)

    mine = await record_billing_change(
        deps, direct_debit(actor_role="administrator"), FakeTransaction()
    )
    theirs = await record_billing_change(
        deps, direct_debit(account_id="op-31c2", actor_role="operator"), FakeTransaction()
    )

    assert mine is not None
    assert theirs is not None
    assert (mine.account_id, mine.actor_id) == (ACCOUNT.account_id, None)
    assert (theirs.account_id, theirs.actor_id) == ("op-31c2", "op-31c2")


async def test_a_malformed_client_address_loses_the_address_not_the_entry() -> None:
    store = FakeStore(ACCOUNT)

    entry = await record_billing_change(
        deps_with(store), direct_debit(client_address="not-an-ip"), FakeTransaction()
    )

    assert entry is not None
    assert entry.client_address is None


# Where the account's mail goes


async def test_announcing_the_contact_tells_where_mail_goes_now() -> None:
    unverified = replace(
        ACCOUNT,
        email="mario@nuovo.example",
        email_verified=False,
        onboarding_email="mario.rossi@example.it",
    )
    tx = FakeTransaction()

    await email_address.announce_contact(tx, unverified, NOW)

    # Until its link is followed, mail goes to the address the back-office onboarded with.
    assert tx.emitted == [
        AccountContactSet(
            account_id=ACCOUNT.account_id,
            email="mario.rossi@example.it",
            full_name="Mario Rossi",
            at=NOW,
        )
    ]


async def test_a_confirmed_address_is_announced_as_where_mail_goes_from_then_on() -> None:
    store, tx = FakeStore(ACCOUNT), FakeTransaction()
    token = new_link_token(Purpose.EMAIL_CONFIRMATION)
    key = link_token_key(token)
    store.challenges[key] = Challenge(
        key=key,
        account_id=ACCOUNT.account_id,
        purpose=Purpose.EMAIL_CONFIRMATION,
        expires_at=NOW + timedelta(hours=1),
        target="mario@nuovo.example",
    )

    await email_address.confirm_email(
        deps_with(store), ConfirmEmailRequest(confirmation_token=token), tx
    )

    changed = next(e for e in tx.emitted if isinstance(e, EmailChanged))
    (contact,) = [e for e in tx.emitted if isinstance(e, AccountContactSet)]
    assert contact == AccountContactSet(
        account_id=ACCOUNT.account_id,
        email="mario@nuovo.example",
        full_name="Mario Rossi",
        at=changed.at,
    )
