"""The mails of payments and direct-debit mandates, to the account the event names: the receipt
of a bill paid online, its registration by the supplier, the bank's answer on a mandate."""

import logging

from sportello_contracts.payments import (
    BillPaymentRegistered,
    MandateChanged,
    OnlinePaymentSucceeded,
)
from sportello_notifications.domain.messages import (
    mandate_outcome,
    payment_receipt,
    payment_registered,
)
from sportello_notifications.usecases.delivery import Claims, Mailer, MessageLog, Templates
from sportello_notifications.usecases.recipients import Directory, send_to_account

log = logging.getLogger(__name__)


async def send_payment_receipt(
    event_id: str,
    paid: OnlinePaymentSucceeded,
    *,
    directory: Directory,
    portal_url: str,
    claims: Claims,
    mailer: Mailer,
    templates: Templates,
    messages: MessageLog,
) -> bool:
    """Send the payer the receipt of a bill paid online, once; True if sent now."""
    return await send_to_account(
        paid.account_id,
        f"online payment {paid.payment_id} of {paid.bill_number}",
        lambda recipient: payment_receipt(event_id, paid, recipient, portal_url),
        directory=directory,
        claims=claims,
        mailer=mailer,
        templates=templates,
        messages=messages,
    )


async def send_payment_registered(
    event_id: str,
    registered: BillPaymentRegistered,
    *,
    directory: Directory,
    portal_url: str,
    claims: Claims,
    mailer: Mailer,
    templates: Templates,
    messages: MessageLog,
) -> bool:
    """Tell whoever paid a bill online that the supplier registered the payment, once; True if
    sent now. A registration that settles no online payment (no account) mails nobody: who paid
    is not known to the portal."""
    what = f"payment {registered.registration_id} of {registered.bill_number}"
    if registered.account_id is None:
        log.info("%s settles no online payment: no mail", what)
        return False
    return await send_to_account(
        registered.account_id,
        what,
        lambda recipient: payment_registered(event_id, registered, recipient, portal_url),
        directory=directory,
        claims=claims,
        mailer=mailer,
        templates=templates,
        messages=messages,
    )


async def send_mandate_outcome(
    event_id: str,
    changed: MandateChanged,
    *,
    directory: Directory,
    portal_url: str,
    claims: Claims,
    mailer: Mailer,
    templates: Templates,
    messages: MessageLog,
) -> bool:
    """Tell whoever asked for a direct-debit mandate that it is active, or was refused, once;
    True if sent now. A mandate still pending mails nobody (its request was confirmed already)."""
    what = f"mandate {changed.mandate_reference} {changed.state}"
    if changed.state == "pending":
        log.info("%s: no mail until the bank answers", what)
        return False
    return await send_to_account(
        changed.account_id,
        what,
        # Only a pending mandate has no mail, and it returned above.
        lambda recipient: mandate_outcome(event_id, changed, recipient, portal_url),
        directory=directory,
        claims=claims,
        mailer=mailer,
        templates=templates,
        messages=messages,
    )
