"""Failpoints: named places where a process kills itself, so tests can crash it exactly there.

Set with `SPORTELLO_FAILPOINTS=after-commit:identity.account.register` (refused in production).
A hit is a real `kill -9`: nothing is flushed, nothing is acknowledged.
"""

import os
import signal

_armed: frozenset[str] = frozenset()


def arm(names: frozenset[str]) -> None:
    global _armed
    _armed = names


def crash_point(name: str) -> None:
    if name in _armed:
        os.kill(os.getpid(), signal.SIGKILL)
