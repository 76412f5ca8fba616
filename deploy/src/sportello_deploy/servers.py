"""The servers Sportello needs, found or started: SecantusDB, RabbitMQ, a local SMTP catcher.

The local runner and the test fixtures both start them through this module.
"""

import asyncio
import contextlib
import logging
import mailbox
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import aio_pika
import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from sportello_deploy.backoffice import broker_address

log = logging.getLogger(__name__)


class ServerUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    """True if something listens on `port` (binding it fails): a server started there would not.

    SO_REUSEADDR, as the servers themselves set it: a port left in TIME_WAIT by a run that just
    stopped is free, a listening one is not.
    """
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def wait_for_port(
    host: str, port: int, seconds: float, what: str, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + seconds
    while not reachable(host, port):
        if process is not None and process.poll() is not None:
            raise ServerUnavailable(f"{what} exited at start (exit {process.returncode})")
        if time.monotonic() > deadline:
            raise ServerUnavailable(f"{what} did not start listening on {host}:{port}")
        time.sleep(0.1)


@dataclass
class SecantusDB:
    """A SecantusDB server process: MongoDB's wire protocol on WiredTiger."""

    port: int
    storage: str  # a folder, or ":memory:"
    process: subprocess.Popen[bytes] | None = None
    log_file: Path | None = None
    name: str = "database"

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, log_file: Path | None = None) -> None:
        """Start it and wait until it listens."""
        if log_file is not None:
            self.log_file = log_file
        self.relaunch()
        wait_for_port("127.0.0.1", self.port, 30, "SecantusDB", self.process)

    def relaunch(self) -> None:
        """Start the process, without waiting: how the local runner restarts one that died."""
        if reachable("127.0.0.1", self.port):
            raise ServerUnavailable(
                f"port {self.port} is taken: stop what listens there (another Sportello?), "
                "or set SECANTUS_PORT to a free port"
            )
        executable = shutil.which("secantusd-py") or str(
            Path(sys.executable).with_name("secantusd-py")
        )
        if not Path(executable).is_file():
            raise ServerUnavailable(
                "SecantusDB (secantusd-py) is not installed in this environment: run "
                "./sportello run, which installs the locked dependencies, or set MONGO_URL to "
                "a MongoDB replica set"
            )
        output = open(self.log_file, "ab") if self.log_file else None  # noqa: SIM115
        try:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    executable,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--storage-path",
                    self.storage,
                    "--log-level",
                    "WARNING",
                ],
                stdout=output or subprocess.DEVNULL,
                stderr=output or subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches the runner, which stops it last
            )
        finally:
            if output is not None:
                output.close()  # the child has its own copy

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def ensure_rabbitmq(url: str, *, given: bool = False) -> str:
    """The URL of a reachable RabbitMQ: `url` itself, or one started here.

    A URL someone `given` explicitly (RABBITMQ_URL) is only checked: nothing is started in its
    place. Otherwise a local broker that is installed but down is started, and with no broker
    installed and Docker available, a throwaway container is used instead.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5672
    where = broker_address(url)
    if reachable(host, port):
        return url
    if given:
        raise ServerUnavailable(
            f"no RabbitMQ answers at {where}, where RABBITMQ_URL points: start it there, "
            "or correct RABBITMQ_URL (unset, a local broker is started)"
        )
    if host in LOCAL_HOSTS and shutil.which("rabbitmq-server"):
        log.warning("RabbitMQ is down: starting it (rabbitmq-server -detached)")
        subprocess.run(["rabbitmq-server", "-detached"], check=False)  # noqa: S607
        wait_for_port(host, port, 60, "RabbitMQ")
        return url
    if shutil.which("docker"):
        return _rabbitmq_container(where)
    raise ServerUnavailable(
        f"no RabbitMQ at {where}, none installed here and no Docker to run one: install "
        "RabbitMQ (e.g. apt install rabbitmq-server), or set RABBITMQ_URL to a running broker"
    )


def ensure_management_api(url: str) -> None:
    """Make sure the broker's HTTP API (where policies are set) answers, enabling it locally.

    The topology step applies broker policies through it; a local broker installed without the
    plugin enabled gets it enabled here (the same thing an operator would do once).
    """
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if reachable(host, 15672):
        return
    if host in LOCAL_HOSTS and shutil.which("rabbitmq-plugins"):
        log.warning("enabling RabbitMQ's management plugin (policies are set through it)")
        subprocess.run(
            ["rabbitmq-plugins", "enable", "--quiet", "rabbitmq_management"],  # noqa: S607
            check=False,
            capture_output=True,
        )
        wait_for_port(host, 15672, 60, "RabbitMQ's management API")
        return
    raise ServerUnavailable(
        f"RabbitMQ's management API is not reachable on {host}:15672: enable the "
        "rabbitmq_management plugin or set RABBITMQ_MANAGEMENT_URL"
    )


RABBITMQ_IMAGE = "rabbitmq:4.3-management-alpine"  # 4.x, as production: with the HTTP API
MANAGEMENT_PORT = 15672


def _rabbitmq_container(where: str) -> str:
    """A throwaway RabbitMQ 4.3 in Docker; its AMQP URL. Not exercised here (no Docker engine).

    Its management API (where the topology step sets policies) is published on a random host
    port, so RABBITMQ_MANAGEMENT_URL is set in this process's environment (unless already set):
    the topology step, and the processes started from here, read it from there.
    """
    try:
        from testcontainers.community.rabbitmq import RabbitMqContainer  # only with Docker
    except ImportError:
        raise ServerUnavailable(
            f"no RabbitMQ at {where}, and testcontainers is not installed to start one "
            "in Docker: install RabbitMQ, run ./sportello run (it installs the locked "
            "dependencies), or set RABBITMQ_URL"
        ) from None
    log.warning("no RabbitMQ installed: starting %s in Docker", RABBITMQ_IMAGE)
    try:
        container = RabbitMqContainer(RABBITMQ_IMAGE).with_exposed_ports(MANAGEMENT_PORT)
        container.start()  # removed with the process by testcontainers' reaper
    except Exception as error:  # docker's and testcontainers' errors share no base class
        raise ServerUnavailable(
            f"no RabbitMQ at {where}, and Docker could not start one "
            f"({type(error).__name__}): install RabbitMQ, start Docker's engine, or set "
            "RABBITMQ_URL to a running broker"
        ) from None
    host = container.get_container_host_ip()
    port = container.get_exposed_port(container.port)
    user, password = quote(container.username, safe=""), quote(container.password, safe="")
    management = f"http://{user}:{password}@{host}:{container.get_exposed_port(MANAGEMENT_PORT)}"
    _wait_for_management_api(management, 60)
    os.environ.setdefault("RABBITMQ_MANAGEMENT_URL", management)
    return f"amqp://{user}:{password}@{host}:{port}/"


def _wait_for_management_api(url: str, seconds: float) -> None:
    """Until the HTTP API answers (the plugin starts after the AMQP listener)."""
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.hostname}:{parts.port}"
    auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/api/overview", auth=auth, timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise ServerUnavailable(f"RabbitMQ's management API did not answer at {base}")
        time.sleep(0.5)


async def rabbitmqctl(*args: str) -> str:
    """What `rabbitmqctl -q ARGS` prints; an error if it fails."""
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    output, errors = await process.communicate()
    if process.returncode != 0:
        raise ServerUnavailable(f"rabbitmqctl {' '.join(args)}: {errors.decode().strip()}")
    return output.decode()


async def messages_in(queue: str) -> int | None:
    """Messages in `queue`, ready or unacknowledged, read from the queue itself (not from the
    statistics, which lag); None if there is no such queue."""
    listed = await rabbitmqctl("list_queues", "name", "messages")
    counts = dict(line.split("\t") for line in listed.splitlines() if "\t" in line)
    found = counts.get(queue)
    return int(found) if found is not None and found.isdigit() else None


async def drop_connection(name: str) -> None:
    """Have the broker close the one client connection called `name`, as a failover would."""
    listed = await rabbitmqctl("list_connections", "pid", "client_properties")
    pids = [line.split()[0] for line in listed.splitlines() if f'"{name}"' in line]
    if len(pids) != 1:
        raise ServerUnavailable(f"{len(pids)} connections are called {name!r}")
    await rabbitmqctl("close_connection", pids[0], "closed on purpose")


# How long cleaning a run's objects off the broker may take at most.
CLEANUP_SECONDS = 60.0


async def delete_broker_objects(url: str, prefix: str) -> None:
    """Remove every queue, exchange and policy of `prefix` and of prefixes made from it
    (`<prefix>-x`), or give up after `CLEANUP_SECONDS`.

    Test runs clean up after themselves with it. Bounded: a broker that stops answering
    (RabbitMQ 3.10 with hundreds of quorum queues, seen here: a connection never opened) must
    not hang a test run in its cleanup; what is left stays under the run's own prefix.
    """
    try:
        async with asyncio.timeout(CLEANUP_SECONDS):
            await _delete_broker_objects(url, prefix)
    except TimeoutError:
        log.warning("the broker did not answer in time: the objects of %s stay", prefix)


async def _delete_broker_objects(url: str, prefix: str) -> None:
    """Names are listed with `rabbitmqctl` where it is installed (AMQP cannot list); elsewhere
    the objects stay, harmless, under their run's own prefix.
    """
    if not shutil.which("rabbitmqctl"):
        return
    names = {}
    for kind in ("queues", "exchanges"):
        listed = await rabbitmqctl(f"list_{kind}", "name")
        names[kind] = [n for n in listed.split() if _under(n.split(".", 1)[0], prefix)]
    # Policies are named `<prefix>-<what>`: the last part is the topology's, not the prefix's.
    listed = await rabbitmqctl("list_policies")
    for line in listed.splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) > 1 and _under(fields[1].rsplit("-", 1)[0], prefix):
            await rabbitmqctl("clear_policy", fields[1])
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for queue in names["queues"]:
            await channel.queue_delete(queue)
        for exchange in names["exchanges"]:
            await channel.exchange_delete(exchange)


def _under(name_prefix: str, prefix: str) -> bool:
    return name_prefix == prefix or name_prefix.startswith(prefix + "-")


class MailCatcher:
    """A local SMTP server keeping every message in a Maildir folder anyone can read."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        for part in ("tmp", "new", "cur"):  # Maildir makes them only for a folder it creates
            (folder / part).mkdir(parents=True, exist_ok=True)
        self._controller = Controller(Mailbox(folder), hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> Iterator[Message]:
        yield from mailbox.Maildir(self.folder, create=False)

    def messages_to(self, address: str) -> list[Message]:
        return [m for m in self.messages() if address.lower() in (m["To"] or "").lower()]


def text_of(message: Message) -> str:
    """The plain-text part of an e-mail, decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8")
    return ""


def environ_with(**values: str) -> dict[str, str]:
    return {**os.environ, **values}
