"""What stops `sportello-local` from starting is one line saying what to do, and a non-zero exit:
never a traceback, never Docker in place of a broker someone named."""

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sportello_deploy.servers import SecantusDB, ServerUnavailable, ensure_rabbitmq, free_port


def _run_local(tmp_path: Path, **env: str) -> str:
    """The runner's one line of refusal (it must fail at once)."""
    environment = {
        **os.environ,
        "SPORTELLO_HOME": str(tmp_path / "home"),
        "GATEWAY_PORT": str(free_port()),
        "GATEWAY_INTERNAL_PORT": str(free_port()),
        "SMTP_PORT": str(free_port()),
        "SECANTUS_PORT": str(free_port()),
        **env,
    }
    environment.pop("MONGO_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "sportello_deploy.local"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout == ""  # nothing was started, so nothing is stopped
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("cannot start: ")
    return lines[0]


@pytest.fixture
def held_port() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_an_unreachable_broker_named_in_rabbitmq_url_is_reported_without_trying_docker(
    tmp_path: Path,
) -> None:
    port = free_port()
    line = _run_local(tmp_path, RABBITMQ_URL=f"amqp://guest:s3cret@127.0.0.1:{port}/")
    assert f"no RabbitMQ answers at 127.0.0.1:{port}" in line
    assert "RABBITMQ_URL" in line
    assert "docker" not in line.lower()
    assert "s3cret" not in line


@pytest.mark.parametrize("variable", ["GATEWAY_PORT", "GATEWAY_INTERNAL_PORT", "SMTP_PORT"])
def test_a_taken_port_is_named_with_the_variable_that_moves_it(
    variable: str, held_port: int, tmp_path: Path
) -> None:
    line = _run_local(tmp_path, **{variable: str(held_port)})
    assert f"port {held_port} ({variable}) is taken" in line
    assert f"set {variable} to a free port" in line


def test_a_port_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    line = _run_local(tmp_path, SMTP_PORT="smtp")
    assert "SMTP_PORT is 'smtp': set it to a port number" in line


# Missing programs, through the functions the runner calls (their refusals are its line).


def test_no_broker_installed_and_no_docker_says_to_install_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ServerUnavailable, match="install RabbitMQ") as refused:
        ensure_rabbitmq(f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    assert "RABBITMQ_URL" in str(refused.value)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # testcontainers' own imports
def test_docker_without_an_engine_is_one_sentence_not_dockers_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if shutil.which("docker") is None:
        pytest.skip("no Docker client here")
    if os.environ.get("DOCKER_HOST") or Path("/var/run/docker.sock").exists():
        pytest.skip("a Docker engine may run here: it would start a broker")
    which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name: None if name == "rabbitmq-server" else which(name)
    )
    with pytest.raises(ServerUnavailable, match="Docker could not start one") as refused:
        ensure_rabbitmq(f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    assert "set RABBITMQ_URL" in str(refused.value)


def test_secantusdb_not_installed_says_how_to_get_it_or_do_without(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(
        ServerUnavailable, match=r"SecantusDB \(secantusd-py\) is not installed"
    ) as refused:
        SecantusDB(free_port(), str(tmp_path / "db")).start()
    assert "MONGO_URL" in str(refused.value)
