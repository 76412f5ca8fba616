"""A customer onboarded by the back-office becomes known to billing, newest onboarding winning."""

import logging
from datetime import datetime
from typing import Protocol

from sportello_billing.domain.customers import Customer, onboarded_customer
from sportello_contracts.backoffice import CustomerOnboarded

log = logging.getLogger(__name__)


class Customers(Protocol):
    """Billing's customers, as one transaction sees them."""

    async def keep_if_newer(self, customer: Customer, as_of: datetime) -> bool:
        """Store `customer` unless what is stored comes from an event as new or newer; True if
        stored."""
        ...


async def record_onboarded_customer(
    customers: Customers, onboarded: CustomerOnboarded, occurred_at: datetime
) -> bool:
    """Keep the onboarded customer; an onboarding older than the stored one changes nothing.

    Events arrive out of order (retries, replays): `occurred_at` decides, not arrival.
    """
    customer = onboarded_customer(onboarded)
    kept = await customers.keep_if_newer(customer, occurred_at)
    if not kept:
        log.info("onboarding of %s is older than the stored one: ignored", customer.customer_code)
    return kept
