"""Liveness: alive while consumers and the outbox relay show signs of life within the grace."""

import time

from sportello_kit.probe import Liveness


class Signs:
    def __init__(self) -> None:
        self.attached = True
        self.ticked_at = time.monotonic()

    def liveness(self, grace: float) -> Liveness:
        return Liveness(lambda: self.attached, lambda: self.ticked_at, grace)


def test_alive_when_consumers_are_attached_and_the_relay_ticks() -> None:
    signs = Signs()
    assert signs.liveness(60).report() == {
        "alive": True,
        "consumers_attached": True,
        "relay_ticking": True,
    }


def test_a_relay_that_stopped_ticking_fails_the_probe() -> None:
    signs = Signs()
    signs.ticked_at = time.monotonic() - 61
    report = signs.liveness(60).report()
    assert not report["alive"]
    assert not report["relay_ticking"]


def test_consumers_detached_for_a_moment_are_ridden_out_but_not_for_longer_than_the_grace() -> None:
    signs = Signs()
    liveness = signs.liveness(0.3)
    assert liveness.report()["alive"]
    signs.attached = False
    # A broker restart: detached, but seen attached a moment ago.
    assert liveness.report() == {"alive": True, "consumers_attached": False, "relay_ticking": True}
    time.sleep(0.35)
    signs.ticked_at = time.monotonic()
    assert liveness.report() == {"alive": False, "consumers_attached": False, "relay_ticking": True}
    signs.attached = True
    assert liveness.report()["alive"]
