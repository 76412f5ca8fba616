"""Limits on guessing: registration PINs and passwords."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class AttemptPolicy:
    """After `max_failures` wrong attempts in a row, further attempts wait `lockout`."""

    max_failures: int
    lockout: timedelta

    def locked(self, locked_until: datetime | None, now: datetime) -> bool:
        return locked_until is not None and locked_until > now

    def after_failure(self, failures: int, now: datetime) -> tuple[int, datetime | None]:
        """The failure count and lock after one more failure (the count restarts once locked)."""
        failures += 1
        if failures >= self.max_failures:
            return 0, now + self.lockout
        return failures, None


PIN_ATTEMPTS = AttemptPolicy(max_failures=5, lockout=timedelta(minutes=30))
LOGIN_ATTEMPTS = AttemptPolicy(max_failures=10, lockout=timedelta(minutes=15))


@dataclass(frozen=True)
class PinAttempts:
    """Wrong PINs in a row for one fiscal code, and the lock they led to."""

    failures: int = 0
    locked_until: datetime | None = None
