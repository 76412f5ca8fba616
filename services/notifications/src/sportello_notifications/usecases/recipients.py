"""The directory of recipients (where each account's mail goes, as identity announces it) and the
mails of events that name an account but carry no address: a change of billing profiles."""

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sportello_contracts.billing_profiles import BillingProfilesChanged
from sportello_contracts.recipients import AccountContactSet
from sportello_notifications.domain.messages import Mail, Recipient, billing_change_confirmation
from sportello_notifications.usecases.delivery import Claims, Mailer, MessageLog, Templates, deliver

log = logging.getLogger(__name__)


class Directory(Protocol):
    """Where each account's mail goes (`adapters.store.MongoRecipients`)."""

    async def keep(self, recipient: Recipient, at: datetime, session: Any = None) -> bool:
        """Keep it unless a newer address, or the account's erasure, is stored; True if kept."""
        ...

    async def recipient(self, account_id: str) -> Recipient | None: ...

    async def forget(self, account_id: str, session: Any = None) -> None:
        """Erase the account's address and name for good."""
        ...


async def keep_recipient(contact: AccountContactSet, *, directory: Directory, session: Any) -> bool:
    """Where the account's mail goes from now on; an older announcement delivered late changes
    nothing. True if kept."""
    recipient = Recipient(contact.account_id, contact.email, contact.full_name)
    return await directory.keep(recipient, contact.at, session)


async def forget_recipient(account_id: str, *, directory: Directory) -> None:
    """A deleted account's address and name gone from the directory."""
    await directory.forget(account_id)


async def confirm_billing_change(
    event_id: str,
    changed: BillingProfilesChanged,
    *,
    directory: Directory,
    portal_url: str,
    claims: Claims,
    mailer: Mailer,
    templates: Templates,
    messages: MessageLog,
) -> bool:
    """Send the confirming e-mail once, to the account that asked; True if sent now.

    Nothing is sent, and nothing raised, when the mail has nowhere to go: no later delivery of
    the same event would find an address either, so a retry would only loop. Why is logged.
    """
    if changed.actor_role == "operator":
        # The event names the operator, not the customer they acted for: no mail for now.
        log.info("billing change %s by operator %s: no mail", changed.change_id, changed.account_id)
        return False
    recipient = await directory.recipient(changed.account_id)
    if recipient is None:
        log.warning(
            "billing change %s: no address known for account %s (never announced, or erased); "
            "confirmation dropped",
            changed.change_id,
            changed.account_id,
        )
        return False
    mail = billing_change_confirmation(event_id, changed, recipient, portal_url)
    return await deliver(mail, claims=claims, mailer=mailer, templates=templates, messages=messages)


async def send_to_account(
    account_id: str,
    what: str,
    mail_to: Callable[[Recipient], Mail | None],
    *,
    directory: Directory,
    claims: Claims,
    mailer: Mailer,
    templates: Templates,
    messages: MessageLog,
) -> bool:
    """Send the account the mail `mail_to` makes for it, once; True if sent now.

    Nothing is sent, and nothing raised, when the account has no address known: no later
    delivery of the same event would find one either, so a retry would only loop. Why is logged.
    """
    recipient = await directory.recipient(account_id)
    if recipient is None:
        log.warning(
            "%s: no address known for account %s (never announced, or erased); mail dropped",
            what,
            account_id,
        )
        return False
    mail = mail_to(recipient)
    if mail is None:
        return False
    return await deliver(mail, claims=claims, mailer=mailer, templates=templates, messages=messages)
