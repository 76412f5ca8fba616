"""Log-ins per second at the settings' argon2id cost, against argon2id's `hash` alone.

    .venv/bin/python bench/logins.py                 # about a minute
    .venv/bin/python bench/logins.py --rounds 1 --seconds 3

Identity's log-in use case as the service runs it (`bootstrap()`: its store on a database, its
bounded argon2id pool at the `IDENTITY_HASHING_*` settings, its signing keys), called directly,
without the broker or the gateway: the guesses counted and released, the password verified,
the session, its refresh token, its trail entry and their outbox record written in one
transaction, the access token signed (Ed25519). The baseline, in the same process and the same
run: the same pool's `hash` of the same password, nothing else. Both with as many callers as
the pool has slots (each caller its own account, so no limit on guessing is reached), in
alternating rounds. It starts its own SecantusDB in memory (`MONGO_URL` points it at another).
"""

import argparse
import asyncio
import importlib.metadata
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from uuid import uuid4

os.environ.setdefault("SPORTELLO_ENV", "development")

from sportello_contracts.identity import LogInRequest
from sportello_deploy.servers import SecantusDB, free_port
from sportello_identity.adapters.hashing import Argon2Hasher
from sportello_identity.adapters.store import IdentityStore
from sportello_identity.bootstrap import bootstrap
from sportello_identity.domain.accounts import Account
from sportello_identity.settings import IdentitySettings
from sportello_identity.usecases import sessions
from sportello_identity.usecases.ports import Dependencies

PASSWORD = "Girasole-di-Marzo-26"


async def accounts(deps: Dependencies, count: int) -> list[str]:
    """`count` accounts with the password, hashed at the settings' cost; their usernames."""
    hashed = await deps.hasher.hash(PASSWORD)
    names = []
    for n in range(count):
        name = f"bench.{uuid4().hex[:8]}"
        await deps.store.insert_account(
            Account(
                account_id=uuid4().hex,
                username=name,
                email=f"{name}@example.it",
                full_name=f"Bench {n}",
                fiscal_code=f"BENCH{uuid4().hex[:11].upper()}",
                password_hash=hashed,
                registered_at=datetime.now(UTC),
            ),
            None,
        )
        names.append(name)
    return names


async def steady(work: Callable[[int], Awaitable[object]], callers: int, seconds: float) -> float:
    """Calls per second of `callers` callers doing `work` back to back for `seconds`."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def caller(n: int) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await work(n)
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller(n) for n in range(callers)))
    return done / (time.perf_counter() - started)


async def run(rounds: int, seconds: float) -> None:
    database = None
    if "MONGO_URL" not in os.environ:
        database = SecantusDB(port=free_port(), storage=":memory:")
        database.start()
        os.environ["MONGO_URL"] = database.url
    try:
        settings = IdentitySettings()
        service, deps, _ = bootstrap(settings)
        assert isinstance(deps.store, IdentityStore)
        assert isinstance(deps.hasher, Argon2Hasher)
        await deps.store.create_indexes()
        await deps.tokens.public_keys()  # the first signing key, made now
        slots = deps.hasher.pool.slots
        names = await accounts(deps, slots)

        async def log_in(n: int) -> object:
            return await sessions.log_in(deps, LogInRequest(username=names[n], password=PASSWORD))

        async def hash_alone(n: int) -> object:
            return await deps.hasher.hash(PASSWORD)

        await steady(log_in, slots, 1.0)  # warm up both
        await steady(hash_alone, slots, 1.0)
        logins: list[float] = []
        hashes: list[float] = []
        for n in range(rounds):
            pair = [(logins, log_in), (hashes, hash_alone)]
            for figures, work in pair if n % 2 == 0 else reversed(pair):
                figures.append(await steady(work, slots, seconds))
        await service.database.client.close()
    finally:
        if database is not None:
            database.stop()

    ratios = [login / alone for login, alone in zip(logins, hashes, strict=True)]
    p = settings
    print(
        f"Python {platform.python_version()}, argon2-cffi "
        f"{importlib.metadata.version('argon2-cffi')}, {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.2f}; argon2id time_cost={p.hashing_time_cost} "
        f"memory={p.hashing_memory_kib} KiB parallelism={p.hashing_parallelism}, {slots} slots"
    )
    print("\n| work | in flight | per second (median) | vs hash alone |\n|---|---:|---:|---:|")
    ratio = statistics.median(ratios)
    print(f"| log-in | {slots} | {statistics.median(logins):.1f} | **{ratio:.2f}** |")
    print(f"| argon2id hash alone | {slots} | {statistics.median(hashes):.1f} | 1.00 |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=4, help="rounds of each, alternating")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each round")
    args = parser.parse_args()
    asyncio.run(run(args.rounds, args.seconds))


if __name__ == "__main__":
    main()
