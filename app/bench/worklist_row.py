"""Row 4: an officer's worklist with many cases and a long audit log in the database.

The query is `app.services.casework.tasks.list_tasks` (first page, default sort) for the Diskominfo officer
(petugas) and for an OPD officer (opd: DISDIK and DINKES); the page is GET /staf/tugas through
Flask's test client, signed in. Each call runs in a fresh session, as a request would.
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from .fill import Filler, analyze, capture_stages, worklist_mix
from .stats import Clock, percentile

OFFICERS = ("petugas", "opd")
PAGE = "/staf/tugas"


def page_available(app) -> bool:
    return any(rule.rule == PAGE for rule in app.url_map.iter_rules())


def fill_worklist_database(app, cases: int, events: int) -> dict:
    from app.persistence.models import db

    with app.app_context():
        stages = capture_stages(0) + capture_stages(1)
        filler = Filler(stages)
        applicants = filler.applicants(max(cases // 5, 1))
        counts = filler.cases(cases, worklist_mix(datetime.now(timezone.utc)), applicants, events_target=events,
                              label="filling worklist cases")
        if db.engine.dialect.name == "postgresql":
            analyze()  # autovacuum would have, minutes after such a load; SQLite is measured as the app runs it
        totals = {name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))
                  for name in ("process_instance", "human_task", "timer_job", "audit_event", "app_user")}
        db.session.remove()
    return {"inserted": counts, "rows": totals}


def _timings(calls: int, warmup: int, call) -> dict:
    """Wall-clock percentiles (the targets), and CPU-time ones (what a machine of one's own would show)."""
    wall, cpu = [], []
    for n in range(warmup + calls):
        with Clock() as clock:
            call()
        if n >= warmup:
            wall.append(clock.wall * 1000)
            cpu.append(clock.cpu * 1000)
    return {"p50_ms": percentile(wall, 50), "p95_ms": percentile(wall, 95), "calls": calls,
            "cpu_p50_ms": percentile(cpu, 50), "cpu_p95_ms": percentile(cpu, 95)}


def measure_queries(app, calls: int) -> dict:
    from app.persistence.models import db
    from app.services.casework.tasks import list_tasks

    from .service_row import demo_actors

    results = {}
    with app.app_context():
        actors = demo_actors()
        db.session.remove()
        for name in OFFICERS:
            seen = {}

            def call():
                page = list_tasks(actors[name], datetime.now(timezone.utc))
                seen["total"], seen["rows"], seen["exact"] = page.total, len(page.rows), page.exact
                db.session.remove()

            results[name] = {**_timings(calls, 5, call), "worklist_total": seen["total"], "rows_shown": seen["rows"],
                             "total_exact": seen["exact"]}
    return results


def measure_pages(app, calls: int, password: str) -> dict:
    results = {}
    for name in OFFICERS:
        client = app.test_client()
        answer = client.post("/masuk", data={"username": name, "password": password})
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"worklist page: {name} could not sign in (HTTP {answer.status_code})")
        sizes = {}

        def call():
            response = client.get(PAGE)
            if response.status_code != 200:
                raise RuntimeError(f"GET {PAGE} as {name}: HTTP {response.status_code}")
            sizes["bytes"] = len(response.data)

        results[name] = {**_timings(calls, 3, call), "page_bytes": sizes["bytes"]}
    return results
