"""The directory of recipients on the real database, and the billing change's confirmation sent
by the running service from the real bus to a real SMTP server."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from sportello_contracts.billing_profiles import (
    BillingProfilesChanged,
    DeliveryPublic,
    PaymentPublic,
    SupplyMove,
)
from sportello_contracts.recipients import AccountContactSet
from sportello_deploy.backoffice import BackOffice
from sportello_deploy.servers import MailCatcher, free_port, text_of
from sportello_deploy.testing import eventually
from sportello_kit.mongo import connect
from sportello_notifications.adapters.store import MongoMessageLog, MongoRecipients
from sportello_notifications.bootstrap import bootstrap
from sportello_notifications.domain.messages import Recipient, Status
from sportello_notifications.entrypoints.events import subscribe
from sportello_notifications.settings import NotificationsSettings

pytestmark = pytest.mark.asyncio(loop_scope="session")

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest_asyncio.fixture(loop_scope="session")
async def directory(servers: Any) -> AsyncIterator[MongoRecipients]:
    client = connect(servers.mongo_url)
    name = f"notifications_test_{uuid4().hex[:8]}"
    try:
        yield MongoRecipients(client[name])
    finally:
        await client.drop_database(name)
        await client.close()


def someone() -> Recipient:
    suffix = uuid4().hex[:8]
    return Recipient(f"acc-{suffix}", f"giulia.{suffix}@example.it", "Giulia Bianchi")


# The directory


async def test_a_kept_recipient_is_found_by_its_account(directory: MongoRecipients) -> None:
    giulia = someone()

    assert await directory.keep(giulia, AT) is True

    assert await directory.recipient(giulia.account_id) == giulia
    assert await directory.recipient("acc-nobody") is None


async def test_a_newer_address_wins_whatever_order_the_announcements_arrive_in(
    directory: MongoRecipients,
) -> None:
    giulia = someone()
    confirmed = Recipient(giulia.account_id, "giulia@nuovo.example", giulia.full_name)

    assert await directory.keep(confirmed, AT + timedelta(minutes=5)) is True
    assert await directory.keep(giulia, AT) is False  # the older one, redelivered late
    assert await directory.keep(confirmed, AT + timedelta(minutes=5)) is False  # the same again

    assert await directory.recipient(giulia.account_id) == confirmed


async def test_a_forgotten_recipient_is_gone_and_no_late_announcement_brings_it_back(
    directory: MongoRecipients,
) -> None:
    giulia = someone()
    await directory.keep(giulia, AT)

    await directory.forget(giulia.account_id)
    late = Recipient(giulia.account_id, "giulia@tardi.example", giulia.full_name)
    assert await directory.keep(late, AT + timedelta(days=1)) is False

    assert await directory.recipient(giulia.account_id) is None
    stored = await directory.recipients.find_one({"_id": giulia.account_id})
    assert stored is not None
    assert "email" not in stored
    assert "full_name" not in stored


async def test_forgetting_an_account_never_announced_is_harmless(
    directory: MongoRecipients,
) -> None:
    await directory.forget("acc-never-seen")
    await directory.forget("acc-never-seen")

    assert await directory.recipient("acc-never-seen") is None


# The running service, on the real bus


def change_of(account_id: str) -> BillingProfilesChanged:
    return BillingProfilesChanged(
        change_id=f"chg-{uuid4().hex[:6]}",
        account_id=account_id,
        actor_role="customer",
        kind="direct_debit",
        customer_codes=("C00012345",),
        moves=(
            SupplyMove(
                supply_id="IT001E12345678",
                customer_code="C00012345",
                from_profile="BP-000101",
                to_profile="BP-000124",
                new_profile=True,
            ),
        ),
        opened_profiles=("BP-000124",),
        closed_profiles=("BP-000101",),
        delivery=DeliveryPublic(channel="post"),
        payment=PaymentPublic(
            method="direct_debit",
            holder_name="Giulia Bianchi",
            iban_masked="IT** **** **** **** **** ***3 456",
        ),
        at=AT,
    )


async def test_the_service_mails_a_known_account_once_and_drops_an_unknown_ones(
    servers: Any, tmp_path: Path
) -> None:
    catcher = MailCatcher(tmp_path, free_port())
    catcher.start()
    settings = NotificationsSettings.model_validate(
        {
            "RABBITMQ_URL": servers.rabbitmq_url,
            "MONGO_URL": servers.mongo_url,
            "BUS_PREFIX": f"{servers.prefix}-rcp{secrets.token_hex(2)}",
            "database": f"notifications_rcp_{secrets.token_hex(4)}",
            "smtp_host": "127.0.0.1",
            "smtp_port": catcher.port,
            "smtp_username": None,
            "smtp_password": None,
            "smtp_starttls": False,
            "portal_url": "https://area.example",
        }
    )
    service, deps = bootstrap(settings)
    subscribe(service, deps)
    await service.app.start()
    try:
        giulia = someone()
        changed = change_of(giulia.account_id)
        event_id = uuid4()
        async with BackOffice(servers.rabbitmq_url, settings.bus_prefix) as bus:
            await bus.publish(
                AccountContactSet(
                    account_id=giulia.account_id,
                    email=giulia.email,
                    full_name=giulia.full_name,
                    at=AT,
                )
            )

            async def known() -> Recipient | None:
                return await MongoRecipients(service.database.db).recipient(giulia.account_id)

            await eventually(known, what="the recipient in the directory")
            unknown = await bus.publish(change_of("acc-never-announced"))
            await bus.publish(changed, event_id=event_id)
            await bus.publish(changed, event_id=event_id)  # redelivered by its producer

        async def mailed() -> list[Any]:
            return catcher.messages_to(giulia.email)

        (mail,) = await eventually(mailed, seconds=20, what="the confirmation")
        text = text_of(mail)
        assert "- IT001E12345678: da BP-000101 a BP-000124 (nuovo profilo)" in text
        assert "IT** **** **** **** **** ***3 456" in text
        assert "Se non sei stato tu, contattaci subito" in text

        log = MongoMessageLog(service.database.db)

        async def recorded_sent() -> bool:
            record = await log.record(f"{event_id}:billing-change")
            return record is not None and record.status is Status.SENT

        await eventually(recorded_sent, what="the mail recorded as sent")
        # The event for nobody was consumed (no retry loop, no dead letter) and sent nothing.
        await asyncio.sleep(1)
        assert len(list(catcher.messages())) == 1
        assert await log.record(f"{unknown.event_id}:billing-change") is None
        assert len(catcher.messages_to(giulia.email)) == 1
    finally:
        await service.app.stop()  # it closes its own client
        client = connect(servers.mongo_url)
        await client.drop_database(settings.database)
        await client.close()
        catcher.stop()
