"""Replay in worker processes: `ppid audit replay --all --jobs N` and the bench's row 6 use `ReplayPool`.

Each worker is a process of its own (started with `spawn`: nothing of the parent's connections or threads is
inherited), builds its own app, and so its own engine and database connection, from the recipe it is given
(`make_app`: a picklable callable, e.g. `app.same_app(current_app)`, the same settings as the caller's app),
and replays chunks of case ids with `replay_ids`, as the serial replay does. The cases are split into chunks
by id (oldest first); the reports come back in that order whichever worker finished first, so the parallel
result is the serial one. A case whose replay raises is reported by `replay_ids` itself; a worker that dies
(killed, out of memory) takes its chunk with it, and every case of that chunk is reported as failed
(`REPLAY_FAILED`), never left out.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from app.persistence.models import ProcessInstance, db

from app.services.records.replay import READ_BATCH, ReplayReport, failed_report, replay_ids

#: chunks per worker at least (a slow chunk at the end leaves the others idle for less)
CHUNKS_PER_JOB = 4

_worker: dict = {}


def _start_worker(make_app: Callable, barrier) -> None:
    """Runs once in each worker process: its own app (settings, engine, connection pool) in a context kept open."""
    application = make_app()
    application.app_context().push()
    _worker.update(app=application, barrier=barrier)


def _ready() -> int:
    """Returns once every worker has started (one call per worker: each waits for the others)."""
    _worker["barrier"].wait(timeout=600)
    return os.getpid()


def _peak_rss_kib() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _replay_chunk(ids: list[int]) -> tuple[list[ReplayReport], float, int, int | None]:
    """(reports, CPU seconds, worker pid, worker's peak RSS in KiB) of one chunk."""
    began = time.process_time()
    try:
        reports = replay_ids(ids)
    finally:
        db.session.remove()
    return reports, time.process_time() - began, os.getpid(), _peak_rss_kib()


def chunks(ids: list[int], jobs: int) -> list[list[int]]:
    """The ids in consecutive chunks: at least CHUNKS_PER_JOB per worker, at most READ_BATCH ids each."""
    size = max(1, min(READ_BATCH, -(-len(ids) // (jobs * CHUNKS_PER_JOB))))
    return [ids[i:i + size] for i in range(0, len(ids), size)]


@dataclass
class PoolFigures:
    """What the workers report: CPU seconds spent replaying, and each worker's peak RSS (KiB)."""

    cpu_s: float = 0.0
    peak_rss_kib: dict[int, int] = field(default_factory=dict)


class ReplayPool:
    """`jobs` worker processes, started on entering (`startup_s`: until every one has built its app)."""

    def __init__(self, jobs: int, make_app: Callable):
        self.jobs, self.make_app = jobs, make_app
        self.figures = PoolFigures()
        self.startup_s = 0.0
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ReplayPool":
        began = time.perf_counter()
        context = multiprocessing.get_context("spawn")
        self._executor = ProcessPoolExecutor(self.jobs, mp_context=context, initializer=_start_worker,
                                             initargs=(self.make_app, context.Barrier(self.jobs)))
        try:
            pids = {f.result() for f in [self._executor.submit(_ready) for _ in range(self.jobs)]}
        except BaseException:
            self._executor.shutdown(cancel_futures=True)
            raise
        self.workers = sorted(pids)
        self.startup_s = time.perf_counter() - began
        return self

    def __exit__(self, *_exc) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None

    def replay(self, ids: list[int], progress: Callable[[ReplayReport], None] | None = None,
               keep: Callable[[ReplayReport], bool] | None = None) -> list[ReplayReport]:
        """Replay these cases in the workers; the reports in the order of `ids` (those `keep` keeps, when given:
        a million reports of clean cases need not stay in memory). `progress` runs in this process, once per
        report, as chunks come back."""
        parts = chunks(ids, self.jobs)
        futures: dict[Future, int] = {self._executor.submit(_replay_chunk, part): n for n, part in enumerate(parts)}
        done: list[list[ReplayReport] | None] = [None] * len(parts)
        for future in as_completed(futures):
            n = futures[future]
            try:
                reports, cpu_s, pid, rss = future.result()
                self.figures.cpu_s += cpu_s
                if rss is not None:
                    self.figures.peak_rss_kib[pid] = max(rss, self.figures.peak_rss_kib.get(pid, 0))
            except Exception as exc:  # noqa: BLE001 - a worker that died: its cases are reported, not lost
                reports = _failed(parts[n], f"the worker process failed: {type(exc).__name__}: {exc}")
            if progress is not None:
                for report in reports:
                    progress(report)
            done[n] = [r for r in reports if keep(r)] if keep is not None else reports
        return [report for part in done for report in part]


def _failed(ids: list[int], why: str) -> list[ReplayReport]:
    numbers = dict(db.session.execute(db.select(ProcessInstance.id, ProcessInstance.registration_number)
                                      .where(ProcessInstance.id.in_(ids))).all())
    return [failed_report(numbers.get(i, f"#{i}"), why) for i in ids]


def replay_cases(ids: list[int], jobs: int, make_app: Callable | None,
                 progress: Callable[[ReplayReport], None] | None = None,
                 keep: Callable[[ReplayReport], bool] | None = None) -> list[ReplayReport]:
    """Replay these cases with `jobs` worker processes, or in this process when one job (or one chunk) does;
    `progress` sees every report, the list holds those `keep` keeps (all when None)."""
    jobs = min(jobs, len(chunks(ids, jobs)))
    if jobs <= 1 or make_app is None:
        return replay_ids(ids, progress, keep)
    with ReplayPool(jobs, make_app) as pool:
        return pool.replay(ids, progress, keep)
