"""The event loop every deployable runs on: uvloop where it is installed, asyncio's otherwise.

uvloop's transports write to sockets and schedule callbacks in C: on the hot path (a request in,
a query, a reply out) that is a fifth to a quarter of a process's CPU under asyncio's own loop
(bench/README.md, "The hot path").
"""

import asyncio
import importlib.util
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on the fastest loop available."""
    if importlib.util.find_spec("uvloop") is None:  # a platform without it (Windows)
        return asyncio.run(main)
    import uvloop

    return uvloop.run(main)
