"""The back-office simulator's payments on the real RabbitMQ: what it publishes, and how it reads
what Sportello told the back-office from the back-office's own queues (declared as the topology
step declares them), acknowledging only what it handled.

An installation of its own per test: the events exchange, the back-office's queues for online
payments, direct-debit requests and overpaid bills, and one queue that taps everything the
back-office publishes.
"""

import asyncio
import json
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import aio_pika
import pytest

from sportello_contracts.billing_profiles import DirectDebitRequested
from sportello_contracts.envelope import Event, EventPayload
from sportello_contracts.payments import BillOverpaid, OnlinePaymentSucceeded
from sportello_contracts.subscriptions import BACKOFFICE
from sportello_deploy.backoffice import registration_event_id
from sportello_deploy.backoffice_cli import main
from sportello_kit.declare import declare_exchange, declare_subscription
from sportello_kit.topology import Topology

READ = (OnlinePaymentSucceeded, DirectDebitRequested, BillOverpaid)
IBANS = ("IT60X0542811101000000123456", "IT61X0306909606100000012345")


@dataclass(frozen=True)
class Installation:
    rabbitmq_url: str
    prefix: str

    @property
    def bus(self) -> list[str]:
        return ["--rabbitmq-url", self.rabbitmq_url, "--prefix", self.prefix]

    @property
    def topology(self) -> Topology:
        return Topology(self.prefix)

    @property
    def tap(self) -> str:
        return f"{self.prefix}.tap"

    def queue(self, kind: type[EventPayload]) -> str:
        return self.topology.event_queue_name(BACKOFFICE, kind.ROUTING_KEY)

    def tell_backoffice(self, *payloads: EventPayload) -> list[UUID]:
        """Publish as billing would; the event ids."""
        events = [
            Event.new(p, producer="billing", correlation_id=secrets.token_hex(8)) for p in payloads
        ]
        asyncio.run(
            self._publish([(e.model_dump_json().encode(), e.payload.ROUTING_KEY) for e in events])
        )
        return [e.event_id for e in events]

    def publish_raw(self, body: bytes, routing_key: str) -> None:
        asyncio.run(self._publish([(body, routing_key)]))

    async def _publish(self, messages: list[tuple[bytes, str]]) -> None:
        connection = await aio_pika.connect(self.rabbitmq_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            events = await channel.get_exchange(self.topology.events.name)
            for body, key in messages:
                await events.publish(
                    aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=key,
                    mandatory=True,
                )

    def taken(self, queue: str | None = None) -> list[dict[str, Any]]:
        """Every message in `queue` (default: the tap), oldest first, taken off it."""
        return asyncio.run(self._take(queue or self.tap))

    async def _take(self, name: str) -> list[dict[str, Any]]:
        connection = await aio_pika.connect(self.rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.get_queue(name)
            taken = []
            while (message := await queue.get(fail=False, no_ack=True)) is not None:
                try:
                    taken.append(json.loads(message.body))
                except ValueError:
                    taken.append({"raw": message.body.decode()})
            return taken

    def tap_everything(self, tapped: bool) -> None:
        asyncio.run(self._tap(tapped))

    async def _tap(self, tapped: bool) -> None:
        connection = await aio_pika.connect(self.rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.get_queue(self.tap)
            if tapped:
                await queue.bind(self.topology.events.name, routing_key="backoffice.#")
            else:
                await queue.unbind(self.topology.events.name, routing_key="backoffice.#")


async def _declare(installation: Installation) -> None:
    topology = installation.topology
    connection = await aio_pika.connect(installation.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        # The exchanges a subscription needs; the queues as the topology step declares them.
        for exchange in (topology.events, topology.dead_letters, topology.redeliver):
            await declare_exchange(channel, exchange)
        for kind in READ:
            await declare_subscription(channel, topology, BACKOFFICE, kind.ROUTING_KEY)
        tap = await channel.declare_queue(installation.tap, durable=False)
        await tap.bind(topology.events.name, routing_key="backoffice.#")


async def _remove(installation: Installation) -> None:
    topology = installation.topology
    connection = await aio_pika.connect(installation.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        for kind in READ:
            await channel.queue_delete(installation.queue(kind))
            await channel.queue_delete(f"{installation.queue(kind)}.dead")
        await channel.queue_delete(installation.tap)
        for exchange in (topology.events, topology.dead_letters, topology.redeliver):
            await channel.exchange_delete(exchange.name)


@pytest.fixture
def installation(servers: Any) -> Iterator[Installation]:
    # Under the run's prefix: the run's cleanup removes it too, should this one fail.
    made = Installation(servers.rabbitmq_url, f"{servers.prefix}-pay-{secrets.token_hex(3)}")
    asyncio.run(_declare(made))
    try:
        yield made
    finally:
        asyncio.run(_remove(made))


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def _main(*args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setattr(sys, "argv", ["sportello-backoffice", *args])
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    if isinstance(code, str):
        err, code = err + code + "\n", 1
    return Run(code or 0, out, err)


def _paid(amount_cents: int = 6261, method: str = "card") -> OnlinePaymentSucceeded:
    return OnlinePaymentSucceeded.model_validate(
        {
            "payment_id": f"PAY-{secrets.token_hex(10).upper()}",
            "bill_number": "B202610-FE10001",
            "customer_code": "C00010001",
            "account_id": "acc_demo",
            "amount_cents": amount_cents,
            "method": method,
            "provider": "sandbox",
            "provider_reference": "chk_1",
            "notice_number": None,
            # 23:30 in London, 00:30 of 1 December in Rome.
            "paid_at": datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
        }
    )


def _requested(iban: str) -> DirectDebitRequested:
    return DirectDebitRequested(
        change_id=secrets.token_hex(8),
        mandate_reference=f"MND-{secrets.token_hex(6).upper()}",
        customer_codes=("C00010001",),
        supply_ids=("FE10001",),
        billing_profiles=("BP-000123",),
        holder_name="Mario Rossi",
        holder_fiscal_code="RSSMRA80A01H501U",
        iban=iban,
        requested_on=date(2026, 12, 1),
    )


def test_each_waiting_online_payment_is_registered_once_with_its_payment_id(
    installation: Installation,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    card, pagopa = _paid(), _paid(9101, "pagopa")
    told = installation.tell_backoffice(card, pagopa)
    run = _main(
        "payments-register-online", *installation.bus, capsys=capsys, monkeypatch=monkeypatch
    )
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].startswith(f"registered {card.payment_id} as REG-{card.payment_id}: bill ")
    assert "62.61 EUR by card, paid on 2026-12-01" in lines[0]
    assert "91.01 EUR by pagopa" in lines[1]
    assert lines[2] == "2 online payments registered"
    published = installation.taken()
    assert [e["type"] for e in published] == ["backoffice.payment.registered"] * 2
    first = published[0]
    assert first["payload"] | {"registered_on": None} == {
        "registration_id": f"REG-{card.payment_id}",
        "bill_number": "B202610-FE10001",
        "customer_code": "C00010001",
        "amount_cents": 6261,
        "paid_on": "2026-12-01",
        "registered_on": None,
        "channel": "card",
        "payment_id": card.payment_id,
    }
    # The answer to Sportello's event, traced to it, with an id made from the registration.
    assert first["causation_id"] == str(told[0])
    assert first["event_id"] == str(registration_event_id(f"REG-{card.payment_id}"))
    assert published[1]["payload"]["channel"] == "pagopa"
    # All acknowledged: nothing is registered twice.
    assert installation.taken(installation.queue(OnlinePaymentSucceeded)) == []
    again = _main(
        "payments-register-online", *installation.bus, capsys=capsys, monkeypatch=monkeypatch
    )
    assert again.out == "no online payment waiting\n"
    assert installation.taken() == []
    # Told twice of one payment (a redelivery): the very same registration and event.
    installation.tell_backoffice(card)
    twice = _main(
        "payments-register-online", *installation.bus, capsys=capsys, monkeypatch=monkeypatch
    )
    assert twice.code == 0, twice.err
    (repeated,) = installation.taken()
    assert repeated["event_id"] == first["event_id"]
    assert repeated["payload"]["registration_id"] == first["payload"]["registration_id"]


def test_an_online_payment_whose_registration_is_not_confirmed_stays_waiting(
    installation: Installation,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paid = _paid()
    installation.tell_backoffice(paid)
    installation.tap_everything(False)  # no queue receives a registration: not confirmed
    run = _main(
        "payments-register-online", *installation.bus, capsys=capsys, monkeypatch=monkeypatch
    )
    assert run.code == 1
    assert run.err.splitlines() == [
        f"sportello-backoffice: no queue receives backoffice.payment.registered on "
        f"{installation.prefix}.events, so nothing was delivered: check --prefix (BUS_PREFIX, "
        f"now {installation.prefix!r}), or run sportello-topology for it"
    ]
    installation.tap_everything(True)
    # Still there, for the next run.
    run = _main(
        "payments-register-online", *installation.bus, capsys=capsys, monkeypatch=monkeypatch
    )
    assert run.code == 0, run.err
    assert run.out.splitlines()[-1] == "1 online payment registered"
    (registered,) = installation.taken()
    assert registered["payload"]["payment_id"] == paid.payment_id


def test_a_message_that_cannot_be_registered_goes_to_the_dead_letters_and_the_rest_goes_on(
    installation: Installation,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue = installation.queue(OnlinePaymentSucceeded)
    installation.publish_raw(b"{not json", OnlinePaymentSucceeded.ROUTING_KEY)
    (bad_id,) = installation.tell_backoffice(_paid().model_copy(update={"payment_id": "PAY-x"}))
    good = _paid()
    installation.tell_backoffice(good)
    run = _main(
        "payments-register-online", *installation.bus, capsys=capsys, monkeypatch=monkeypatch
    )
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].startswith(f"registered {good.payment_id}")
    assert "not a billing.online_payment.succeeded event we read" in lines[1]
    assert f"event {bad_id}: cannot be registered: payment_id" in lines[2]
    assert lines[3] == "1 online payment registered"
    assert [e["payload"]["payment_id"] for e in installation.taken()] == [good.payment_id]
    dead = installation.taken(f"{queue}.dead")
    assert len(dead) == 2
    assert installation.taken(queue) == []


def test_mandates_are_activated_or_refused_by_their_ibans_ending_and_no_iban_is_printed(
    installation: Installation,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    accepted, refused = _requested(IBANS[0]), _requested(IBANS[1])
    installation.tell_backoffice(accepted, refused)
    args = ["mandates-settle", *installation.bus, "--refuse-if-iban-ends-with", "12345"]
    run = _main(*args, "--on", "2026-12-03", capsys=capsys, monkeypatch=monkeypatch)
    assert run.code == 0, run.err
    assert run.out.splitlines() == [
        f"activated {accepted.mandate_reference} (customer C00010001, IBAN ending 3456)",
        f"refused {refused.mandate_reference} (customer C00010001, IBAN ending 2345): La banca "
        "non ha accettato il mandato: verifica l'IBAN e l'intestatario del conto",
        "2 mandate requests answered",
    ]
    assert not any(iban[4:] in run.out + run.err for iban in IBANS)
    activated, refusal = installation.taken()
    assert activated["type"] == "backoffice.mandate.activated"
    assert activated["payload"] == {
        "mandate_reference": accepted.mandate_reference,
        "customer_code": "C00010001",
        "activated_on": "2026-12-03",
    }
    assert refusal["type"] == "backoffice.mandate.refused"
    assert refusal["payload"]["refused_on"] == "2026-12-03"
    assert not any(iban in json.dumps([activated, refusal]) for iban in IBANS)
    assert installation.taken(installation.queue(DirectDebitRequested)) == []
    again = _main(*args, capsys=capsys, monkeypatch=monkeypatch)
    assert again.out == "no mandate request waiting\n"


def test_bills_paid_twice_are_listed_as_refunds_due(
    installation: Installation,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    installation.tell_backoffice(
        BillOverpaid(
            bill_number="B202610-FE10001",
            customer_code="C00010001",
            registration_id="REG-2",
            paid_cents=12_522,
            owed_cents=6261,
            refund_cents=6261,
        )
    )
    run = _main("refunds-due", *installation.bus, capsys=capsys, monkeypatch=monkeypatch)
    assert run.code == 0, run.err
    assert run.out.splitlines() == [
        "refund 62.61 EUR on bill B202610-FE10001 (C00010001): paid 125.22 EUR of 62.61 EUR, "
        "registration REG-2",
        "1 refund due",
    ]


def test_payments_plans_and_mandates_are_published_as_the_commands_say(
    installation: Installation,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bill = ["--bill-number", "B202601-FG10001", "--customer-code", "C00010001"]
    mandate = ["--mandate-reference", "MND-1A2B3C4D5E6F", "--customer-code", "C00010001"]
    commands = [
        [
            "payment-register",
            *bill,
            "--registration-id",
            "BO-2026-000123",
            "--amount",
            "100",
            "--paid-on",
            "2026-03-28",
            "--registered-on",
            "2026-03-31",
            "--channel",
            "bank_transfer",
        ],
        [
            "instalment-plan-approve",
            *bill,
            "--plan-id",
            "PLAN-2026-0042",
            "--amount",
            "387,91",
            "--instalments",
            "3",
            "--first-due-on",
            "2026-05-10",
            "--approved-on",
            "2026-04-09",
        ],
        ["mandate-activate", *mandate, "--activated-on", "2026-12-03"],
        ["mandate-refuse", *mandate, "--reason", "Conto chiuso"],
    ]
    for command in commands:
        run = _main(*installation.bus, *command, capsys=capsys, monkeypatch=monkeypatch)
        assert run.code == 0, run.err
        assert run.out.startswith("published backoffice.")
    registered, plan, activated, refused = installation.taken()
    assert registered["event_id"] == str(registration_event_id("BO-2026-000123"))
    assert registered["payload"]["amount_cents"] == 10_000
    assert registered["payload"]["payment_id"] is None
    assert [i["amount_cents"] for i in plan["payload"]["instalments"]] == [12_930, 12_930, 12_931]
    assert plan["payload"]["interest_cents"] == 0
    assert activated["payload"]["activated_on"] == "2026-12-03"
    assert refused["payload"]["reason"] == "Conto chiuso"


def test_a_prefix_with_no_back_office_queue_is_one_line(
    installation: Installation,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asyncio.run(_delete_queue(installation, installation.queue(DirectDebitRequested)))
    run = _main("mandates-settle", *installation.bus, capsys=capsys, monkeypatch=monkeypatch)
    assert run.code == 1
    (line,) = run.err.splitlines()
    assert f"RabbitMQ has no queue {installation.queue(DirectDebitRequested)}" in line


async def _delete_queue(installation: Installation, name: str) -> None:
    connection = await aio_pika.connect(installation.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(name)
