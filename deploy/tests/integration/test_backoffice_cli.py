"""`sportello-backoffice` as an operator runs it: checked values, every option explained, and a
non-zero exit with one line when an event reaches no queue. On the real RabbitMQ.

Some run it as a process (what the shell sees), the others through its `main` (faster).
"""

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import aio_pika
import pytest

from sportello_contracts.bills import BillIssued
from sportello_contracts.envelope import Event
from sportello_contracts.supplies import SupplyActivated
from sportello_deploy.backoffice_cli import _parser, main
from sportello_deploy.demo_bills import demo_billing
from sportello_deploy.servers import free_port
from sportello_deploy.testing import random_customer

ONBOARD = ("--customer-code", "--fiscal-code", "--name", "--email", "--pin")
BUS = ("--rabbitmq-url", "--prefix")
SUPPLY_ACTIVATE = (
    "--supply-id",
    "--customer-code",
    "--commodity",
    "--point",
    "--street",
    "--post-code",
    "--offer-code",
    "--meter-serial",
    "--smart",
    "--distributor",
    "--emergency-number",
    "--activated-on",
    "--post",
    "--email",
    "--pagopa",
    "--direct-debit",
    "--holder-name",
    "--holder-fiscal-code",
    "--iban",
)
BILL_ISSUE = (
    "--bill-number",
    "--supply-id",
    "--period-start",
    "--period-end",
    "--issued-on",
    "--due-on",
    "--consumption",
    "--unit-price",
    "--fixed",
    "--payment-method",
    "--notice-position",
)


def _backoffice(*args: str, rabbitmq_url: str, prefix: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RABBITMQ_URL": rabbitmq_url, "BUS_PREFIX": prefix}
    return subprocess.run(
        [sys.executable, "-m", "sportello_deploy.backoffice_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _main(
    *args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> subprocess.CompletedProcess[str]:
    """`main` as the shell would see it: exit status, standard output and error."""
    monkeypatch.setattr(sys, "argv", ["sportello-backoffice", *args])
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exit:
        code = exit.code
    out, err = capsys.readouterr()
    if isinstance(code, str):  # what the interpreter does with sys.exit("message")
        err += code + "\n"
        code = 1
    return subprocess.CompletedProcess(args, code or 0, out, err)


def _onboard_args(**changes: str) -> list[str]:
    customer = random_customer()
    values = {
        "--customer-code": customer.customer_code,
        "--fiscal-code": customer.fiscal_code,
        "--name": customer.full_name,
        "--email": customer.email,
        "--pin": customer.registration_pin,
        **changes,
    }
    return ["onboard", *(part for pair in values.items() for part in pair)]


def _one_line_refusal(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode != 0
    assert "Traceback" not in run.stderr + run.stdout
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("onboard", ONBOARD + BUS),
        ("supply-activate", SUPPLY_ACTIVATE + BUS),
        ("supply-update", ("--supply-id", "--power", "--offer-code", *BUS)),
        ("supply-cease", ("--supply-id", "--ceased-on", *BUS)),
        ("bill-issue", BILL_ISSUE + BUS),
        ("bill-cancel", ("--bill-number", "--reason", *BUS)),
        ("bill-credit", ("--credit-note-number", "--amount", *BUS)),
        (
            "payment-register",
            ("--registration-id", "--amount", "--paid-on", "--channel", "--payment-id", *BUS),
        ),
        ("instalment-plan-approve", ("--plan-id", "--instalments", "--first-due-on", *BUS)),
        ("mandate-activate", ("--mandate-reference", "--activated-on", *BUS)),
        ("mandate-refuse", ("--mandate-reference", "--reason", *BUS)),
        ("payments-register-online", BUS),
        ("mandates-settle", ("--refuse-if-iban-ends-with", "--reason", "--on", *BUS)),
        ("refunds-due", BUS),
        ("demo", BUS),
    ],
)
def test_each_sub_commands_help_lists_every_option_with_what_it_is(
    command: str,
    options: tuple[str, ...],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown = _main(command, "--help", capsys=capsys, monkeypatch=monkeypatch)
    assert shown.returncode == 0
    for option in options:
        assert option in shown.stdout
    subcommands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for action in subcommands.choices[command]._actions:
        assert action.help, action.option_strings  # every option says what it is


def test_a_fiscal_code_with_a_wrong_check_character_is_refused_before_any_connection(
    servers: Any,
) -> None:
    good = random_customer().fiscal_code
    wrong = good[:15] + ("A" if good[15] != "A" else "B")
    # An unreachable broker: the refusal comes before any attempt to connect.
    nowhere = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    run = _backoffice(*_onboard_args(**{"--fiscal-code": wrong}), rabbitmq_url=nowhere, prefix="x")
    line = _one_line_refusal(run)
    assert run.returncode == 2
    assert "--fiscal-code" in line
    assert "check character" in line
    assert wrong not in line


@pytest.mark.parametrize(
    ("option", "value"), [("--pin", "1234567"), ("--email", "mario.rossi.example.it")]
)
def test_a_value_of_the_wrong_shape_is_refused_naming_its_option(
    option: str, value: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _main(*_onboard_args(**{option: value}), capsys=capsys, monkeypatch=monkeypatch)
    assert f"argument {option}:" in _one_line_refusal(run)


def test_a_customer_is_published_with_its_pin_and_confirmed(
    servers: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--rabbitmq-url", servers.rabbitmq_url, "--prefix", servers.prefix, *_onboard_args()]
    run = _main(*args, capsys=capsys, monkeypatch=monkeypatch)
    assert run.returncode == 0, run.stderr
    assert [line.split()[:2] for line in run.stdout.splitlines()] == [
        ["published", "backoffice.customer.onboarded"],
        ["published", "backoffice.registration_pin.issued"],
    ]


def test_a_prefix_with_no_exchange_is_an_error_not_a_lost_customer(
    servers: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The options after the sub-command, this time.
    bus = ["--rabbitmq-url", servers.rabbitmq_url, "--prefix", f"{servers.prefix}-typo"]
    run = _main(*_onboard_args(), *bus, capsys=capsys, monkeypatch=monkeypatch)
    line = _one_line_refusal(run)
    assert f"no exchange {servers.prefix}-typo.events" in line
    assert "--prefix" in line


async def _declare_exchange_alone(rabbitmq_url: str, name: str) -> None:
    connection = await aio_pika.connect(rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True)


def test_an_event_that_no_queue_receives_is_an_error_with_a_non_zero_exit(servers: Any) -> None:
    # Another installation's prefix, whose exchange exists but whose topology never ran.
    prefix = f"{servers.prefix}-bare"
    asyncio.run(_declare_exchange_alone(servers.rabbitmq_url, f"{prefix}.events"))
    run = _backoffice(*_onboard_args(), rabbitmq_url=servers.rabbitmq_url, prefix=prefix)
    line = _one_line_refusal(run)
    assert "no queue receives backoffice.customer.onboarded" in line
    assert "nothing was delivered" in line


def test_an_unreachable_broker_is_one_line_without_the_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    url = f"amqp://guest:s3cret@127.0.0.1:{port}/"
    run = _main("demo", "--rabbitmq-url", url, capsys=capsys, monkeypatch=monkeypatch)
    line = _one_line_refusal(run)
    assert f"cannot reach RabbitMQ at 127.0.0.1:{port} (connection refused)" in line
    assert "s3cret" not in line


# Supplies and bills, on an installation of their own: an events exchange and one queue that
# taps everything the back-office publishes (no service receives the test's supplies).


@dataclass(frozen=True)
class Tap:
    rabbitmq_url: str
    prefix: str
    queue: str

    @property
    def bus(self) -> list[str]:
        return ["--rabbitmq-url", self.rabbitmq_url, "--prefix", self.prefix]

    def taken(self) -> list[dict[str, Any]]:
        """Every event published since the last call, oldest first, taken off the queue."""
        return asyncio.run(self._take())

    async def _take(self) -> list[dict[str, Any]]:
        connection = await aio_pika.connect(self.rabbitmq_url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.get_queue(self.queue)
            taken = []
            while (message := await queue.get(fail=False, no_ack=True)) is not None:
                taken.append(json.loads(message.body))
            return taken


async def _open_tap(tap: Tap) -> None:
    connection = await aio_pika.connect(tap.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        events = await channel.declare_exchange(
            f"{tap.prefix}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(tap.queue, durable=False)
        await queue.bind(events, routing_key="backoffice.#")


async def _close_tap(tap: Tap) -> None:
    connection = await aio_pika.connect(tap.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(tap.queue)
        await channel.exchange_delete(f"{tap.prefix}.events")


@pytest.fixture
def tap(servers: Any) -> Iterator[Tap]:
    prefix = f"{servers.prefix}-tap-{secrets.token_hex(3)}"
    opened = Tap(servers.rabbitmq_url, prefix, f"{prefix}.everything")
    asyncio.run(_open_tap(opened))
    try:
        yield opened
    finally:
        asyncio.run(_close_tap(opened))


def _pairs(values: dict[str, str | None]) -> list[str]:
    """Options and their values; "" is a flag, None an option left out."""
    given = {option: value for option, value in values.items() if value is not None}
    flags = [option for option, value in given.items() if value == ""]
    return [part for option, value in given.items() if value for part in (option, value)] + flags


def _supply_args(**changes: str | None) -> list[str]:
    """A gas supply by post on pagoPA; `changes` replace options (None drops one)."""
    values: dict[str, str | None] = {
        "--supply-id": f"FG{secrets.randbelow(10**8):08d}",
        "--customer-code": random_customer().customer_code,
        "--commodity": "gas",
        "--point": "0088 1234 5678 90",
        "--street": "Via Roma",
        "--number": "12",
        "--post-code": "00184",
        "--city": "Roma",
        "--province": "rm",
        "--offer-code": "GAS-CASA-VAR",
        "--offer-name": "Gas Casa Indicizzata",
        "--meter-serial": "PGM-0457812",
        "--distributor": "Italgas Reti",
        "--emergency-number": "800 900 999",
        "--activated-on": "2026-01-15",
        "--post": "",
        "--pagopa": "",
        **changes,
    }
    return ["supply-activate", *_pairs(values)]


DIRECT_DEBIT = {
    "--pagopa": None,
    "--direct-debit": "",
    "--holder-name": "Giulia Bianchi",
    "--holder-fiscal-code": "BNCGLI85M52F205H",
    "--iban": "IT60 X054 2811 1010 0000 0123 456",
}


@pytest.mark.parametrize(
    ("changes", "option", "reason"),
    [
        ({"--point": "IT001E12345678"}, "--point", "a PDR is 14 digits"),
        ({"--commodity": "electricity"}, "--point", "a POD is IT"),
        (
            {**DIRECT_DEBIT, "--iban": "IT60X0542811101000000123457"},
            "--iban",
            "its check digits do not match",
        ),
        (
            {**DIRECT_DEBIT, "--holder-fiscal-code": "BNCGLI85M52F205A"},
            "--holder-fiscal-code",
            "check character",
        ),
        ({**DIRECT_DEBIT, "--iban": None}, "--iban", "a direct debit needs"),
        ({"--power": "3"}, "--power", "a gas supply has no contracted power"),
    ],
)
def test_a_supply_the_back_office_would_never_send_exits_2_and_publishes_nothing(
    changes: dict[str, str | None],
    option: str,
    reason: str,
    tap: Tap,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = _supply_args(**changes)
    run = _main(*tap.bus, *args, capsys=capsys, monkeypatch=monkeypatch)
    line = _one_line_refusal(run)
    assert run.returncode == 2
    assert f"argument {option}:" in line
    assert reason in line
    assert "IT60X0542811101000000123457" not in line
    assert tap.taken() == []


def test_a_gas_supply_is_published_with_its_point_address_and_postal_delivery(
    tap: Tap, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = _supply_args()
    run = _main(*tap.bus, *args, capsys=capsys, monkeypatch=monkeypatch)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[:2] == ["published", "backoffice.supply.activated"]
    (event,) = tap.taken()
    supply = Event[SupplyActivated].model_validate(event).payload
    assert supply.supply_id == args[args.index("--supply-id") + 1]
    assert (supply.commodity, supply.point_id) == ("gas", "00881234567890")
    assert supply.address.province == "RM"
    assert supply.delivery.channel == "post"
    assert supply.delivery.address == supply.address  # type: ignore[union-attr]
    assert supply.payment.method == "pagopa"
    assert supply.activated_on == date(2026, 1, 15)


def test_an_electricity_supply_on_direct_debit_with_e_bills_is_published(
    tap: Tap, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    changes = {
        "--commodity": "electricity",
        "--point": "it001e12345678",
        "--power": "4,5",
        "--post": None,
        "--email": "giulia.bianchi@example.it",
        **DIRECT_DEBIT,
    }
    args = [*_supply_args(**changes), "--smart"]
    run = _main(*tap.bus, *args, capsys=capsys, monkeypatch=monkeypatch)
    assert run.returncode == 0, run.stderr
    # The IBAN goes on the bus (billing needs it) but is never printed.
    assert "0123456" not in run.stdout
    (event,) = tap.taken()
    supply = Event[SupplyActivated].model_validate(event).payload
    assert (supply.point_id, supply.contracted_power_kw) == ("IT001E12345678", 4.5)
    assert supply.meter.smart
    assert supply.delivery.channel == "email"
    assert supply.payment.method == "direct_debit"
    assert supply.payment.iban == "IT60X0542811101000000123456"  # type: ignore[union-attr]


def _bill_args(**changes: str | None) -> list[str]:
    values: dict[str, str | None] = {
        "--bill-number": f"B{secrets.randbelow(10**8):08d}",
        "--customer-code": "C00010001",
        "--supply-id": "FG10001",
        "--commodity": "gas",
        "--period-start": "2026-01-01",
        "--period-end": "2026-02-28",
        "--issued-on": "2026-03-12",
        "--consumption": "336",
        "--unit-price": "0,663",
        "--fixed": "23.00",
        "--payment-method": "pagopa",
        "--reading": "5120",
        **changes,
    }
    return ["bill-issue", *_pairs(values)]


def test_a_bill_is_issued_with_an_energy_receipt_that_adds_up_and_a_notice(
    tap: Tap, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _main(*tap.bus, *_bill_args(), capsys=capsys, monkeypatch=monkeypatch)
    assert run.returncode == 0, run.stderr
    (event,) = tap.taken()
    bill = Event[BillIssued].model_validate(event).payload
    sections = [line.section for line in bill.lines]
    assert sections[:2] == ["consumption", "fixed"]
    assert {"taxes", "vat"} <= set(sections)
    assert sum(line.amount_cents for line in bill.lines) == bill.total_cents
    assert bill.lines[0].amount_cents == 22_277  # 336 Smc x 0.663 EUR
    # Winter gas: beyond the reduced VAT's allowance for 59 days, so both rates.
    vat = {line.unit_price for line in bill.lines if line.section == "vat"}
    assert vat == {Decimal("0.10"), Decimal("0.22")}
    assert bill.due_on == date(2026, 4, 1)  # 20 days after the issue date
    assert bill.notice_position is not None
    assert len(bill.notice_position) == 13
    assert bill.readings[0].value == 5120
    all_in = bill.total_cents / 100 / float(bill.consumption.quantity)
    assert 1.0 <= all_in <= 1.3


@pytest.mark.parametrize(
    ("changes", "option"),
    [
        ({"--period-end": "2025-12-31"}, "--period-end"),
        (
            {"--payment-method": "direct_debit", "--notice-position": "0123456789012"},
            "--notice-position",
        ),
        ({"--notice-position": "123"}, "--notice-position"),
        ({"--fixed": "23.001"}, "--fixed"),
        ({"--power-fee": "5"}, "--power-fee"),
    ],
)
def test_a_bill_with_a_wrong_value_exits_2_and_publishes_nothing(
    changes: dict[str, str | None],
    option: str,
    tap: Tap,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = _main(*tap.bus, *_bill_args(**changes), capsys=capsys, monkeypatch=monkeypatch)
    assert run.returncode == 2
    assert f"argument {option}:" in _one_line_refusal(run)
    assert tap.taken() == []


def test_updates_endings_cancellations_and_credit_notes_are_published(
    tap: Tap, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    supply = ["--supply-id", "FE10002", "--customer-code", "C00010002"]
    bill = ["--bill-number", "B202601-FE10002", "--customer-code", "C00010002"]
    commands = [
        ["supply-update", *supply, "--power", "4.5", "--offer-code", "LUCE-X", "--offer-name", "X"],
        ["supply-cease", *supply, "--ceased-on", "2026-03-31"],
        ["bill-cancel", *bill, "--cancelled-on", "2026-03-01", "--reason", "Emessa per errore"],
        [
            "bill-credit",
            *bill,
            "--credit-note-number",
            "NC202601-FE10002",
            "--credited-on",
            "2026-03-02",
            "--amount",
            "12,40",
        ],
    ]
    for command in commands:
        run = _main(*tap.bus, *command, capsys=capsys, monkeypatch=monkeypatch)
        assert run.returncode == 0, run.stderr
    events = tap.taken()
    assert [e["type"] for e in events] == [
        "backoffice.supply.updated",
        "backoffice.supply.ceased",
        "backoffice.bill.cancelled",
        "backoffice.bill.credited",
    ]
    updated, ceased, cancelled, credited = (e["payload"] for e in events)
    assert (updated["contracted_power_kw"], updated["offer_code"]) == (4.5, "LUCE-X")
    assert updated["address"] is None  # nothing said about it: unchanged
    assert ceased["ceased_on"] == "2026-03-31"
    assert cancelled["reason"] == "Emessa per errore"
    assert credited["amount_cents"] == 1240


def test_an_update_that_changes_nothing_or_half_a_pair_is_refused(
    tap: Tap, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    supply = ["supply-update", "--supply-id", "FE10002", "--customer-code", "C00010002"]
    nothing = _main(*tap.bus, *supply, capsys=capsys, monkeypatch=monkeypatch)
    assert "nothing to update" in _one_line_refusal(nothing)
    half = _main(
        *tap.bus, *supply, "--distributor", "Unareti", capsys=capsys, monkeypatch=monkeypatch
    )
    assert "argument --emergency-number: needed with --distributor" in _one_line_refusal(half)
    assert tap.taken() == []


def test_the_demo_publishes_customers_then_supplies_then_two_years_of_bills_and_payments(
    tap: Tap, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _main("demo", *tap.bus, capsys=capsys, monkeypatch=monkeypatch)
    assert run.returncode == 0, run.stderr
    expected = demo_billing(date.today())
    events = tap.taken()
    kinds = [e["type"] for e in events]
    customers = kinds.count("backoffice.customer.onboarded")
    assert customers == 5
    assert kinds.count("backoffice.supply.activated") == len(expected.supplies)
    assert kinds.count("backoffice.bill.issued") == len(expected.bills)
    # In order: no bill before its supply, no supply before its customer.
    first_bill = kinds.index("backoffice.bill.issued")
    last_supply = len(kinds) - 1 - kinds[::-1].index("backoffice.supply.activated")
    last_customer = len(kinds) - 1 - kinds[::-1].index("backoffice.customer.onboarded")
    assert last_customer < kinds.index("backoffice.supply.activated")
    assert last_supply < first_bill
    assert f"{len(expected.bills)} bills" in run.stdout
    # Then what was paid: the plan before its first instalment's payment, every payment after
    # every bill.
    payments = [p for item in expected.bills for p in item.payments]
    assert kinds.count("backoffice.payment.registered") == len(payments) > 50
    assert kinds.count("backoffice.instalment_plan.approved") == 1
    last_bill = len(kinds) - 1 - kinds[::-1].index("backoffice.bill.issued")
    assert last_bill < kinds.index("backoffice.instalment_plan.approved")
    assert kinds.index("backoffice.instalment_plan.approved") < kinds.index(
        "backoffice.payment.registered"
    )
    assert f"{len(payments)} payments, 1 instalment plan" in run.stdout
    # Run again: the very same event ids, which consumers recognise.
    again = _main("demo", *tap.bus, capsys=capsys, monkeypatch=monkeypatch)
    assert again.returncode == 0, again.stderr
    assert [e["event_id"] for e in tap.taken()] == [e["event_id"] for e in events]
