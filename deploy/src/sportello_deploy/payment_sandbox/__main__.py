"""`python -m sportello_deploy.payment_sandbox`: the sandbox provider, until SIGTERM or Ctrl-C."""

import asyncio
import logging
import socket

import uvicorn

from sportello_deploy.payment_sandbox.app import create_app
from sportello_deploy.payment_sandbox.settings import SandboxSettings
from sportello_kit.logs import configure_logging

log = logging.getLogger("sportello_deploy.payment_sandbox")


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, or the process ends with one line saying which port and why."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family, backlog=256)
    except OSError as error:
        log.error(
            "the payments sandbox cannot listen on %s:%s (PAYMENT_SANDBOX_HOST, "
            "PAYMENT_SANDBOX_PORT): %s",
            host,
            port,
            error.strerror,
        )
        raise SystemExit(1) from None


def main() -> None:
    settings = SandboxSettings()
    configure_logging("payment-sandbox", settings.log_level)
    listening = _listen(settings.host, settings.port)
    log.info("checkouts on %s, webhooks to %s", settings.public_base, settings.webhook_url)
    # A second to finish what is in hand: the merchant's pooled keep-alive connections would
    # otherwise hold every stop for the whole grace (a sandbox has nothing worth waiting for).
    config = uvicorn.Config(
        create_app(settings), log_config=None, proxy_headers=False, timeout_graceful_shutdown=1
    )
    asyncio.run(uvicorn.Server(config).serve(sockets=[listening]))


if __name__ == "__main__":
    main()
