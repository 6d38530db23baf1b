"""Row 6: replay verification, cases per second with one job and with N worker processes (R4).

Both use what `ppid audit replay --all` uses: one job is `replay_ids` in this process, N jobs is
`ReplayPool.replay` (N spawned workers, each with its own app and connection). The pool is started once and
warmed (every worker replays the cases once) before the timed passes, so worker start-up is not in the rates;
it is reported beside them (`startup_s`). A timed pass replays the row's cases over and over up to
`pass_cases`, so that a pass lasts seconds, not milliseconds; one job and N jobs alternate, repeat by repeat.
"""
from __future__ import annotations

import os

from .stats import Clock, median


def _outcome(reports) -> list[tuple[str, list[str]]]:
    return [(r.registration_number, [str(m) for m in r.mismatches]) for r in reports]


def measure_replay(app, max_cases: int, repeats: int, pass_cases: int, jobs: int | None = None) -> dict:
    from app import same_app
    from app.services.records.replay import case_ids, replay_ids
    from app.services.records.replay_pool import ReplayPool

    jobs = jobs or os.cpu_count() or 1
    with app.app_context():
        ids = case_ids()[:max_cases]
        if not ids:
            raise RuntimeError("replay row: no cases in the database")
        work = (ids * -(-pass_cases // len(ids)))[:max(pass_cases, len(ids))]
        serial = replay_ids(ids)  # warm-up (definitions, caches), and the reference outcome
        one, many, cpu_one, cpu_many, busy = [], [], [], [], []
        with ReplayPool(jobs, same_app(app)) as pool:
            if _outcome(pool.replay(ids)) != _outcome(serial):  # also the workers' warm-up
                raise RuntimeError("replay row: the parallel replay reports differ from the serial replay's")
            for _ in range(repeats):
                with Clock() as clock:
                    replay_ids(work)
                one.append(len(work) / clock.wall)
                cpu_one.append(1000 * clock.cpu / len(work))
                before = pool.figures.cpu_s
                with Clock() as clock:
                    pool.replay(work)
                many.append(len(work) / clock.wall)
                cpu_many.append(1000 * (pool.figures.cpu_s - before) / len(work))
                # the share of the N workers' wall time they ran on a CPU: below 1 when other processes of the
                # machine held CPUs (or the workers waited for each other)
                busy.append((pool.figures.cpu_s - before) / (jobs * clock.wall))
            startup_s, peak_rss = pool.startup_s, pool.figures.peak_rss_kib
    rate_one, rate_many = median(one), median(many)
    return {"method": "replay_ids / ReplayPool.replay", "cases": len(ids), "pass_cases": len(work),
            "repeats": repeats, "jobs": jobs, "cases_per_s": rate_one, "cases_per_s_jobs": rate_many,
            "cpu_ms_per_case": median(cpu_one), "cpu_ms_per_case_jobs": median(cpu_many),
            "workers_cpu_share": median(busy),
            "scaling": rate_many / (jobs * rate_one) if rate_one else None,
            "startup_s": startup_s, "worker_peak_rss_kib": sorted(peak_rss.values()),
            "problems": sum(1 for r in serial if r.mismatches)}
