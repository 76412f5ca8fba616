"""The gateway takes both its ports before anything else: a port in use is one clear line."""

import logging
import socket

import pytest

from sportello_gateway.main import listen


def test_a_port_in_use_ends_the_start_with_one_line_naming_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as stopped:
            listen("127.0.0.1", port, "GATEWAY_INTERNAL_HOST, GATEWAY_INTERNAL_PORT")
    assert stopped.value.code == 1
    (line,) = caplog.messages
    assert (
        f"cannot listen on 127.0.0.1:{port} (GATEWAY_INTERNAL_HOST, GATEWAY_INTERNAL_PORT)" in line
    )


def test_a_free_port_is_listened_on() -> None:
    with listen("127.0.0.1", 0, "GATEWAY_HOST, GATEWAY_PORT") as listening:
        port = listening.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
