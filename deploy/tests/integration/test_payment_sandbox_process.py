"""The payments sandbox as the local run and the tests start it: a process configured by its
environment, stopped cleanly, refusing with one line a port it cannot have."""

import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from sportello_deploy.processes import PAYMENT_SANDBOX, Deployable
from sportello_deploy.servers import free_port, wait_for_port

API_KEY = "sandbox-process-test-key"
ORDER = {
    "reference": "pay_process_test",
    "amount_cents": 5000,
    "currency": "EUR",
    "description": "Bolletta n. 2026/000321",
    "method": "card",
    "notice_number": None,
    "success_url": "http://127.0.0.1:8000/pagato",
    "cancel_url": "http://127.0.0.1:8000/non-pagato",
    "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
}


def test_the_sandbox_runs_as_a_process_configured_by_its_environment(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PAYMENT_SANDBOX_PORT": str(port),
        "PAYMENT_SANDBOX_PUBLIC_URL": "http://pagamenti.localhost:9999/",
        "PAYMENT_SANDBOX_API_KEY": API_KEY,
    }
    sandbox = Deployable(PAYMENT_SANDBOX, env, tmp_path / "sandbox.log")
    assert sandbox.module == "sportello_deploy.payment_sandbox"
    sandbox.start()
    try:
        wait_for_port("127.0.0.1", port, 30, "the sandbox", sandbox.process)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/health").status_code == 200
        answer = httpx.post(
            f"{base}/v1/checkouts", json=ORDER, headers={"Authorization": f"Bearer {API_KEY}"}
        )
        assert answer.status_code == 201
        assert answer.json()["url"].startswith("http://pagamenti.localhost:9999/checkout/chk_")
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    assert sandbox.process is not None
    # A clean stop: uvicorn shuts the app down, then ends by the signal it was stopped with.
    assert sandbox.process.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in (tmp_path / "sandbox.log").read_text()


def test_a_taken_port_stops_the_sandbox_with_one_line() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "sportello_deploy.payment_sandbox"],
            env={**os.environ, "PAYMENT_SANDBOX_PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in run.stderr
