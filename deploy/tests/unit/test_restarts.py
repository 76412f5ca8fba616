"""The local runner's restarts: a growing pause while a child keeps dying, one line per stop."""

import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sportello_deploy.restarts import Backoff, Supervisor, how_it_ended


@dataclass
class FakeProcess:
    returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


@dataclass
class FakeChild:
    name: str
    log_file: Path | None = Path("var/logs/identity.log")
    launches: int = 0
    refuse: str | None = None  # a relaunch that fails to start at all
    current: FakeProcess = field(default_factory=FakeProcess)

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return cast(Any, self.current)

    def relaunch(self) -> None:
        self.launches += 1
        if self.refuse:
            raise RuntimeError(self.refuse)
        self.current = FakeProcess()

    def dies(self, returncode: int) -> None:
        self.current.returncode = returncode


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _supervised(*children: FakeChild) -> tuple[Supervisor, Clock, list[str]]:
    clock, said = Clock(), list[str]()
    return Supervisor(children, Backoff(), said.append, clock), clock, said


def test_the_pause_doubles_from_one_second_up_to_thirty() -> None:
    assert [Backoff().pause(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_child_that_stops_is_restarted_after_the_pause_and_said_so_in_one_line() -> None:
    identity = FakeChild("identity")
    supervisor, clock, said = _supervised(identity)
    supervisor.tick()
    assert said == []

    identity.dies(1)
    supervisor.tick()
    assert said == ["! identity stopped (exit 1); restarting in 1 s (log: var/logs/identity.log)"]
    clock.now += 0.5
    supervisor.tick()
    assert identity.launches == 0
    clock.now += 0.5
    supervisor.tick()
    assert identity.launches == 1
    supervisor.tick()
    assert len(said) == 1  # running again: nothing more to say


def test_a_child_that_keeps_dying_waits_longer_each_time_and_one_that_stayed_up_starts_over() -> (
    None
):
    database = FakeChild("database", log_file=None)
    supervisor, clock, said = _supervised(database)
    for _ in range(3):
        database.dies(-signal.SIGKILL)
        supervisor.tick()
        clock.now += 60
        supervisor.tick()  # restarted
        clock.now += 1  # and dies again at once
    assert said == [
        "! database stopped (killed by SIGKILL); restarting in 1 s",
        "! database stopped (killed by SIGKILL); restarting in 2 s",
        "! database stopped (killed by SIGKILL); restarting in 4 s",
    ]

    clock.now += Backoff().steady  # up a good while this time
    database.dies(-signal.SIGTERM)
    supervisor.tick()
    assert said[-1] == "! database stopped (killed by SIGTERM); restarting in 1 s"


def test_a_restart_that_cannot_even_start_is_tried_again_later_with_its_reason() -> None:
    gateway = FakeChild("gateway", log_file=None)
    supervisor, clock, said = _supervised(gateway)
    gateway.dies(3)
    supervisor.tick()
    gateway.refuse = "port 8000 is taken"
    clock.now += 1
    supervisor.tick()
    supervisor.tick()
    assert said[-1] == "! gateway stopped (could not start: port 8000 is taken); restarting in 2 s"
    gateway.refuse = None
    clock.now += 2
    supervisor.tick()
    assert gateway.launches == 2
    assert gateway.process.poll() is None


def test_an_exit_is_described_by_its_code_or_its_signal() -> None:
    assert how_it_ended(0) == "exit 0"
    assert how_it_ended(-9) == "killed by SIGKILL"
