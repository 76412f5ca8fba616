"""The back-office's supply events: a supply joins the profile of its pair, changes, ceases.

Events arrive in any order: a supply of a customer billing has not heard of yet waits for the
customer (parked, never lost), an update or a cessation for a supply not known yet waits for
the supply, and an older update never overwrites a newer one (`occurred_at` decides).
"""

import hashlib
import logging
from datetime import datetime
from typing import Any

from sportello_billing.domain.addresses import InvalidAddress, check_postal_address
from sportello_billing.domain.ibans import InvalidIban
from sportello_billing.domain.profiles import (
    BillingProfile,
    left_without_active_supply,
    pair_key,
)
from sportello_billing.domain.supplies import Supply
from sportello_billing.usecases.payment_methods import delivery_of, payment_of
from sportello_billing.usecases.ports import Needs, Transaction
from sportello_contracts.supplies import SupplyActivated, SupplyCeased, SupplyUpdated
from sportello_kit.errors import PoisonMessage

log = logging.getLogger(__name__)


def waiting_for_customer(customer_code: str) -> str:
    return f"customer:{customer_code}"


def waiting_for_supply(supply_id: str) -> str:
    return f"supply:{supply_id}"


def activation_mandate(supply_id: str) -> str:
    """The reference of the mandate the back-office set up with the supply (stable per supply)."""
    return "MND-" + hashlib.sha256(supply_id.encode()).hexdigest()[:12].upper()


async def activate_supply(
    needs: Needs, tx: Transaction, activated: SupplyActivated, occurred_at: datetime
) -> None:
    store = needs.store
    customers = store.customers(tx.session)
    if not await customers.known([activated.customer_code]):
        tx.park(waiting_for_customer(activated.customer_code))
        return
    supplies = store.supplies(tx.session)
    existing = await supplies.get(activated.supply_id)
    if existing is not None:
        if existing.customer_code != activated.customer_code:
            raise PoisonMessage(f"supply {activated.supply_id} belongs to another customer already")
        # Activated again (a reactivation, or an older copy): what it describes, if newer.
        await supplies.update_if_newer(activated.supply_id, occurred_at, _described(activated))
        return
    try:
        address = check_postal_address(activated.address)
        delivery = delivery_of(activated.delivery)
        payment = payment_of(
            activated.payment, needs.rules.iban_key, activation_mandate(activated.supply_id)
        )
    except (InvalidIban, InvalidAddress) as error:
        raise PoisonMessage(f"supply {activated.supply_id}: {error}") from None
    await customers.serialise([activated.customer_code])
    profiles = store.profiles(tx.session)
    now = needs.clock.now()
    home = await profiles.active_with_pair(activated.customer_code, pair_key(delivery, payment))
    if home is None:
        home = BillingProfile(
            number=await profiles.next_number(),
            customer_code=activated.customer_code,
            delivery=delivery,
            payment=payment,
            status="active",
            opened_at=now,
        )
        await profiles.insert(home)
    supply = Supply(
        supply_id=activated.supply_id,
        customer_code=activated.customer_code,
        commodity=activated.commodity,
        point_id=activated.point_id,
        address=address,
        use=activated.use,
        contracted_power_kw=activated.contracted_power_kw,
        offer_code=activated.offer_code,
        offer_name=activated.offer_name,
        meter=activated.meter,
        distributor=activated.distributor,
        activated_on=activated.activated_on,
        ceased_on=None,
        billing_profile=home.number,
        updated_at=now,
    )
    await supplies.insert(supply, occurred_at)
    await tx.release(waiting_for_supply(activated.supply_id))


def _described(activated: SupplyActivated) -> dict[str, Any]:
    return {
        "address": activated.address.model_dump(mode="json"),
        "use": activated.use,
        "contracted_power_kw": activated.contracted_power_kw,
        "offer_code": activated.offer_code,
        "offer_name": activated.offer_name,
        "meter": activated.meter.model_dump(mode="json"),
        "distributor": activated.distributor.model_dump(mode="json"),
    }


async def update_supply(
    needs: Needs, tx: Transaction, updated: SupplyUpdated, occurred_at: datetime
) -> None:
    supplies = needs.store.supplies(tx.session)
    supply = await supplies.get(updated.supply_id)
    if supply is None:
        tx.park(waiting_for_supply(updated.supply_id))
        return
    if supply.customer_code != updated.customer_code:
        raise PoisonMessage(
            f"supply {updated.supply_id} is not of customer {updated.customer_code}"
        )
    fields: dict[str, Any] = {"updated_at": needs.clock.now()}
    if updated.address is not None:
        try:
            fields["address"] = check_postal_address(updated.address).model_dump(mode="json")
        except InvalidAddress as error:
            raise PoisonMessage(f"supply {updated.supply_id}: {error}") from None
    for name in ("meter", "distributor"):
        value = getattr(updated, name)
        if value is not None:
            fields[name] = value.model_dump(mode="json")
    for name in ("contracted_power_kw", "offer_code", "offer_name"):
        value = getattr(updated, name)
        if value is not None:
            fields[name] = value
    if "contracted_power_kw" in fields and supply.commodity == "gas":
        raise PoisonMessage(f"supply {updated.supply_id} is gas: it has no contracted power")
    if not await supplies.update_if_newer(updated.supply_id, occurred_at, fields):
        log.info("update of supply %s is older than what is stored: ignored", updated.supply_id)


async def cease_supply(
    needs: Needs, tx: Transaction, ceased: SupplyCeased, occurred_at: datetime
) -> None:
    store = needs.store
    supplies = store.supplies(tx.session)
    supply = await supplies.get(ceased.supply_id)
    if supply is None:
        tx.park(waiting_for_supply(ceased.supply_id))
        return
    if supply.customer_code != ceased.customer_code:
        raise PoisonMessage(f"supply {ceased.supply_id} is not of customer {ceased.customer_code}")
    if supply.ceased_on is not None:
        return
    await store.customers(tx.session).serialise([supply.customer_code])
    now = needs.clock.now()
    if not await supplies.cease(ceased.supply_id, occurred_at, ceased.ceased_on, now):
        return
    after = await supplies.of_customers([supply.customer_code])
    if left_without_active_supply(supply.billing_profile, after):
        await store.profiles(tx.session).close(supply.billing_profile, now)
