"""CPU clocks of other processes, for the benchmarks (Linux's /proc)."""

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if Path("/proc").exists() else 1


def cpu_seconds(pid: int) -> float:
    """User and system time of `pid` (threads included), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
