"""The messages users receive, decided from the events that cause them."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sportello_contracts.account_deletion import AccountDeleted
from sportello_contracts.administrators import AdministratorCodeIssued
from sportello_contracts.identity import AccountRegistered


@dataclass(frozen=True)
class Mail:
    """An e-mail to send: which template, to whom, with what; rendered by the adapter."""

    key: str  # unique per event and kind of message: sending it twice is recognised
    to: str
    subject: str
    template: str
    context: dict[str, object] = field(default_factory=dict)


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
