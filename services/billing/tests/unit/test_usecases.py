"""Billing's use cases with in-memory fakes: no database, no broker."""

from dataclasses import fields
from datetime import UTC, datetime, timedelta

from sportello_billing.domain.customers import Customer
from sportello_billing.usecases.account_deletion import erase_account_data
from sportello_billing.usecases.onboarding import record_onboarded_customer
from sportello_contracts.account_deletion import AccountDeleted, BillingAccountDataErased
from sportello_contracts.backoffice import CustomerOnboarded
from sportello_contracts.envelope import EventPayload

ONBOARDED = CustomerOnboarded(
    customer_code="C00010002",
    fiscal_code="BNCGLI85M52F205H",
    full_name="Giulia Bianchi",
    email="giulia@example.it",
)
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FakeCustomers:
    """Customers in a dict, guarded by version as the MongoDB store is."""

    def __init__(self) -> None:
        self.stored: dict[str, tuple[Customer, datetime]] = {}

    async def keep_if_newer(self, customer: Customer, as_of: datetime) -> bool:
        current = self.stored.get(customer.customer_code)
        if current is not None and current[1] >= as_of:
            return False
        self.stored[customer.customer_code] = (customer, as_of)
        return True


async def test_an_onboarded_customer_is_kept_without_the_pin() -> None:
    customers = FakeCustomers()
    assert await record_onboarded_customer(customers, ONBOARDED, MONDAY)
    customer, as_of = customers.stored["C00010002"]
    assert customer == Customer("C00010002", "BNCGLI85M52F205H", "Giulia Bianchi")
    assert as_of == MONDAY
    assert "registration_pin" not in {f.name for f in fields(Customer)}
    assert "12345678" not in repr(customer)


async def test_a_newer_onboarding_replaces_the_stored_customer() -> None:
    customers = FakeCustomers()
    await record_onboarded_customer(customers, ONBOARDED, MONDAY)
    renamed = ONBOARDED.model_copy(update={"full_name": "Giulia Bianchi Rossi"})
    assert await record_onboarded_customer(customers, renamed, MONDAY + timedelta(hours=1))
    assert customers.stored["C00010002"][0].full_name == "Giulia Bianchi Rossi"


async def test_an_older_onboarding_arriving_late_changes_nothing() -> None:
    customers = FakeCustomers()
    renamed = ONBOARDED.model_copy(update={"full_name": "Giulia Bianchi Rossi"})
    await record_onboarded_customer(customers, renamed, MONDAY + timedelta(hours=1))
    assert not await record_onboarded_customer(customers, ONBOARDED, MONDAY)
    assert customers.stored["C00010002"][0].full_name == "Giulia Bianchi Rossi"


async def test_the_same_onboarding_redelivered_changes_nothing() -> None:
    customers = FakeCustomers()
    await record_onboarded_customer(customers, ONBOARDED, MONDAY)
    assert not await record_onboarded_customer(customers, ONBOARDED, MONDAY)
    assert customers.stored["C00010002"] == (
        Customer("C00010002", "BNCGLI85M52F205H", "Giulia Bianchi"),
        MONDAY,
    )


class FakeOutbox:
    def __init__(self) -> None:
        self.emitted: list[EventPayload] = []

    async def emit(self, payload: EventPayload) -> object:
        self.emitted.append(payload)
        return payload


class PseudonymisingCustomers(FakeCustomers):
    async def pseudonymise(self, customers: list[Customer], at: datetime) -> None:
        for customer in customers:
            if customer.customer_code in self.stored:
                self.stored[customer.customer_code] = (
                    customer,
                    self.stored[customer.customer_code][1],
                )


async def test_a_deleted_account_leaves_its_customers_without_name_or_fiscal_code() -> None:
    customers, outbox = PseudonymisingCustomers(), FakeOutbox()
    await record_onboarded_customer(customers, ONBOARDED, MONDAY)
    deleted = AccountDeleted(
        deletion_id="d-1",
        account_id="acc-1",
        customer_codes=("C00010002",),
        email="giulia@example.it",
        deleted_at=MONDAY,
    )
    for _ in range(2):  # a redelivery changes nothing more, and confirms again
        await erase_account_data(customers, deleted, outbox, MONDAY)
    kept, _ = customers.stored["C00010002"]
    assert kept == Customer("C00010002", None, None)
    assert "Giulia" not in repr(customers.stored)
    assert (
        outbox.emitted
        == [BillingAccountDataErased(deletion_id="d-1", account_id="acc-1", erased_at=MONDAY)] * 2
    )
