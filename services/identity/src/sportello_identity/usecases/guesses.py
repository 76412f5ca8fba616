"""One guess of a password or a PIN: counted before it is checked, under every limit it falls in.

Counting first (an atomic increment read back) is what stops guesses sent in parallel from
sharing one allowance: each sees the ones before it, checked or not. In a use case:

    guess = Guess(deps, [(username_subject(name), deps.limits.per_username), ...])
    if waits := await guess.reserve():  # counted, and taken back at once: it must wait
        raise TooMany...(longest(waits.values()).retry_after(guess.now))
    async with guess.checking():  # anything raised in here takes the guess back
        right = await deps.hasher.verify(...)
    await (guess.succeeded(forget={...}) if right else guess.failed())
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address

from sportello_identity.domain.accounts import Account
from sportello_identity.domain.attempts import (
    GuessLimit,
    Wait,
    address_subject,
    alert_due,
    failure_minute,
    log_in_refusal,
    username_subject,
)
from sportello_identity.usecases.ports import Dependencies

logger = logging.getLogger(__name__)

Limited = tuple[str, GuessLimit]  # a subject and the limit it is under

# What the alert is found by in the logs: keep it stable.
ALERT = "ALERT login failures above ceiling"
# The minute's total of failures is kept a little past its minute.
_MINUTE_KEPT = timedelta(minutes=2)


def address_limited(deps: Dependencies, address: IPv4Address | IPv6Address | None) -> list[Limited]:
    """The client address's limit, when the gateway said where the request came from."""
    if address is None:
        return []
    return [(address_subject(address), deps.limits.per_address)]


class Guess:
    """A guess counted under each of its subjects (a username, a fiscal code, an address)."""

    def __init__(self, deps: Dependencies, limited: list[Limited]) -> None:
        self.deps = deps
        self.limited = limited
        self.now: datetime = deps.clock.now()

    async def reserve(self) -> dict[str, Wait]:
        """Count the guess under every subject; if any must wait, take it back: who waits how long.

        Empty when the guess may be checked.
        """
        waits = {}
        for subject, limit in self.limited:
            attempts = await self.deps.store.reserve_attempt(subject, limit.lock_for, self.now)
            wait = limit.wait(attempts.before_this_one(), attempts.last_failure_at, self.now)
            if wait is not None:
                waits[subject] = wait
        if waits:
            await self._release_all()
        return waits

    @asynccontextmanager
    async def checking(self) -> AsyncIterator[None]:
        """A guess whose check fails (busy hashing, the database, a retried transaction) is
        taken back: it never got an answer, so it was no guess."""
        try:
            yield
        except Exception:
            await self._release_all()
            raise

    async def failed(self) -> None:
        """The guess was wrong: delays and locks run from now; the minute's total grows."""
        # Now, not when the guess was counted: a slow hash must not eat into the next delay.
        now = self.deps.clock.now()
        for subject, limit in self.limited:
            await self.deps.store.record_failure(subject, limit.lock_for, now)
        ceiling = self.deps.limits.failure_alert_per_minute
        failures = await self.deps.store.count_failure(failure_minute(now), _MINUTE_KEPT, now)
        if alert_due(failures, ceiling):
            logger.error("%s: more than %d failed guesses this minute", ALERT, ceiling)

    async def succeeded(self, forget: set[str]) -> None:
        """The guess was right: the subjects in `forget` start afresh, the others take it back."""
        for subject, _ in self.limited:
            if subject in forget:
                await self.deps.store.forget_attempts(subject)
            else:
                await self.deps.store.release_attempt(subject)

    async def spent(self) -> None:
        """A request that is limited by its number, not by being wrong (a reset mail asked for):
        it uses up the allowance as a failure would, without counting toward the alert."""
        now = self.deps.clock.now()
        for subject, limit in self.limited:
            await self.deps.store.record_failure(subject, limit.lock_for, now)

    async def _release_all(self) -> None:
        for subject, _ in self.limited:
            await self.deps.store.release_attempt(subject)


async def password_again(
    deps: Dependencies,
    account: Account,
    password: str,
    client_address: IPv4Address | IPv6Address | None,
) -> bool:
    """Whether `password` is the signed-in account's own, asked again before a change that
    matters (a new password, deleting the account): guessed under log-in's own limits, per
    username and address, so a stolen session cannot try passwords faster than a log-in can.
    Past them the log-in's refusal (429) is raised."""
    user = username_subject(account.username)
    guess = Guess(deps, [(user, deps.limits.per_username), *address_limited(deps, client_address)])
    if waits := await guess.reserve():
        raise log_in_refusal(waits, user, guess.now)
    async with guess.checking():
        right = await deps.hasher.verify(account.password_hash, password)
    await (guess.succeeded(forget={user}) if right else guess.failed())
    return right
