"""The e-mail confirming a change of billing profiles: what it says, to whom (the directory of
recipients), sent once, and dropped without a retry when there is nowhere to send it."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from sportello_contracts.billing_profiles import (
    BillingProfilesChanged,
    DeliveryPublic,
    PaymentPublic,
    SupplyMove,
)
from sportello_contracts.recipients import AccountContactSet
from sportello_contracts.supplies import PostalAddress
from sportello_kit.claims import ClaimHeld
from sportello_notifications.adapters.templates import MailTemplates
from sportello_notifications.domain.messages import (
    Mail,
    Recipient,
    billing_change_confirmation,
)
from sportello_notifications.usecases.recipients import (
    confirm_billing_change,
    forget_recipient,
    keep_recipient,
)

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
MARIO = Recipient("acc-7f3a", "mario.rossi@example.it", "Mario Rossi")
MASKED = "IT** **** **** **** **** ***3 456"
WHOLE_IBAN = "IT60X0542811101000000123456"
TEMPLATES = MailTemplates("Area Clienti <noreply@sportello.example>")


def change(**overrides: Any) -> BillingProfilesChanged:
    values: dict[str, Any] = {
        "change_id": "chg-91d2",
        "account_id": MARIO.account_id,
        "actor_role": "customer",
        "kind": "direct_debit",
        "customer_codes": ("C00012345",),
        "moves": (
            SupplyMove(
                supply_id="IT001E12345678",
                customer_code="C00012345",
                from_profile="BP-000101",
                to_profile="BP-000124",
                new_profile=True,
            ),
            SupplyMove(
                supply_id="00881234567890",
                customer_code="C00012345",
                from_profile="BP-000102",
                to_profile="BP-000124",
                new_profile=True,
            ),
        ),
        "opened_profiles": ("BP-000124",),
        "closed_profiles": ("BP-000101",),
        "delivery": DeliveryPublic(channel="email", email="bollette@rossi.example"),
        "payment": PaymentPublic(
            method="direct_debit",
            holder_name="Mario Rossi",
            holder_fiscal_code="RSSMRA80A01H501U",
            iban_masked=MASKED,
            mandate_reference="SPT-2026-000042",
        ),
        "at": AT,
    }
    return BillingProfilesChanged(**{**values, **overrides})


def plain(mail: Mail) -> str:
    body = TEMPLATES.render(mail).get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def html(mail: Mail) -> str:
    body = TEMPLATES.render(mail).get_body(("html",))
    assert body is not None
    return str(body.get_content())


# What the mail says


def test_a_direct_debit_mail_names_each_supply_its_new_profile_and_the_masked_iban() -> None:
    mail = billing_change_confirmation("ev-1", change(), MARIO, "https://area.example")

    assert (mail.to, mail.key) == ("mario.rossi@example.it", "ev-1:billing-change")
    assert mail.subject == "Area Clienti: richiesta di domiciliazione bancaria ricevuta"
    text = plain(mail)
    assert text.startswith("Gentile Mario Rossi,")
    assert "- IT001E12345678: da BP-000101 a BP-000124 (nuovo profilo)" in text
    assert "- 00881234567890: da BP-000102 a BP-000124 (nuovo profilo)" in text
    assert f"Conto di addebito: IBAN {MASKED}, intestato a Mario Rossi" in text
    assert "Riferimento del mandato: SPT-2026-000042" in text
    assert "Profili chiusi perché senza forniture" in text
    assert "Se non sei stato tu, contattaci subito" in text
    page = html(mail)
    assert f"<strong>{MASKED}</strong>" in page
    assert "<td>00881234567890</td><td>BP-000102</td>" in page
    assert "Se non sei stato tu, contattaci subito" in page


def test_an_e_bill_mail_gives_the_address_bills_go_to_and_no_bank_account() -> None:
    changed = change(kind="e_bill", closed_profiles=(), payment=PaymentPublic(method="pagopa"))

    mail = billing_change_confirmation("ev-2", changed, MARIO, "https://area.example")

    assert mail.subject == "Area Clienti: bolletta digitale attivata"
    text = plain(mail)
    assert "l'attivazione della bolletta digitale" in text
    assert "ti arrivano via e-mail all'indirizzo bollette@rossi.example" in text
    assert "avviso di pagamento pagoPA" in text
    assert "IBAN" not in text
    assert "Profili chiusi" not in text


def test_a_postal_delivery_mail_gives_the_address_bills_are_posted_to() -> None:
    address = PostalAddress(
        recipient="c/o Studio Bianchi",
        street="Via Roma",
        number="12/B",
        post_code="20121",
        city="Milano",
        province="MI",
    )
    changed = change(
        kind="postal_delivery",
        delivery=DeliveryPublic(channel="post", address=address),
        payment=PaymentPublic(method="pagopa"),
    )

    text = plain(billing_change_confirmation("ev-3", changed, MARIO, "https://area.example"))

    assert "per posta a c/o Studio Bianchi, Via Roma 12/B, 20121 Milano (MI)" in text


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("iban", "Area Clienti: IBAN per l'addebito delle bollette modificato"),
        ("pagopa", "Area Clienti: pagamento delle bollette con avviso pagoPA"),
        ("postal_delivery", "Area Clienti: indirizzo di recapito delle bollette modificato"),
    ],
)
def test_each_kind_of_change_has_its_own_subject(kind: str, subject: str) -> None:
    mail = billing_change_confirmation("ev-4", change(kind=kind), MARIO, "https://area.example")
    assert mail.subject == subject


def test_a_whole_iban_from_a_faulty_producer_never_reaches_the_mail() -> None:
    payment = PaymentPublic(method="direct_debit", iban_masked=WHOLE_IBAN)

    mail = billing_change_confirmation("ev-5", change(payment=payment), MARIO, "https://x")

    rendered = TEMPLATES.render(mail).as_string()
    assert WHOLE_IBAN not in rendered
    assert WHOLE_IBAN[4:-4] not in rendered
    assert MASKED in plain(mail)


# Sending it


class FakeDirectory:
    """`MongoRecipients` in memory, with its rule: a newer address, or an erasure, stays."""

    def __init__(self, *recipients: Recipient) -> None:
        self.kept: dict[str, tuple[datetime, Recipient | None]] = {
            r.account_id: (AT - timedelta(days=1), r) for r in recipients
        }

    async def keep(self, recipient: Recipient, at: datetime, session: Any = None) -> bool:
        known = self.kept.get(recipient.account_id)
        if known is not None and known[0] >= at:
            return False
        self.kept[recipient.account_id] = (at, recipient)
        return True

    async def recipient(self, account_id: str) -> Recipient | None:
        known = self.kept.get(account_id)
        return None if known is None else known[1]

    async def forget(self, account_id: str, session: Any = None) -> None:
        self.kept[account_id] = (datetime.max.replace(tzinfo=UTC), None)


class FakeClaims:
    """Done once per key; a key held by another delivery raises, as the kit's claims do."""

    def __init__(self) -> None:
        self.done: set[str] = set()
        self.held: set[str] = set()

    async def once(self, key: str, effect: Callable[[], Awaitable[None]]) -> bool:
        if key in self.held:
            raise ClaimHeld(key, AT)
        if key in self.done:
            return False
        await effect()
        self.done.add(key)
        return True


class FakeMailer:
    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.outbox.append(message)


class FakeMessageLog:
    def __init__(self) -> None:
        self.recorded_sent: list[str] = []

    async def queued(self, mail: Mail) -> None: ...

    async def attempting(self, mail: Mail) -> None: ...

    async def failed(self, mail: Mail, error: str) -> None: ...

    async def sent(self, mail: Mail) -> None:
        self.recorded_sent.append(mail.key)


class Outbound:
    """Everything `confirm_billing_change` sends through, in memory."""

    def __init__(self, directory: FakeDirectory) -> None:
        self.directory = directory
        self.claims = FakeClaims()
        self.mailer = FakeMailer()
        self.messages = FakeMessageLog()

    async def confirm(self, event_id: str, changed: BillingProfilesChanged) -> bool:
        return await confirm_billing_change(
            event_id,
            changed,
            directory=self.directory,
            portal_url="https://area.example",
            claims=self.claims,
            mailer=self.mailer,
            templates=TEMPLATES,
            messages=self.messages,
        )


async def test_the_confirmation_goes_once_to_the_address_the_directory_knows() -> None:
    out = Outbound(FakeDirectory(MARIO))

    first = await out.confirm("ev-1", change())
    again = await out.confirm("ev-1", change())  # the same event, delivered twice

    assert (first, again) == (True, False)
    assert out.messages.recorded_sent == ["ev-1:billing-change", "ev-1:billing-change"]
    (sent,) = out.mailer.outbox
    assert sent["To"] == "mario.rossi@example.it"
    assert sent["Message-ID"] == "<ev-1.billing-change@sportello.example>"


async def test_a_delivery_racing_the_first_one_raises_for_a_later_retry() -> None:
    out = Outbound(FakeDirectory(MARIO))
    out.claims.held.add("ev-1:billing-change")

    with pytest.raises(ClaimHeld):
        await out.confirm("ev-1", change())
    assert out.mailer.outbox == []


async def test_an_account_the_directory_does_not_know_gets_no_mail_and_no_retry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    out = Outbound(FakeDirectory(MARIO))

    sent = await out.confirm("ev-9", change(account_id="acc-unknown"))

    assert sent is False
    assert out.mailer.outbox == []
    assert "chg-91d2" in caplog.text
    assert "acc-unknown" in caplog.text
    assert "no address known" in caplog.text


async def test_a_change_made_by_an_operator_mails_nobody() -> None:
    operator = Recipient("op-31c2", "paolo.rossi@fornitore.example.it", "Paolo Rossi")
    out = Outbound(FakeDirectory(MARIO, operator))

    sent = await out.confirm("ev-6", change(account_id="op-31c2", actor_role="operator"))

    assert sent is False
    assert out.mailer.outbox == []


async def test_after_the_account_is_deleted_its_changes_are_mailed_to_nobody() -> None:
    directory = FakeDirectory(MARIO)
    out = Outbound(directory)

    await forget_recipient(MARIO.account_id, directory=directory)

    assert await out.confirm("ev-7", change()) is False
    assert out.mailer.outbox == []


# The directory, from identity's announcements


def contact(email: str, at: datetime) -> AccountContactSet:
    return AccountContactSet(
        account_id=MARIO.account_id, email=email, full_name=MARIO.full_name, at=at
    )


async def test_the_newest_announced_address_is_the_one_mail_goes_to() -> None:
    directory = FakeDirectory()
    out = Outbound(directory)
    newer = contact("mario@nuovo.example", AT + timedelta(minutes=5))
    older = contact("mario.rossi@example.it", AT)

    assert await keep_recipient(newer, directory=directory, session=None) is True
    # The registration's announcement, redelivered after the confirmed address's.
    assert await keep_recipient(older, directory=directory, session=None) is False
    await out.confirm("ev-8", change())

    (sent,) = out.mailer.outbox
    assert sent["To"] == "mario@nuovo.example"
