"""The events that make notifications write to users, and those that tell it where to."""

from datetime import UTC, datetime
from typing import Any

from sportello_contracts.account_deletion import AccountDeleted
from sportello_contracts.administrators import AdministratorCodeIssued
from sportello_contracts.billing_profiles import BillingProfilesChanged
from sportello_contracts.contacts import (
    EmailChanged,
    EmailConfirmationIssued,
    PhoneChanged,
    PhoneCodeIssued,
)
from sportello_contracts.credentials import PasswordChanged, PasswordResetIssued
from sportello_contracts.envelope import Event
from sportello_contracts.identity import AccountRegistered
from sportello_contracts.payments import (
    BillPaymentRegistered,
    MandateChanged,
    OnlinePaymentSucceeded,
)
from sportello_contracts.readings import ReadingStatusChanged
from sportello_contracts.recipients import AccountContactSet
from sportello_contracts.requests import RequestStatusChanged
from sportello_kit.service import Service
from sportello_kit.transaction import Transaction
from sportello_notifications.adapters.store import MongoRecipients
from sportello_notifications.bootstrap import Dependencies
from sportello_notifications.domain.messages import (
    Mail,
    administrator_code,
    email_changed,
    email_confirmation,
    password_changed,
    password_reset,
    phone_changed,
    phone_code,
    registration_summary,
)
from sportello_notifications.usecases.account_deletion import erase_account_data
from sportello_notifications.usecases.delivery import deliver
from sportello_notifications.usecases.payments import (
    send_mandate_outcome,
    send_payment_receipt,
    send_payment_registered,
)
from sportello_notifications.usecases.readings import send_reading_update
from sportello_notifications.usecases.recipients import (
    confirm_billing_change,
    forget_recipient,
    keep_recipient,
)
from sportello_notifications.usecases.requests import send_request_update
from sportello_notifications.usecases.texts import deliver_text


def subscribe(service: Service, deps: Dependencies) -> None:
    # The directory of recipients, on the service's database (its `_id` is the only index).
    directory = MongoRecipients(service.database.db)
    # What a mail to an account the event names goes through (its address from the directory).
    to_accounts: dict[str, Any] = {
        "directory": directory,
        "portal_url": deps.settings.portal_url,
        "claims": deps.claims,
        "mailer": deps.mailer,
        "templates": deps.templates,
        "messages": deps.messages,
    }

    @service.on(AccountRegistered, transactional=False)
    async def account_registered(event: Event[AccountRegistered]) -> None:
        """Send the registration summary e-mail."""
        mail = registration_summary(str(event.event_id), event.payload, deps.settings.portal_url)
        await send(mail)

    @service.on(PasswordResetIssued, transactional=False)
    async def password_reset_issued(event: Event[PasswordResetIssued]) -> None:
        """Send the username and the reset link."""
        await send(password_reset(str(event.event_id), event.payload, deps.settings.reset_page_url))

    @service.on(PasswordChanged, transactional=False)
    async def password_changed_(event: Event[PasswordChanged]) -> None:
        """Tell the account's address that its password changed."""
        await send(password_changed(str(event.event_id), event.payload, deps.settings.portal_url))

    @service.on(EmailConfirmationIssued, transactional=False)
    async def email_confirmation_issued(event: Event[EmailConfirmationIssued]) -> None:
        """Send the confirmation link to the new address, and the notice to the current one."""
        url = deps.settings.email_confirmation_page_url
        for mail in email_confirmation(str(event.event_id), event.payload, url):
            await send(mail)

    @service.on(EmailChanged, transactional=False)
    async def email_changed_(event: Event[EmailChanged]) -> None:
        """Tell the address mail went to that it goes to the new one from now on."""
        await send(email_changed(str(event.event_id), event.payload, deps.settings.portal_url))

    @service.on(PhoneCodeIssued, transactional=False)
    async def phone_code_issued(event: Event[PhoneCodeIssued]) -> None:
        """Text the code to the new mobile number."""
        text = phone_code(str(event.event_id), event.payload)
        await deliver_text(text, claims=deps.claims, sender=deps.texts)

    @service.on(PhoneChanged, transactional=False)
    async def phone_changed_(event: Event[PhoneChanged]) -> None:
        """Tell the account's address that its mobile number changed."""
        await send(phone_changed(str(event.event_id), event.payload, deps.settings.portal_url))

    async def send(mail: Mail) -> None:
        # A claim held by another delivery fails with `ClaimHeld`: the kit looks again after
        # the claim's lease, so a mail whose sender died is taken over, never dropped.
        await deliver(
            mail,
            claims=deps.claims,
            mailer=deps.mailer,
            templates=deps.templates,
            messages=deps.messages,
        )

    @service.on(AccountDeleted, transactional=False)
    async def account_deleted(event: Event[AccountDeleted]) -> None:
        """Tell the user the account is gone, erase its address and the messages' records, and
        confirm."""
        # First: the confirmation that follows says everything about the account is gone.
        await forget_recipient(event.payload.account_id, directory=directory)
        await erase_account_data(
            str(event.event_id),
            event.payload,
            claims=deps.claims,
            mailer=deps.mailer,
            templates=deps.templates,
            messages=deps.messages,
            transactions=deps.transactions,
            now=datetime.now(UTC),
        )

    @service.on(AdministratorCodeIssued, transactional=False)
    async def administrator_code_issued(event: Event[AdministratorCodeIssued]) -> None:
        """Send the firm its administrator code."""
        await send(administrator_code(str(event.event_id), event.payload, deps.settings.portal_url))

    @service.on(AccountContactSet)
    async def account_contact_set(event: Event[AccountContactSet], tx: Transaction) -> None:
        """Keep where the account's mail goes, for events that name the account only."""
        await keep_recipient(event.payload, directory=directory, session=tx.session)

    @service.on(BillingProfilesChanged, transactional=False)
    async def billing_profiles_changed(event: Event[BillingProfilesChanged]) -> None:
        """Confirm a change of bill delivery or payment to the account that asked."""
        await confirm_billing_change(str(event.event_id), event.payload, **to_accounts)

    @service.on(OnlinePaymentSucceeded, transactional=False)
    async def online_payment_succeeded(event: Event[OnlinePaymentSucceeded]) -> None:
        """Send the payer the receipt of a bill paid online."""
        await send_payment_receipt(str(event.event_id), event.payload, **to_accounts)

    @service.on(BillPaymentRegistered, transactional=False)
    async def bill_payment_registered(event: Event[BillPaymentRegistered]) -> None:
        """Tell whoever paid a bill online that the supplier registered the payment."""
        await send_payment_registered(str(event.event_id), event.payload, **to_accounts)

    @service.on(MandateChanged, transactional=False)
    async def mandate_changed(event: Event[MandateChanged]) -> None:
        """Tell whoever asked for a direct-debit mandate that it is active, or was refused."""
        await send_mandate_outcome(str(event.event_id), event.payload, **to_accounts)

    @service.on(ReadingStatusChanged, transactional=False)
    async def reading_status_changed(event: Event[ReadingStatusChanged]) -> None:
        """Tell whoever sent a reading where it is on its journey (not at every step)."""
        await send_reading_update(str(event.event_id), event.payload, **to_accounts)

    @service.on(RequestStatusChanged, transactional=False)
    async def request_status_changed(event: Event[RequestStatusChanged]) -> None:
        """Tell whoever filed a request that it moved."""
        await send_request_update(str(event.event_id), event.payload, **to_accounts)
