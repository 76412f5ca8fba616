"""The event loop every deployable runs on: uvloop where it is installed, asyncio's otherwise.

uvloop's transports write to sockets and schedule callbacks in C: on the hot path (a request in,
a query, a reply out) that is a fifth to a quarter of a process's CPU under asyncio's own loop
(bench/README.md, "The hot path").
"""

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

try:
    import uvloop
except ImportError:  # pragma: no cover - a platform without uvloop (Windows)
    uvloop = None


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on the fastest loop available."""
    if uvloop is None:
        return asyncio.run(main)
    return uvloop.run(main)
