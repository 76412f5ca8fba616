"""Limits on guessing passwords and PINs: delays that grow, then a temporary lock, per subject.

A subject is what guesses are counted against: a username (whether or not it exists, so an
unknown one behaves exactly like a known one), a fiscal code (registration PINs), a client
address. Every guess is counted before it is checked, so guesses made in parallel cannot share
one allowance; a guess that must wait is not checked and not counted.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address, IPv6Network

from sportello_identity.domain.errors import AccountLocked, MustWait, TooManyLogInAttempts

# Past this many doublings the delay is long capped anyway (and 2**n stays a small number).
_MAX_DOUBLINGS = 30


@dataclass(frozen=True)
class Wait:
    """A guess refused for now: the subject may guess again at `until`."""

    until: datetime
    locked: bool  # a lock (minutes), not one of the delays (seconds) that come before it

    def retry_after(self, now: datetime) -> int:
        """Whole seconds to wait, at least one (what the `Retry-After` header says)."""
        return max(1, math.ceil((self.until - now).total_seconds()))


@dataclass(frozen=True)
class GuessLimit:
    """The wrong guesses one subject may make.

    The first `free_failures` cost nothing. From then on each guess waits after the last failure:
    `first_delay`, doubled at each further failure, at most `max_delay`. At `lock_failures` the
    subject is locked for `lock_for` after the last failure. Failures are forgotten `lock_for`
    after the last one, so a lock ends with a clean slate.
    """

    free_failures: int
    lock_failures: int
    lock_for: timedelta
    first_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        if not 0 <= self.free_failures < self.lock_failures:
            raise ValueError("a subject is locked only after its free failures")

    def delay_after(self, failures: int) -> timedelta:
        """How long the next guess waits after the last of `failures` (below the lock)."""
        if failures < self.free_failures:
            return timedelta(0)
        doublings = min(failures - self.free_failures, _MAX_DOUBLINGS)
        return min(self.first_delay * 2**doublings, self.max_delay)

    def wait(self, failures: int, last_failure_at: datetime | None, now: datetime) -> Wait | None:
        """Whether a guess made `now` must wait, after `failures` remembered.

        `failures` counts the guesses still being checked too; while none has failed yet
        (`last_failure_at` None) the wait runs from now, so a burst of parallel guesses gets
        only the free ones through.
        """
        since = last_failure_at or now
        if failures >= self.lock_failures:
            until, locked = since + self.lock_for, True
        else:
            until, locked = since + self.delay_after(failures), False
        return Wait(until, locked) if until > now else None


@dataclass(frozen=True)
class Attempts:
    """A subject's count as read back right after one more guess was counted."""

    failures: int  # the guess just counted included, and any others still being checked
    last_failure_at: datetime | None = None

    def before_this_one(self) -> int:
        return max(0, self.failures - 1)


@dataclass(frozen=True)
class GuessLimits:
    """Every limit on guessing, as the settings state them."""

    per_username: GuessLimit
    per_fiscal_code: GuessLimit
    per_address: GuessLimit
    # Failed guesses (passwords and PINs, every subject together) in one minute above which an
    # alert is logged: a credential-stuffing or PIN-guessing campaign under way.
    failure_alert_per_minute: int


def longest(waits: Iterable[Wait]) -> Wait:
    """The wait to report when several limits refuse one guess: the one ending last."""
    return max(waits, key=lambda w: (w.until, w.locked))


def log_in_refusal(waits: dict[str, Wait], user: str, now: datetime) -> MustWait:
    """A locked username is told so, and how to get back in; any other wait is too many tries.

    `user` is the username's subject: the address's own lock is no lock of the account.
    """
    retry_after = longest(waits.values()).retry_after(now)
    if user in waits and waits[user].locked:
        return AccountLocked(retry_after)
    return TooManyLogInAttempts(retry_after)


def username_subject(username: str) -> str:
    return f"username:{username.strip().lower()}"


def fiscal_code_subject(fiscal_code: str) -> str:
    return f"fiscal_code:{fiscal_code.strip().upper()}"


def address_subject(address: IPv4Address | IPv6Address) -> str:
    """An IPv4 address as it is; an IPv6 one by its /64, which any single client holds whole."""
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            return f"address:{address.ipv4_mapped}"
        return f"address:{IPv6Network((address, 64), strict=False)}"
    return f"address:{address}"


def failure_minute(now: datetime) -> str:
    """The subject counting every failed guess of one calendar minute (for the alert)."""
    return f"failures:{now:%Y-%m-%dT%H:%M}"


def alert_due(failures_this_minute: int, ceiling: int) -> bool:
    """True once per minute: for the failure that takes the count over the ceiling."""
    return failures_this_minute == ceiling + 1
