"""The messages users receive, decided from the events that cause them."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sportello_contracts.account_deletion import AccountDeleted
from sportello_contracts.administrators import AdministratorCodeIssued
from sportello_contracts.billing_profiles import (
    BillingProfilesChanged,
    DeliveryPublic,
    PaymentPublic,
)
from sportello_contracts.contacts import (
    EmailChanged,
    EmailConfirmationIssued,
    PhoneChanged,
    PhoneCodeIssued,
)
from sportello_contracts.credentials import PasswordChanged, PasswordResetIssued
from sportello_contracts.identity import AccountRegistered
from sportello_contracts.payments import (
    BillPaymentRegistered,
    MandateChanged,
    OnlinePaymentSucceeded,
)
from sportello_contracts.readings import BANDS, ReadingStatusChanged
from sportello_contracts.requests import STATUS_LABELS, TYPE_LABELS, RequestStatusChanged


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
class Recipient:
    """Where an account's mail goes, for events that name the account only (`AccountContactSet`)."""

    account_id: str
    email: str
    full_name: str


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


# What each kind of change is called in the confirming mail's subject and first line.
_BILLING_CHANGES = {
    "postal_delivery": "la modifica dell'indirizzo di recapito delle bollette",
    "e_bill": "l'attivazione della bolletta digitale (via e-mail)",
    "direct_debit": "la richiesta di addebito diretto in conto (domiciliazione bancaria)",
    "iban": "la modifica dell'IBAN per l'addebito diretto delle bollette",
    "pagopa": "il ritorno al pagamento con avviso pagoPA",
}
_BILLING_SUBJECTS = {
    "postal_delivery": "Area Clienti: indirizzo di recapito delle bollette modificato",
    "e_bill": "Area Clienti: bolletta digitale attivata",
    "direct_debit": "Area Clienti: richiesta di domiciliazione bancaria ricevuta",
    "iban": "Area Clienti: IBAN per l'addebito delle bollette modificato",
    "pagopa": "Area Clienti: pagamento delle bollette con avviso pagoPA",
}
# What of an IBAN a mail may show: its country code and its last characters.
_IBAN_VISIBLE_TAIL = 4


def billing_change_confirmation(
    event_id: str, changed: BillingProfilesChanged, recipient: Recipient, portal_url: str
) -> Mail:
    """The confirmation of a change of bill delivery or payment, to the account that asked:
    what changed, which supplies moved to which billing profile, how bills travel and are
    paid now (the IBAN masked)."""
    return Mail(
        key=f"{event_id}:billing-change",
        to=recipient.email,
        subject=_BILLING_SUBJECTS[changed.kind],
        template="billing_change",
        context={
            "full_name": recipient.full_name,
            "what": _BILLING_CHANGES[changed.kind],
            "kind": changed.kind,
            "at": _when(changed.at),
            "moves": [
                {
                    "supply_id": m.supply_id,
                    "from_profile": m.from_profile,
                    "to_profile": m.to_profile,
                    "new_profile": m.new_profile,
                }
                for m in changed.moves
            ],
            "closed_profiles": list(changed.closed_profiles),
            "delivery": _delivery(changed.delivery),
            "payment": _payment(changed.payment),
            "holder_name": changed.payment.holder_name,
            "iban": _masked_iban(changed.payment.iban_masked),
            "mandate_reference": changed.payment.mandate_reference,
            "portal_url": portal_url,
        },
    )


def _delivery(delivery: DeliveryPublic) -> str:
    if delivery.channel == "email":
        return f"via e-mail all'indirizzo {delivery.email}"
    a = delivery.address
    if a is None:
        return "per posta"
    to = f"{a.recipient}, " if a.recipient else ""
    return f"per posta a {to}{a.street} {a.number}, {a.post_code} {a.city} ({a.province})"


def _payment(payment: PaymentPublic) -> str:
    if payment.method == "direct_debit":
        return "addebito diretto in conto (domiciliazione bancaria)"
    return "avviso di pagamento pagoPA"


def _masked_iban(shown: str | None) -> str | None:
    """The IBAN as billing masked it; masked again if it shows more than the country code and the
    last characters (mail travels in clear: a whole IBAN must never be in it)."""
    if shown is None:
        return None
    if sum(c.isalnum() for c in shown) <= 2 + _IBAN_VISIBLE_TAIL:
        return shown
    compact = "".join(shown.split()).upper()
    masked = (
        compact[:2] + "*" * (len(compact) - 2 - _IBAN_VISIBLE_TAIL) + compact[-_IBAN_VISIBLE_TAIL:]
    )
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


# Payments and direct-debit mandates.

_MONTHS = (
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
)
_ONLINE_METHODS = {"card": "carta di pagamento", "pagopa": "pagoPA"}
# How a registered payment reached the supplier, as the mail's sentence ends ("... effettuato
# il 3 dicembre 2026 con bonifico bancario"); none for one it does not name (`other`).
_CHANNELS: dict[str, str | None] = {
    "card": "con carta di pagamento",
    "pagopa": "con pagoPA",
    "direct_debit": "con addebito diretto in conto",
    "bank_transfer": "con bonifico bancario",
    "postal_slip": "con bollettino postale",
    "counter": "allo sportello",
    "other": None,
}


def payment_receipt(
    event_id: str, paid: OnlinePaymentSucceeded, recipient: Recipient, portal_url: str
) -> Mail:
    """The payer's receipt of a bill paid online: what, how much, when, and that the bill shows
    "Pagata, in registrazione" until the payment is registered."""
    return Mail(
        key=f"{event_id}:payment-receipt",
        to=recipient.email,
        subject=f"Area Clienti: pagamento ricevuto per la bolletta {paid.bill_number}",
        template="payment_receipt",
        context={
            "full_name": recipient.full_name,
            "bill_number": paid.bill_number,
            "amount": euros(paid.amount_cents),
            "paid_at": _italian_time(paid.paid_at),
            "method": _ONLINE_METHODS.get(paid.method, paid.method),
            "notice_number": paid.notice_number,
            "payment_id": paid.payment_id,
            "bill_url": bill_url(portal_url, paid.bill_number),
        },
    )


def payment_registered(
    event_id: str, registered: BillPaymentRegistered, recipient: Recipient, portal_url: str
) -> Mail:
    """The payment of a bill registered by the supplier, to whoever paid it online: how much,
    and what is left to pay, if anything."""
    return Mail(
        key=f"{event_id}:payment-registered",
        to=recipient.email,
        subject=f"Area Clienti: pagamento registrato per la bolletta {registered.bill_number}",
        template="payment_registered",
        context={
            "full_name": recipient.full_name,
            "bill_number": registered.bill_number,
            "amount": euros(registered.amount_cents),
            "paid_on": italian_date(registered.paid_on),
            "channel": _CHANNELS.get(registered.channel),  # a channel added later: left out
            # Nothing left, or more paid than asked (a refund, announced on its own): paid.
            "amount_due": (
                euros(registered.amount_due_cents) if registered.amount_due_cents > 0 else None
            ),
            "bill_url": bill_url(portal_url, registered.bill_number),
        },
    )


def mandate_outcome(
    event_id: str, changed: MandateChanged, recipient: Recipient, portal_url: str
) -> Mail | None:
    """The bank's answer on a direct-debit mandate, to whoever asked for it: activated, or not
    with the reason and what to do. None while it is pending (the request was confirmed by the
    billing change's mail already). The IBAN only masked."""
    if changed.state == "pending":
        return None
    active = changed.state == "active"
    return Mail(
        key=f"{event_id}:mandate-{'activated' if active else 'refused'}",
        to=recipient.email,
        subject=(
            "Area Clienti: domiciliazione attivata"
            if active
            else "Area Clienti: domiciliazione non attivata"
        ),
        template="mandate_activated" if active else "mandate_refused",
        context={
            "full_name": recipient.full_name,
            "mandate_reference": changed.mandate_reference,
            "on": italian_date(changed.on),
            "holder_name": changed.holder_name,
            "iban": _masked_iban(changed.iban_masked),
            "customer_codes": list(changed.customer_codes),
            "profiles": [
                {"number": number, "url": billing_profile_url(portal_url, number)}
                for number in changed.billing_profiles
            ],
            "reason": changed.reason,
            "profiles_url": billing_profile_url(portal_url),
        },
    )


def euros(cents: int) -> str:
    """An amount in euro cents the Italian way: `1.234,56 €`."""
    whole, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{whole:,}".replace(",", ".") + f",{rest:02d} €"


def italian_date(day: date) -> str:
    """A date the Italian way: `3 dicembre 2026`, `1º marzo 2027` (the first, as an ordinal)."""
    return f"{day.day}{'º' if day.day == 1 else ''} {_MONTHS[day.month - 1]} {day.year}"


def _italian_time(at: datetime) -> str:
    # In UTC, as every mail says its times (the templates add "(UTC)"), whatever the producer's.
    utc = at.astimezone(UTC)
    return f"{italian_date(utc.date())} alle {utc:%H:%M}"


def bill_url(portal_url: str, bill_number: str) -> str:
    """A bill's page in the portal (the address billing prints on the bill too)."""
    return f"{portal_url.rstrip('/')}/bollette/{bill_number}"


def billing_profile_url(portal_url: str, number: str | None = None) -> str:
    """A billing profile's page in the portal (where a direct debit is asked for), or the list."""
    profiles = f"{portal_url.rstrip('/')}/profili-di-pagamento"
    return profiles if number is None else f"{profiles}/{number}"


# A customer's reading, at each step of its journey.

# The steps that are an outcome the customer hears of: "forwarded" (passed to the distributor)
# is a step on the way, told in the portal's tracker and not by mail.
_READING_SUBJECTS = {
    "received": "Area Clienti: abbiamo ricevuto la tua lettura",
    "validated": "Area Clienti: la tua lettura è stata convalidata",
    "rejected": "Area Clienti: la tua lettura non è stata accettata",
    "billed": "Area Clienti: la tua lettura è stata usata in bolletta",
    "superseded": "Area Clienti: il distributore ha letto il tuo contatore",
}
# The status as the mail's "Stato" line says it, followed by the day ("Convalidata il ...").
_READING_STATUSES = {
    "received": "Ricevuta",
    "validated": "Convalidata",
    "rejected": "Non accettata",
    "billed": "Usata in bolletta",
    "superseded": "Sostituita dalla lettura del distributore",
}
_UNITS = {"m3": "m³", "kWh": "kWh"}
# What the meter's point is called on bills, which the customer finds it by.
_POINTS = {"m3": "PDR", "kWh": "POD"}
_REGISTERS = ("total", *BANDS)  # one value, or one per time band in band order


def reading_update(
    event_id: str, changed: ReadingStatusChanged, recipient: Recipient, portal_url: str
) -> Mail | None:
    """A step of a reading's journey, to whoever sent it: metering's explanation of what happened
    and what comes next, then the reading itself (supply, day, values with their unit) and a
    link to its page. None for a step that is no outcome (passed to the distributor)."""
    subject = _READING_SUBJECTS.get(changed.status)
    if subject is None:
        return None
    if changed.status == "billed" and changed.bill_number is not None:
        subject = f"Area Clienti: la tua lettura è stata usata nella bolletta {changed.bill_number}"
    return Mail(
        key=f"{event_id}:reading-{changed.status}",
        to=recipient.email,
        subject=subject,
        template="reading_update",
        context={
            "full_name": recipient.full_name,
            "status": changed.status,
            "status_label": _READING_STATUSES[changed.status],
            "on": day_month_year(changed.on),
            "explanation": changed.explanation,
            "supply_id": changed.supply_id,
            "point": f"{_POINTS[changed.unit]} {changed.point_id}",
            "read_on": day_month_year(changed.read_on),
            "values": _reading_values(changed),
            "answer_by": _optional_day(changed.answer_by),
            "bill_number": changed.bill_number,
            "bill_url": (
                bill_url(portal_url, changed.bill_number)
                if changed.bill_number is not None
                else None
            ),
            "in_window": changed.in_window,
            "next_window_opens_on": _optional_day(changed.next_window_opens_on),
            "reading_url": reading_url(portal_url, changed.reading_id),
        },
    )


def _reading_values(changed: ReadingStatusChanged) -> list[dict[str, str]]:
    """Each register's value with its unit: `Lettura` for a meter with one register, `Fascia F1`
    and so on for one per time band."""
    unit = _UNITS[changed.unit]
    return [
        {
            "label": "Lettura" if register == "total" else f"Fascia {register}",
            # Ungrouped, as the dial shows them: "4.521" could be read as the red decimals.
            "value": f"{changed.values[register]} {unit}",
        }
        for register in _REGISTERS
        if register in changed.values
    ]


def day_month_year(day: date) -> str:
    """A date as the portal and metering's explanations write it: `03/12/2026`."""
    return day.strftime("%d/%m/%Y")


def _optional_day(day: date | None) -> str | None:
    return None if day is None else day_month_year(day)


def reading_url(portal_url: str, reading_id: str) -> str:
    """A reading's page in the portal: its journey in the tracker."""
    return f"{portal_url.rstrip('/')}/letture/{reading_id}"


ROME = ZoneInfo("Europe/Rome")  # a request's day is the customer's
_REQUEST_SUBJECTS = {
    "submitted": "Area Clienti: abbiamo ricevuto la tua richiesta",
    "in_progress": "Area Clienti: la tua richiesta è in lavorazione",
    "completed": "Area Clienti: la tua richiesta è stata completata",
    "rejected": "Area Clienti: la tua richiesta non è stata accolta",
    "cancelled": "Area Clienti: la tua richiesta è stata annullata",
}


def request_update(
    event_id: str, changed: RequestStatusChanged, recipient: Recipient, portal_url: str
) -> Mail:
    """A change of a request, to whoever filed it: where it stands, the back-office's words,
    the automatic compensation of a late written answer, and a link to the request."""
    return Mail(
        key=f"{event_id}:request-{changed.status}",
        to=recipient.email,
        subject=_REQUEST_SUBJECTS[changed.status],
        template="request_update",
        context={
            "full_name": recipient.full_name,
            "request_id": changed.request_id,
            "type_label": TYPE_LABELS[changed.type],
            "status": changed.status,
            "status_label": STATUS_LABELS[changed.status],
            "on": day_month_year(changed.at.astimezone(ROME).date()),
            "message": changed.message,
            "compensation": (
                euros(changed.compensation_cents) if changed.compensation_cents else None
            ),
            "request_url": f"{portal_url.rstrip('/')}/richieste/{changed.request_id}",
        },
    )
