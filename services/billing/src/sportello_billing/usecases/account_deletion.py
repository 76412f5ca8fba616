"""A deleted portal account: billing pseudonymises its customers, keeps their bills, confirms."""

from datetime import datetime
from typing import Protocol

from sportello_billing.domain.customers import Customer, pseudonymised
from sportello_contracts.account_deletion import AccountDeleted, BillingAccountDataErased
from sportello_contracts.envelope import EventPayload


class PseudonymisableCustomers(Protocol):
    async def pseudonymise(self, customers: list[Customer], at: datetime) -> None: ...


class Outbox(Protocol):
    """The handler's transaction, as far as announcing goes."""

    async def emit(self, payload: EventPayload) -> object: ...


async def erase_account_data(
    customers: PseudonymisableCustomers, deleted: AccountDeleted, outbox: Outbox, now: datetime
) -> None:
    """Pseudonymise the account's customers and confirm, in the event's transaction.

    Idempotent: a repeat writes the same again and confirms again (identity keeps the first).
    """
    await customers.pseudonymise([pseudonymised(code) for code in deleted.customer_codes], now)
    await outbox.emit(
        BillingAccountDataErased(
            deletion_id=deleted.deletion_id, account_id=deleted.account_id, erased_at=now
        )
    )
