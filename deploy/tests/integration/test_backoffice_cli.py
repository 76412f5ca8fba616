"""`sportello-backoffice` as an operator runs it: checked values, every option explained, and a
non-zero exit with one line when an event reaches no queue. On the real RabbitMQ.

Some run it as a process (what the shell sees), the others through its `main` (faster).
"""

import argparse
import asyncio
import os
import subprocess
import sys
from typing import Any

import aio_pika
import pytest

from sportello_deploy.backoffice import _parser, main
from sportello_deploy.servers import free_port
from sportello_deploy.testing import random_customer

ONBOARD = ("--customer-code", "--fiscal-code", "--name", "--email", "--pin")
BUS = ("--rabbitmq-url", "--prefix")


def _backoffice(*args: str, rabbitmq_url: str, prefix: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RABBITMQ_URL": rabbitmq_url, "BUS_PREFIX": prefix}
    return subprocess.run(
        [sys.executable, "-m", "sportello_deploy.backoffice", *args],
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


@pytest.mark.parametrize(("command", "options"), [("onboard", ONBOARD + BUS), ("demo", BUS)])
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
