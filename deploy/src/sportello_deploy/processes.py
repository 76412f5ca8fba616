"""Sportello's deployables as child processes: started with their environment, stopped cleanly."""

import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("identity", "billing", "metering", "requests", "notifications")
DEPLOYABLES = (*SERVICES, "gateway")
# Not one of Sportello's deployables (no production image holds it): the payment provider the
# local run and the tests pay through, started beside them as a process like theirs.
PAYMENT_SANDBOX = "payment-sandbox"

# The module `python -m` runs for a name, where it is not `sportello_<name>`.
_MODULES = {PAYMENT_SANDBOX: "sportello_deploy.payment_sandbox"}


def module_of(name: str) -> str:
    return _MODULES.get(name, f"sportello_{name}")


@dataclass
class Deployable:
    name: str
    env: dict[str, str]
    log_file: Path | None = None
    # What `python -m` runs: `module_of(name)` unless given.
    module: str = ""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.module = self.module or module_of(self.name)

    def start(self) -> None:
        output = open(self.log_file, "ab") if self.log_file else None  # noqa: SIM115
        try:
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", self.module],
                env=self.env,
                stdout=output,
                stderr=output,
                # Its own session: Ctrl-C reaches the runner only, which stops things in order.
                start_new_session=True,
            )
        finally:
            if output is not None:
                output.close()  # the child has its own copy

    def relaunch(self) -> None:
        """Start it again after it stopped (the local runner's restarts)."""
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        if self.running:
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)

    def wait(self, seconds: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """`kill -9`: no chance to finish anything (what the reliability tests do)."""
        if self.running:
            assert self.process is not None
            self.process.kill()
            self.process.wait()


def stop_all(deployables: list[Deployable], seconds: float = 20) -> None:
    """SIGTERM to all at once, so they drain in parallel; whatever outlives `seconds` is killed."""
    for d in deployables:
        d.terminate()
    for d in deployables:
        d.wait(seconds)
