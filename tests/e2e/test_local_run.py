"""The README's first command: the whole system with demo data, stopped by Ctrl-C, rerun safely;
what dies meanwhile (a service, the database) comes back by itself."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from sportello_deploy.demo import DEMO_CUSTOMERS, DEMO_LOGIN, DEMO_OPERATOR
from sportello_deploy.servers import delete_broker_objects, free_port

pytestmark = pytest.mark.e2e


def _run_until_ready(env: dict[str, str], output: Path) -> subprocess.Popen[bytes]:
    with output.open("wb") as sink:
        runner = subprocess.Popen(
            [sys.executable, "-m", "sportello_deploy.local"], env=env, stdout=sink, stderr=sink
        )
    deadline = time.monotonic() + 90
    while "Press Ctrl-C to stop." not in output.read_text():
        assert runner.poll() is None, output.read_text()
        assert time.monotonic() < deadline, output.read_text()
        time.sleep(0.2)
    return runner


def _child(runner: subprocess.Popen[bytes], command: str) -> int | None:
    """The pid of the runner's child process whose command line mentions `command`."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == runner.pid and command.encode() in cmdline:
            return int(stat.parent.name)
    return None


def _wait_for(what: str, check: Callable[[], object], output: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what}:\n{output.read_text()}"
        time.sleep(0.2)


def _logs_in(gateway: str, login: dict[str, str]) -> bool:
    try:
        return httpx.post(f"{gateway}/v1/auth/login", json=login).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(runner: subprocess.Popen[bytes], output: Path) -> None:
    runner.send_signal(signal.SIGINT)  # Ctrl-C
    assert runner.wait(60) == 0, output.read_text()
    assert "stopped." in output.read_text()


# The demo login's bills of the last two years: gas every two months, electricity monthly.
DEMO_LOGIN_BILLS = 30


def _bills(gateway: str, headers: dict[str, str]) -> list[str]:
    answer = httpx.get(f"{gateway}/v1/bills", params={"limit": 100}, headers=headers)
    assert answer.status_code == 200, answer.text
    return [b["bill_number"] for g in answer.json()["groups"] for b in g["bills"]]


def _statuses(gateway: str, headers: dict[str, str]) -> dict[str, str]:
    answer = httpx.get(f"{gateway}/v1/bills", params={"limit": 100}, headers=headers)
    return {b["bill_number"]: b["status"] for g in answer.json()["groups"] for b in g["bills"]}


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Rome")).date()


def _backoffice(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [Path(sys.executable).parent / "sportello-backoffice", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _pays_a_bill_through_the_sandbox(
    gateway: str, demo: dict[str, str], env: dict[str, str], output: Path
) -> None:
    """The demo's payment history shows, and the demo login pays a bill now at the sandbox:
    "paid, being registered", then "paid" once the simulator registers it."""
    statuses = _statuses(gateway, demo)
    assert {"paid", "partially_paid", "in_instalments"} <= set(statuses.values()), statuses
    payable = [n for n, status in statuses.items() if status in ("unpaid", "overdue")]
    detail = {}
    for number in payable:
        detail = httpx.get(f"{gateway}/v1/bills/{number}", headers=demo).json()
        if detail["pay_now"] is not None:
            break
    assert detail.get("pay_now"), payable
    number = detail["bill_number"]
    started = httpx.post(
        f"{gateway}/v1/bills/{number}/payments",
        json={"method": "card"},
        headers={**demo, "Idempotency-Key": "demo-pay-1"},
    )
    assert started.status_code == 201, started.text
    paid = httpx.post(f"{started.json()['checkout_url']}/pay")
    assert paid.status_code == 303, paid.text
    _wait_for(
        "paid, being registered",
        lambda: _statuses(gateway, demo)[number] == "paid_pending",
        output,
    )
    assert started.json()["payment_id"] in _backoffice(env, "payments-register-online")
    _wait_for("paid", lambda: _statuses(gateway, demo)[number] == "paid", output)


def _reading(gateway: str, headers: dict[str, str], reading_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{gateway}/v1/readings/{reading_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    reading: dict[str, Any] = answer.json()
    return reading


def _reads_the_gas_meter_and_follows_it_to_a_bill(
    gateway: str, demo: dict[str, str], env: dict[str, str], output: Path
) -> None:
    """The home box asks for the gas meter's digits; the simulator's distributor validates the
    reading, then a bill uses it: the tracker shows each step. The smart meter's consumption
    by month against last year, and a day of its 15-minute data split by band."""

    def open_box() -> dict[str, Any] | None:
        home = httpx.get(f"{gateway}/v1/home", headers=demo).json()
        boxes = [b for b in home["reading_boxes"] if b["state"] == "open" and b["last_reading"]]
        return boxes[0] if boxes else None

    _wait_for("the gas meter's reading box", open_box, output)
    home = httpx.get(f"{gateway}/v1/home", headers=demo).json()
    box = open_box()
    assert box is not None
    supply, last = box["supply_id"], box["last_reading"]["values"]["total"]
    sent = httpx.post(
        f"{gateway}/v1/supplies/{supply}/readings",
        json={"digits": str(last + 40)},
        headers=demo,
    )
    assert sent.status_code == 201, sent.text
    reading_id = sent.json()["reading"]["reading_id"]
    assert reading_id in _backoffice(env, "readings-answer")
    _wait_for(
        "the reading validated",
        lambda: _reading(gateway, demo, reading_id)["status"] == "validated",
        output,
    )
    today = _today().isoformat()
    _backoffice(
        env,
        "bill-issue",
        "--bill-number", f"RDG-BILL-{supply}",
        "--supply-id", supply,
        "--customer-code", box["customer_code"],
        "--commodity", "gas",
        "--period-start", (_today() - timedelta(days=30)).isoformat(),
        "--period-end", today,
        "--issued-on", today,
        "--consumption", "40",
        "--unit-price", "0.66",
        "--fixed", "20.00",
        "--reading", str(last + 40),
        "--reading-on", today,
        "--reading-kind", "self",
        "--payment-method", "pagopa",
    )  # fmt: skip
    _wait_for(
        "the reading billed",
        lambda: _reading(gateway, demo, reading_id)["status"] == "billed",
        output,
    )
    steps = [s["status"] for s in _reading(gateway, demo, reading_id)["steps"]]
    # "forwarded" and "validated" are published one after the other and may be handled in
    # either order: a "forwarded" coming after "validated" is stale and not shown.
    assert steps in (["received", "forwarded", "validated", "billed"],
                     ["received", "validated", "billed"]), steps  # fmt: skip

    smart = next(b["supply_id"] for b in home["reading_boxes"] if b["state"] == "read_remotely")
    usage = httpx.get(f"{gateway}/v1/supplies/{smart}/consumption", headers=demo).json()
    assert any(m["quantity"] and m["previous_year"] for m in usage["months"]), usage
    yesterday = (_today() - timedelta(days=1)).isoformat()
    day = httpx.get(
        f"{gateway}/v1/supplies/{smart}/intervals", params={"on": yesterday}, headers=demo
    ).json()
    assert len(day["points"]) == 96, day
    assert {b["band"] for b in day["bands"]} == {"F1", "F2", "F3"}, day


def test_runs_with_demo_data_stops_cleanly_and_keeps_its_data(tmp_path: Path, servers: Any) -> None:
    gateway_port, internal_port = free_port(), free_port()
    prefix = f"{servers.prefix}-local"
    env = {
        **os.environ,
        "SPORTELLO_HOME": str(tmp_path / "home"),
        "GATEWAY_PORT": str(gateway_port),
        "GATEWAY_INTERNAL_PORT": str(internal_port),
        "SMTP_PORT": str(free_port()),
        "SECANTUS_PORT": str(free_port()),
        "PAYMENT_SANDBOX_PORT": str(free_port()),
        "BUS_PREFIX": prefix,
        "RABBITMQ_URL": servers.rabbitmq_url,
        # Classic dead letters, as the tests' own: RabbitMQ 3.10 on one node stalls for good
        # with two prefixes' worth of quorum ones (production: quorum).
        "BUS_DEAD_LETTER_QUEUE_TYPE": "classic",
    }
    env.pop("MONGO_URL", None)  # the runner's own SecantusDB, with its data folder
    # Unset, a deployable assumes production (and refuses the demo secrets): the runner itself
    # says development for everything it starts.
    env.pop("SPORTELLO_ENV", None)
    gateway = f"http://127.0.0.1:{gateway_port}"
    login = {"username": DEMO_LOGIN.username, "password": DEMO_LOGIN.password}
    operator = {"username": DEMO_OPERATOR.username, "password": DEMO_OPERATOR.password}
    try:
        first = _run_until_ready(env, tmp_path / "first.log")
        try:
            banner = (tmp_path / "first.log").read_text()
            assert gateway in banner
            assert f"http://127.0.0.1:{internal_port}/health" in banner
            assert DEMO_LOGIN.password in banner
            assert DEMO_OPERATOR.password in banner
            assert DEMO_CUSTOMERS[1].registration_pin in banner
            assert str(tmp_path / "home" / "mail") in banner
            signed_in = httpx.post(f"{gateway}/v1/auth/login", json=login)
            assert signed_in.status_code == 200
            demo = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
            # The demo login's supplies and two years of bills, as billing consumes them.
            _wait_for(
                "the demo bills",
                lambda: len(_bills(gateway, demo)) >= DEMO_LOGIN_BILLS,
                tmp_path / "first.log",
            )
            home = httpx.get(f"{gateway}/v1/home", headers=demo).json()
            assert len(home["active_supplies"]) == 2
            assert len(home["latest_bills"]) == 3
            newest = home["latest_bills"][0]["bill_number"]
            summary = httpx.get(f"{gateway}/v1/bills/{newest}/summary.pdf", headers=demo)
            assert summary.content.startswith(b"%PDF")
            _pays_a_bill_through_the_sandbox(gateway, demo, env, tmp_path / "first.log")
            _reads_the_gas_meter_and_follows_it_to_a_bill(
                gateway, demo, env, tmp_path / "first.log"
            )
            # The demo operator logs in (and must enrol TOTP before anything else).
            signed_in = httpx.post(f"{gateway}/v1/auth/login", json=operator)
            assert signed_in.status_code == 200, signed_in.text
            me = httpx.get(
                f"{gateway}/v1/me",
                headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"},
            )
            assert me.json()["role"] == "operator"
            # The demo login's registration summary, its payment's receipt and registration,
            # and its reading's: received, validated, used in a bill.
            mailbox = tmp_path / "home" / "mail" / "new"
            _wait_for("6 mails", lambda: len(list(mailbox.iterdir())) >= 6, tmp_path / "first.log")
            time.sleep(0.5)  # and no seventh after them
            assert len(list(mailbox.iterdir())) == 6
            # Someone tries a PIN from the banner.
            customer = DEMO_CUSTOMERS[1]
            registered = httpx.post(
                f"{gateway}/v1/auth/register",
                json={
                    "fiscal_code": customer.fiscal_code,
                    "registration_pin": customer.registration_pin,
                    "username": "giulia.prova",
                    "password": "Ciao-Mondo-2026",
                },
            )
            assert registered.status_code == 201, registered.text

            relogin = {"username": "giulia.prova", "password": "Ciao-Mondo-2026"}
            assert httpx.post(f"{gateway}/v1/auth/login", json=relogin).status_code == 200

            # A service and the database die: both are back after a pause, said on the console.
            # (Not at once: SecantusDB, like MongoDB without `j: true`, writes its log in the
            # background, so a kill -9 within ~0.2 s of a commit loses it.)
            time.sleep(0.5)
            output = tmp_path / "first.log"
            identity, database = _child(first, "sportello_identity"), _child(first, "secantusd")
            assert identity is not None
            assert database is not None
            os.kill(identity, signal.SIGKILL)
            os.kill(database, signal.SIGKILL)
            for name in ("identity", "database"):
                said = f"! {name} stopped (killed by SIGKILL); restarting in 1 s"
                _wait_for(f"{name} reported", lambda: said in output.read_text(), output)  # noqa: B023
            _wait_for(
                "identity restarted",
                lambda: _child(first, "sportello_identity") not in (None, identity),
                output,
            )
            _wait_for(
                "the database restarted",
                lambda: _child(first, "secantusd") not in (None, database),
                output,
            )
            _wait_for("logging in again", lambda: _logs_in(gateway, login), output)
            again = httpx.post(f"{gateway}/v1/auth/login", json=relogin)
            assert again.status_code == 200, again.text
        finally:
            _stop(first, tmp_path / "first.log")

        second = _run_until_ready(env, tmp_path / "second.log")
        try:
            # The data survived, and the demo was not loaded twice.
            relogin = {"username": "giulia.prova", "password": "Ciao-Mondo-2026"}
            assert httpx.post(f"{gateway}/v1/auth/login", json=relogin).status_code == 200
            assert httpx.post(f"{gateway}/v1/auth/login", json=login).status_code == 200
            assert httpx.post(f"{gateway}/v1/auth/login", json=operator).status_code == 200
            assert len(list((tmp_path / "home" / "mail" / "new").iterdir())) == 7
            token = httpx.post(f"{gateway}/v1/auth/login", json=login).json()["access_token"]
            time.sleep(1)  # what a second load would have published is consumed by now
            bills = _bills(gateway, {"Authorization": f"Bearer {token}"})
            assert len(bills) == len(set(bills)) >= DEMO_LOGIN_BILLS
        finally:
            _stop(second, tmp_path / "second.log")
    finally:
        asyncio.run(delete_broker_objects(servers.rabbitmq_url, prefix))
