"""The README's first command: the whole system with demo data, stopped by Ctrl-C, rerun safely."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from sportello_deploy.demo import DEMO_CUSTOMERS, DEMO_LOGIN
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


def _stop(runner: subprocess.Popen[bytes], output: Path) -> None:
    runner.send_signal(signal.SIGINT)  # Ctrl-C
    assert runner.wait(60) == 0, output.read_text()
    assert "stopped." in output.read_text()


def test_runs_with_demo_data_stops_cleanly_and_keeps_its_data(tmp_path: Path, servers: Any) -> None:
    gateway_port = free_port()
    prefix = f"{servers.prefix}-local"
    env = {
        **os.environ,
        "SPORTELLO_HOME": str(tmp_path / "home"),
        "GATEWAY_PORT": str(gateway_port),
        "SMTP_PORT": str(free_port()),
        "SECANTUS_PORT": str(free_port()),
        "BUS_PREFIX": prefix,
        "RABBITMQ_URL": servers.rabbitmq_url,
    }
    env.pop("MONGO_URL", None)  # the runner's own SecantusDB, with its data folder
    gateway = f"http://127.0.0.1:{gateway_port}"
    login = {"username": DEMO_LOGIN.username, "password": DEMO_LOGIN.password}
    try:
        first = _run_until_ready(env, tmp_path / "first.log")
        try:
            banner = (tmp_path / "first.log").read_text()
            assert gateway in banner
            assert DEMO_LOGIN.password in banner
            assert DEMO_CUSTOMERS[1].registration_pin in banner
            assert str(tmp_path / "home" / "mail") in banner
            assert httpx.post(f"{gateway}/v1/auth/login", json=login).status_code == 200
            demo_mail = list((tmp_path / "home" / "mail" / "new").iterdir())
            assert len(demo_mail) == 1  # the demo login's registration summary
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
        finally:
            _stop(first, tmp_path / "first.log")

        second = _run_until_ready(env, tmp_path / "second.log")
        try:
            # The data survived, and the demo was not loaded twice.
            relogin = {"username": "giulia.prova", "password": "Ciao-Mondo-2026"}
            assert httpx.post(f"{gateway}/v1/auth/login", json=relogin).status_code == 200
            assert httpx.post(f"{gateway}/v1/auth/login", json=login).status_code == 200
            assert len(list((tmp_path / "home" / "mail" / "new").iterdir())) == 2
        finally:
            _stop(second, tmp_path / "second.log")
    finally:
        asyncio.run(delete_broker_objects(servers.rabbitmq_url, prefix))
