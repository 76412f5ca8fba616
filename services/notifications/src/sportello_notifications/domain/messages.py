"""The messages users receive, decided from the events that cause them."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sportello_contracts.account_deletion import AccountDeleted
from sportello_contracts.administrators import AdministratorCodeIssued
from sportello_contracts.contacts import (
    EmailChanged,
    EmailConfirmationIssued,
    PhoneChanged,
    PhoneCodeIssued,
)
from sportello_contracts.credentials import PasswordChanged, PasswordResetIssued
from sportello_contracts.identity import AccountRegistered


@dataclass(frozen=True)
class Mail:
    """An e-mail to send: which template, to whom, with what; rendered by the adapter."""

    key: str  # unique per event and kind of message: sending it twice is recognised
    to: str
    subject: str
    template: str
    # Out of reprs: it may hold a link's token.
    context: dict[str, object] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Text:
    """A text message (SMS) to send: which template, to which number, with what."""

    key: str  # unique per event and kind of message: sending it twice is recognised
    to: str  # E.164
    template: str
    context: dict[str, object] = field(default_factory=dict, repr=False)  # it may hold a code


class Status(StrEnum):
    """Where a message is, as the message log shows operators."""

    QUEUED = "queued"  # known, not sent yet
    SENT = "sent"  # accepted by the mail server
    FAILED = "failed"  # the last attempt failed; the bus retries it (or dead-letters it at last)


@dataclass(frozen=True)
class MessageRecord:
    """The log's entry of one message: what operators look at when a user says "no e-mail"."""

    key: str
    to: str
    template: str
    status: Status
    attempts: int
    created_at: datetime
    last_error: str | None = None
    sent_at: datetime | None = None


def registration_summary(event_id: str, registered: AccountRegistered, portal_url: str) -> Mail:
    """The summary of a new account's data; never the password."""
    return Mail(
        key=f"{event_id}:registration-summary",
        to=registered.email,
        subject="Benvenuto nell'Area Clienti: riepilogo della registrazione",
        template="registration_summary",
        context={
            "full_name": registered.full_name,
            "username": registered.username,
            "email": registered.email,
            "fiscal_code": _partly_hidden(registered.fiscal_code),
            "customer_codes": list(registered.customer_codes),
            "registered_at": registered.registered_at.strftime("%d/%m/%Y %H:%M"),
            "portal_url": portal_url,
        },
    )


def password_reset(event_id: str, issued: PasswordResetIssued, reset_url: str) -> Mail:
    """The username and the reset link: all a user who lost either needs to get back in."""
    return Mail(
        key=f"{event_id}:password-reset",
        to=issued.email,
        subject="Area Clienti: il tuo nome utente e il link per una nuova password",
        template="password_reset",
        context={
            "full_name": issued.full_name,
            "username": issued.username,
            # In the fragment, which browsers never send on: the token stays out of the web
            # server's logs and of any Referer header.
            "reset_link": f"{reset_url}#token={issued.reset_token}",
            "expires_at": _when(issued.expires_at),
        },
    )


def password_changed(event_id: str, changed: PasswordChanged, portal_url: str) -> Mail:
    """A security notice: the password changed, so an owner who did not change it can react."""
    return Mail(
        key=f"{event_id}:password-changed",
        to=changed.email,
        subject="Area Clienti: la tua password è stata modificata",
        template="password_changed",
        context={
            "full_name": changed.full_name,
            "username": changed.username,
            "at": _when(changed.at),
            "reset": changed.how == "reset",
            "portal_url": portal_url,
        },
    )


def email_confirmation(
    event_id: str, issued: EmailConfirmationIssued, confirmation_url: str
) -> list[Mail]:
    """The link to the new address; and, to where mail goes until it is followed, the notice."""
    context: dict[str, object] = {
        "full_name": issued.full_name,
        "username": issued.username,
        "new_email": issued.new_email,
        "current_email": issued.current_email,
        "expires_at": _when(issued.expires_at),
    }
    link = Mail(
        key=f"{event_id}:email-confirmation",
        to=issued.new_email,
        subject="Area Clienti: conferma il tuo indirizzo e-mail",
        template="email_confirmation",
        # In the fragment, as the reset link: out of web servers' logs and Referer headers.
        context={
            **context,
            "confirmation_link": f"{confirmation_url}#token={issued.confirmation_token}",
        },
    )
    if issued.current_email == issued.new_email:
        return [link]
    notice = Mail(
        key=f"{event_id}:email-change-notice",
        to=issued.current_email,
        subject="Area Clienti: è stato indicato un nuovo indirizzo e-mail",
        template="email_change_notice",
        context=context,
    )
    return [link, notice]


def email_changed(event_id: str, changed: EmailChanged, portal_url: str) -> Mail:
    """To the address mail went to until now: from now on it goes to the new one."""
    return Mail(
        key=f"{event_id}:email-changed",
        to=changed.old_email,
        subject="Area Clienti: il tuo indirizzo e-mail è cambiato",
        template="email_changed",
        context={
            "full_name": changed.full_name,
            "username": changed.username,
            "new_email": changed.new_email,
            "at": _when(changed.at),
            "portal_url": portal_url,
        },
    )


def phone_code(event_id: str, issued: PhoneCodeIssued) -> Text:
    """The code that confirms a new mobile number, texted to it."""
    return Text(
        key=f"{event_id}:phone-code",
        to=issued.phone,
        template="phone_code",
        context={"code": issued.code, "expires_at": _when(issued.expires_at)},
    )


def phone_changed(event_id: str, changed: PhoneChanged, portal_url: str) -> Mail:
    """A security notice to the account's address: its mobile number changed."""
    return Mail(
        key=f"{event_id}:phone-changed",
        to=changed.email,
        subject="Area Clienti: il tuo numero di cellulare è cambiato",
        template="phone_changed",
        context={
            "full_name": changed.full_name,
            "username": changed.username,
            "phone": changed.new_phone,
            "at": _when(changed.at),
            "portal_url": portal_url,
        },
    )


def _when(at: datetime) -> str:
    return at.strftime("%d/%m/%Y %H:%M")


def _partly_hidden(fiscal_code: str) -> str:
    # Mail travels in clear and lingers in inboxes: enough for the user to recognise it.
    return fiscal_code[:3] + "*" * (len(fiscal_code) - 6) + fiscal_code[-3:]


def account_deleted(event_id: str, deleted: AccountDeleted) -> Mail:
    """The confirmation that the account is gone, to the address it had (its last message)."""
    return Mail(
        key=f"{event_id}:account-deleted",
        to=deleted.email,
        subject="Area Clienti: il tuo account è stato cancellato",
        template="account_deleted",
        context={
            "deleted_at": deleted.deleted_at.strftime("%d/%m/%Y %H:%M"),
            "customer_codes": list(deleted.customer_codes),
        },
    )


def administrator_code(event_id: str, issued: AdministratorCodeIssued, portal_url: str) -> Mail:
    """The administrator code, to the firm it was issued for."""
    return Mail(
        key=f"{event_id}:administrator-code",
        to=issued.email,
        subject="Area Clienti: il vostro codice amministratore di condominio",
        template="administrator_code",
        context={
            "firm_name": issued.firm_name,
            "vat_number": issued.vat_number,
            "code": issued.code,
            "expires_at": issued.expires_at.strftime("%d/%m/%Y %H:%M"),
            "portal_url": portal_url,
        },
    )
