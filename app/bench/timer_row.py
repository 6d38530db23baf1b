"""Row 5: the timer sweep with many waiting timers, idle and with real cases due.

Waiting timers: bulk cases waiting for the OPD's answer, each with its two timers (4 and 10
working days) still to come; their states are never loaded unless due. Due timers: real cases
made through the services with the clock set back (time-machine), so that their timers, computed
from that time, are due now; the sweep then loads, fires and stores each of them.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from .fill import Filler, capture_stages, waiting_timers_mix
from .stats import Clock, median, percentile

DUE_BACK = timedelta(days=45)  # 10 working days plus any holiday season fit in 45 calendar days


def _now() -> datetime:
    return datetime.now(timezone.utc)


def time_machine_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("time_machine") is not None


def idle_sweeps(app, repeats: int) -> dict:
    from app.persistence.models import db
    from app.services.casework.timers import fire_due_timers

    samples = []
    with app.app_context():
        for _ in range(repeats + 3):
            with Clock() as clock:
                result = fire_due_timers(_now())
            db.session.remove()
            if result.timers:
                raise RuntimeError("timer row: an idle sweep fired timers")
            samples.append(clock.wall * 1000)
    samples = samples[3:]
    return {"median_ms": median(samples), "p95_ms": percentile(samples, 95), "sweeps": repeats}


def count_timers(app) -> dict:
    from app.persistence.models import TimerJob, db

    with app.app_context():
        now = _now()
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(TimerJob).where(TimerJob.due_at > now))
        due = db.session.scalar(sa.select(sa.func.count()).select_from(TimerJob).where(TimerJob.due_at <= now))
        db.session.remove()
    return {"waiting": waiting, "due": due}


def fill_waiting(app, timers: int) -> dict:
    with app.app_context():
        stages = [s for s in capture_stages(0) if s.name == "Activity_JawabPermohonan"]
        per_case = len(stages[0].timers)
        filler = Filler(stages)
        applicants = filler.applicants(max(timers // per_case // 5, 1), label="filling timer applicants")
        return filler.cases(max(timers // per_case, 1), waiting_timers_mix(_now()), applicants,
                            label="filling waiting timers")


def make_due_cases(app, count: int) -> None:
    """Real cases, started 45 days ago and forwarded to an OPD that never answered."""
    import click
    import time_machine

    from .service_row import demo_actors, drive_case

    with app.app_context():
        actors = demo_actors()
        with time_machine.travel(_now() - DUE_BACK, tick=True):
            with click.progressbar(range(count), label="making due cases (services)") as bar:
                for index in bar:
                    drive_case(actors, 2 * index, until="Activity_JawabPermohonan")


def due_sweep(app, limit: int) -> dict:
    from app.persistence.models import db
    from app.services.casework.timers import fire_due_timers

    with app.app_context():
        with Clock() as clock:
            result = fire_due_timers(_now(), limit=limit)
        db.session.remove()
    return {"ms": clock.wall * 1000, "cpu_ms": clock.cpu * 1000, "cases": result.cases, "timers": result.timers,
            "conflicts": result.conflicts}
