"""A change of bill delivery or payment method, as billing announces it, kept in the trail of the
account that asked for it (`billing.e_bill`, `billing.direct_debit`...)."""

import logging
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv6Address, ip_address

from sportello_contracts.billing_profiles import BillingProfilesChanged
from sportello_identity.domain.activity import Activity
from sportello_identity.usecases import activity
from sportello_identity.usecases.ports import Dependencies, Transaction

log = logging.getLogger(__name__)

# What of an IBAN a trail may show: its country code and its last characters.
_IBAN_VISIBLE_TAIL = 4


async def record_billing_change(
    deps: Dependencies, changed: BillingProfilesChanged, tx: Transaction
) -> Activity | None:
    """The change in the asking account's trail; None (logged) for an account unknown here.

    An unknown account is no reason to retry: no later delivery will make it known (a deleted
    account, or one of another installation), and a retry loop would only fill the dead letters.
    """
    if await deps.store.account(changed.account_id) is None:
        log.warning(
            "billing change %s for unknown account %s: not in any trail",
            changed.change_id,
            changed.account_id,
        )
        return None
    # An operator's own trail shows what they did, as operators' other actions do; a change
    # for a customer's account by an operator is not announced that way yet.
    actor_id = changed.account_id if changed.actor_role == "operator" else None
    return await activity.record(
        deps,
        tx,
        changed.account_id,
        f"billing.{changed.kind}",
        actor_id=actor_id,
        client_address=_address(changed.client_address),
        details=billing_change_details(changed),
    )


def billing_change_details(changed: BillingProfilesChanged) -> dict[str, str]:
    """What the trail shows of the change: which supplies went to which profiles, and how bills
    now travel and are paid. Never a whole IBAN, whatever the event carried."""
    details = {
        "change_id": changed.change_id,
        "customer_codes": ",".join(changed.customer_codes),
        "supplies": ",".join(_distinct(m.supply_id for m in changed.moves)),
        "from_profiles": ",".join(_distinct(m.from_profile for m in changed.moves)),
        "to_profiles": ",".join(_distinct(m.to_profile for m in changed.moves)),
        "opened_profiles": ",".join(changed.opened_profiles),
        "closed_profiles": ",".join(changed.closed_profiles),
        "channel": changed.delivery.channel,
        "payment_method": changed.payment.method,
    }
    if changed.delivery.email is not None:
        details["email"] = changed.delivery.email
    if changed.delivery.address is not None:
        a = changed.delivery.address
        details["address"] = f"{a.street} {a.number}, {a.post_code} {a.city} ({a.province})"
    if changed.payment.iban_masked is not None:
        details["iban"] = masked_iban(changed.payment.iban_masked)
    if changed.payment.mandate_reference is not None:
        details["mandate_reference"] = changed.payment.mandate_reference
    return {key: value for key, value in details.items() if value}


def masked_iban(shown: str) -> str:
    """`shown` as billing masked it; masked here again if it shows more than the country code and
    the last characters (a whole IBAN must never reach the trail, even from a faulty producer)."""
    visible = [c for c in shown if c.isalnum()]
    if len(visible) <= 2 + _IBAN_VISIBLE_TAIL:
        return shown
    compact = "".join(shown.split()).upper()
    hidden = compact[:2] + "*" * (len(compact) - 2 - _IBAN_VISIBLE_TAIL)
    masked = hidden + compact[-_IBAN_VISIBLE_TAIL:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def _distinct(values: Iterable[str]) -> list[str]:
    """In the order first seen: several supplies usually move to the same profile."""
    return list(dict.fromkeys(values))


def _address(raw: str | None) -> IPv4Address | IPv6Address | None:
    if raw is None:
        return None
    try:
        return ip_address(raw)
    except ValueError:
        return None  # a malformed address is no reason to lose the entry
