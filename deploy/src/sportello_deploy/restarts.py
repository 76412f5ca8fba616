"""Restarting what the local run started when it stops: after 1, 2, 4 ... 30 s, saying so.

A service, the gateway or the database that dies is started again, as an orchestrator would,
after a pause that doubles while it keeps dying at once and starts again from the shortest once
it has stayed up a while. Each stop is one line on the console.
"""

import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class Child(Protocol):
    """A process the local run keeps up: a deployable or the database."""

    @property
    def name(self) -> str: ...

    @property
    def log_file(self) -> Path | None: ...

    @property
    def process(self) -> subprocess.Popen[bytes] | None: ...

    def relaunch(self) -> None:
        """Start the process again, without waiting for it to be ready."""


@dataclass(frozen=True)
class Backoff:
    first: float = 1.0
    longest: float = 30.0
    # Up this long, a child that stops again is restarted after `first` again.
    steady: float = 60.0

    def pause(self, quick_stops: int) -> float:
        """The pause before the next start, after `quick_stops` stops in a row (0 for the first)."""
        return float(min(self.longest, self.first * 2**quick_stops))


def how_it_ended(returncode: int | None) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit {returncode}"


@dataclass
class _Watch:
    child: Child
    started_at: float
    quick_stops: int = 0
    restart_at: float | None = None
    start_failure: str | None = None  # why the last restart could not even start it


class Supervisor:
    """Keeps `children` running; call `tick()` often (twice a second is plenty)."""

    def __init__(
        self,
        children: Sequence[Child],
        backoff: Backoff | None = None,
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backoff = backoff or Backoff()
        self._say = say
        self._clock = clock
        now = clock()
        self._watches = [_Watch(child, started_at=now) for child in children]

    def tick(self) -> None:
        now = self._clock()
        for watch in self._watches:
            if watch.restart_at is None:
                if not self._running(watch.child):
                    self._schedule(watch, now)
            elif now >= watch.restart_at:
                self._restart(watch, now)

    @staticmethod
    def _running(child: Child) -> bool:
        return child.process is not None and child.process.poll() is None

    def _schedule(self, watch: _Watch, now: float) -> None:
        if now - watch.started_at >= self.backoff.steady:
            watch.quick_stops = 0
        pause = self.backoff.pause(watch.quick_stops)
        watch.quick_stops += 1
        watch.restart_at = now + pause
        child = watch.child
        if watch.start_failure is not None:
            how, watch.start_failure = f"could not start: {watch.start_failure}", None
        else:
            how = how_it_ended(child.process.returncode if child.process else None)
        log = f" (log: {child.log_file})" if child.log_file else ""
        self._say(f"! {child.name} stopped ({how}); restarting in {pause:g} s{log}")

    def _restart(self, watch: _Watch, now: float) -> None:
        watch.restart_at = None
        watch.started_at = now
        try:
            watch.child.relaunch()
        except (OSError, RuntimeError) as error:
            watch.start_failure = str(error)  # the next tick schedules another try
