"""Benchmark of identity's password hashing at the configured argon2id cost and pool size.

    .venv/bin/python bench/hashing.py [--seconds 5]
    IDENTITY_HASHING_MEMORY_KIB=47104 IDENTITY_HASHING_TIME_COST=1 .venv/bin/python bench/hashing.py

It reads identity's settings from the environment as the service does (`IDENTITY_HASHING_*`),
builds the service's own hasher (`bootstrap.hasher`: argon2id in the bounded pool) after
importing the whole service, so the process weighs what a running one does, and measures:

- one hash at a time: the latency of a log-in's or a registration's hash;
- as many at once as the pool has slots, then twice that: hashes/s (the pool's ceiling) and
  how long a caller waits, slot included;
- a burst of eight times the slots at once: how many are answered and how many refused
  `busy` after the configured wait (what the gateway turns into 503 with Retry-After);
- the process's resident memory, sampled every 2 ms: before any hash, and at its peak in each
  phase. Memory per hash = (peak with every slot busy - before) / slots. The container's memory
  limit must hold the peak with every slot busy, plus what the service's connections and
  messages add (tens of MiB).

Nothing else is needed: no database, no broker.
"""

import argparse
import asyncio
import importlib.metadata
import os
import platform
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("SPORTELLO_ENV", "development")  # the demo token secret is fine here

from sportello_identity import main as identity_main  # the whole service, loaded
from sportello_identity.adapters.hashing import Argon2Hasher
from sportello_identity.bootstrap import hasher as build_hasher
from sportello_identity.domain.errors import HashingBusy
from sportello_identity.settings import IdentitySettings

MIB = 1024 * 1024


def rss_bytes() -> int:
    """The process's resident memory now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class PeakMemory:
    """Samples the resident memory on a thread of its own; `peak` is the highest seen."""

    def __init__(self) -> None:
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.002)


@dataclass
class Phase:
    name: str
    in_flight: int
    hashes: int
    seconds: float
    latencies: list[float]
    peak_rss: int
    busy: int = 0

    @property
    def per_second(self) -> float:
        return self.hashes / self.seconds

    def latency_ms(self, quantile: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]


async def steady(hasher: Argon2Hasher, name: str, in_flight: int, seconds: float) -> Phase:
    """`in_flight` callers hashing back to back for `seconds`."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def caller(n: int) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await hasher.hash(f"Girasole-di-Marzo-{n}")
            latencies.append(time.perf_counter() - started)

    with PeakMemory() as memory:
        started = time.perf_counter()
        await asyncio.gather(*(caller(n) for n in range(in_flight)))
        elapsed = time.perf_counter() - started
    return Phase(name, in_flight, len(latencies), elapsed, latencies, memory.peak)


async def burst(hasher: Argon2Hasher, in_flight: int) -> Phase:
    """`in_flight` callers at once, one hash each: some wait past the timeout and are refused."""
    latencies: list[float] = []
    busy = 0

    async def caller(n: int) -> None:
        nonlocal busy
        started = time.perf_counter()
        try:
            await hasher.hash(f"Girasole-di-Marzo-{n}")
        except HashingBusy:
            busy += 1
            return
        latencies.append(time.perf_counter() - started)

    with PeakMemory() as memory:
        started = time.perf_counter()
        await asyncio.gather(*(caller(n) for n in range(in_flight)))
        elapsed = time.perf_counter() - started
    return Phase("burst", in_flight, len(latencies), elapsed, latencies, memory.peak, busy)


async def run(seconds: float) -> None:
    settings = IdentitySettings()
    hasher = build_hasher(settings)  # the dummy hash is made here, as at the service's start
    slots = hasher.pool.slots
    assert identity_main.service is not None
    await asyncio.sleep(0.2)
    before = rss_bytes()

    phases = [
        await steady(hasher, "one at a time", 1, seconds),
        await steady(hasher, "every slot busy", slots, seconds),
        await steady(hasher, "twice the slots", 2 * slots, seconds),
        await burst(hasher, 8 * slots),
    ]
    hasher.pool.close()

    p = hasher.parameters
    print(f"# identity's hashing, {time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}")
    print(
        f"Python {platform.python_version()}, argon2-cffi "
        f"{importlib.metadata.version('argon2-cffi')}, {os.cpu_count()} cores"
    )
    print(
        f"argon2id time_cost={p.time_cost} memory={p.memory_kib} KiB "
        f"parallelism={p.parallelism}; IDENTITY_HASHING_MEMORY_MIB={settings.hashing_memory_mib} "
        f"-> {slots} slots; wait {settings.hashing_wait_seconds} s"
    )
    print()
    print("| phase | in flight | hashes/s | p50 ms | p99 ms | busy | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for phase in phases:
        print(
            f"| {phase.name} | {phase.in_flight} | {phase.per_second:.1f} | "
            f"{phase.latency_ms(0.5):.0f} | {phase.latency_ms(0.99):.0f} | {phase.busy} | "
            f"{phase.peak_rss / MIB:.0f} |"
        )
    full = phases[1]
    per_hash = (full.peak_rss - before) / slots
    print()
    print(f"resident memory before any hash: {before / MIB:.0f} MiB")
    print(
        f"memory per hash in flight: {per_hash / MIB:.1f} MiB "
        f"(argon2's own: {p.memory_kib / 1024:.0f} MiB)"
    )
    print(
        f"peak with every slot busy: {full.peak_rss / MIB:.0f} MiB; "
        f"highest of all phases: {max(ph.peak_rss for ph in phases) / MIB:.0f} MiB"
    )
    print(f"single hash median: {statistics.median(phases[0].latencies) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each steady phase")
    args = parser.parse_args()
    if sys.platform != "linux":
        sys.exit("reads memory from /proc: Linux only")
    asyncio.run(run(args.seconds))


if __name__ == "__main__":
    main()
