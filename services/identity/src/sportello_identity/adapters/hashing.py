"""Argon2id hashing of passwords and PINs, in a bounded pool off the event loop.

Each hash holds `memory_kib` of memory for a tenth of a second or more: unbounded, a burst of
log-ins or onboardings would take the process past its memory limit. At most `slots` hashes
run at once; a caller waits for a slot at most its hasher's `wait_seconds` (a request briefly,
an event longer), then is told the service is busy.
"""

import asyncio
import copy
import math
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sportello_identity.domain.errors import HashingBusy
from sportello_identity.domain.legacy_hashes import legacy_hash

T = TypeVar("T")

_DUMMY_PASSWORD = "sportello-dummy-password"  # noqa: S105 (hashed once, never a credential)


@dataclass(frozen=True)
class Argon2Parameters:
    """argon2id's cost; the defaults are RFC 9106's low-memory profile (argon2-cffi's own)."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    def slots_within(self, budget_mib: int) -> int:
        """How many hashes fit in `budget_mib` at once (at least one)."""
        return max(1, budget_mib * 1024 // self.memory_kib)


class HashingPool:
    """A fixed number of threads for slow hashes, and a bounded wait for one of them."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("a hashing pool needs at least one slot")
        self.slots = slots
        self._threads = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="argon2")
        self._free = asyncio.Semaphore(slots)

    async def run(self, work: Callable[[], T], wait_seconds: float) -> T:
        """`work()` on one of the pool's threads; `HashingBusy` if none frees up in time."""
        try:
            async with asyncio.timeout(wait_seconds):
                await self._free.acquire()
        except TimeoutError:
            raise HashingBusy(retry_after=max(1, math.ceil(wait_seconds))) from None
        loop = asyncio.get_running_loop()
        try:
            running = self._threads.submit(work)
        except BaseException:
            self._free.release()
            raise

        # The slot is given back when the thread is done, not when the caller stops waiting:
        # a caller cancelled mid-hash must not let one more hash in while its own still runs.
        def give_back(_: Future[T]) -> None:
            loop.call_soon_threadsafe(self._free.release)

        running.add_done_callback(give_back)
        return await asyncio.wrap_future(running)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


class Argon2Hasher:
    """The use cases' `SecretHasher`: argon2id at the configured cost, in a bounded pool."""

    def __init__(
        self, parameters: Argon2Parameters, pool: HashingPool, wait_seconds: float
    ) -> None:
        self.parameters = parameters
        self.pool = pool
        self.wait_seconds = wait_seconds
        self._hasher = PasswordHasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_kib,
            parallelism=parameters.parallelism,
        )
        # Verified against when there is no hash (an unknown username, a fiscal code that is no
        # customer), so those cost as long as a wrong password and timing reveals nothing.
        self._dummy_hash = self._hasher.hash(_DUMMY_PASSWORD)

    def waiting(self, wait_seconds: float) -> "Argon2Hasher":
        """The same hasher and pool, for callers that may wait longer (or shorter) for a slot."""
        other = copy.copy(self)
        other.wait_seconds = wait_seconds
        return other

    async def hash(self, secret: str) -> str:
        return await self.pool.run(lambda: self._hasher.hash(secret), self.wait_seconds)

    async def verify(self, hashed: str | None, secret: str) -> bool:
        """argon2id, or a hash of the older portal (`legacy_hashes`), in the pool either way."""
        legacy = legacy_hash(hashed) if hashed is not None else None

        def verify() -> bool:
            if legacy is not None:
                # The dummy argon2id too: a legacy hash (an unsalted digest above all) must not
                # answer faster than an unknown username, or timing would tell it exists.
                self._verify_argon2(self._dummy_hash, secret)
                return legacy.verify(secret)
            return self._verify_argon2(hashed or self._dummy_hash, secret) and hashed is not None

        return await self.pool.run(verify, self.wait_seconds)

    def _verify_argon2(self, hashed: str, secret: str) -> bool:
        try:
            return self._hasher.verify(hashed, secret)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        """True for a hash of the older portal (replaced at once) or of a weaker argon2id."""
        if legacy_hash(hashed) is not None:
            return True
        try:
            return self._hasher.check_needs_rehash(hashed)
        except InvalidHashError:
            return True
