"""A service's liveness probe: `GET /live` on `PROBE_PORT`, for Kubernetes to restart a stuck pod.

Services have no HTTP surface of their own, so this is a few lines of asyncio rather than a web
framework: one request per connection, the status line says it all. Alive means the process
can still do its work: its consumers were attached and its outbox relay ticked within
`LIVENESS_SECONDS`. A broker or database outage shorter than that is ridden out in place (a
restart would not bring either back); a consumer that vanished for good (FastStream issue
2758) or a relay stuck on a call that never returns is what a restart cures.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# A probe's request is one short line and a few headers; anything longer is not a probe.
MAX_REQUEST_BYTES = 8192
READ_SECONDS = 2.0


@dataclass
class Liveness:
    """Signs of life, sampled when asked: how long since consumers were last seen attached."""

    consumers_attached: Callable[[], bool]
    relay_ticked_at: Callable[[], float]
    grace_seconds: float

    def __post_init__(self) -> None:
        self._attached_at = time.monotonic()  # starting counts as attached

    def report(self) -> dict[str, bool]:
        now = time.monotonic()
        attached = self.consumers_attached()
        if attached:
            self._attached_at = now
        relay = now - self.relay_ticked_at() < self.grace_seconds
        consumers = now - self._attached_at < self.grace_seconds
        return {
            "alive": relay and consumers,
            "consumers_attached": attached,
            "relay_ticking": relay,
        }


class ProbeServer:
    # Every interface by default: a pod's probe comes from the kubelet, not from inside the pod.
    def __init__(self, liveness: Liveness, port: int, host: str = "0.0.0.0") -> None:
        self.liveness = liveness
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._answer, self.host, self.port, limit=MAX_REQUEST_BYTES
        )
        log.info("liveness probe on port %d (GET /live)", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
            request_line = head.split(b"\r\n", 1)[0].split()
            if len(request_line) >= 2 and request_line[:2] == [b"GET", b"/live"]:
                report = self.liveness.report()
                if not report["alive"]:
                    log.error("liveness probe failing: %s", report)
                status = "200 OK" if report["alive"] else "503 Service Unavailable"
                body = json.dumps(report).encode()
            else:
                status, body = "404 Not Found", b'{"error": "GET /live only"}'
            writer.write(
                f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # not a probe, or a probe that gave up: nothing to answer
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
