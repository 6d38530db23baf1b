"""Medians, percentiles, and what /proc says about a process."""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (0-100) with linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Clock:
    """Wall time and CPU time (this process's, or this thread's) of one measured stretch."""

    def __init__(self, thread: bool = False):
        self._cpu_clock = time.thread_time if thread else time.process_time

    def __enter__(self) -> "Clock":
        self.wall = self.cpu = 0.0
        self._wall, self._cpu = time.perf_counter(), self._cpu_clock()
        return self

    def __exit__(self, *_exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = self._cpu_clock() - self._cpu


def proc_status(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS (KiB) of a process, from /proc/<pid>/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None
