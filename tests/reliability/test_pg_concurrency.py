"""PostgreSQL under concurrent load: gunicorn with 3 workers, two `ppid timers run` workers, and
many clients claiming and completing the same tasks through the JSON API at once.

Nothing is lost or done twice: each task is completed at most once (and exactly as often as a
client was told 200), each due timer fires exactly once, every refusal is a 409 (or a 404 once
the task is gone) as problem+json, no lock is left waiting at the end, and every case still
verifies (hash chain, stored state) and replays. Load goes to 127.0.0.1 only and is bounded.
"""
from __future__ import annotations

import json
import random
import re
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine

from app.domain import roles
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, TimerJob, db
from app.services.people.accounts import create_user
from app.services.casework.tasks import claim_task
from tests.conftest import (PASSWORD, USE_POSTGRES, build_app, create_pg_database, drop_pg_database, migrate,
                            postgres_available)
from tests.reliability.procs import (Api, child_env, every_case_verifies_and_replays, free_port, ppid_command,
                                     spawn, wait_http)
from tests.reliability.test_crash import _report
from tests.support import Driver, actor

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(USE_POSTGRES, reason="run once, in the default run (it makes its own database)")]

LATE_CASES = 12     # filed 60 days ago: their timers race the clients
FRESH_CASES = 12    # filed now: only the clients race each other
OFFICERS = ["petugas", "petugas2", "petugas3"]
THREADS_PER_OFFICER = 2
TASK = "Activity_PeriksaKelengkapan"
HOLDER = "petugas9"
PROBLEM = "application/problem+json"


@pytest.fixture
def pg_url(tmp_path):
    pytest.importorskip("gunicorn")
    if not postgres_available():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


def _prepare(app) -> tuple[list[int], set[tuple[int, str]]]:
    """Officers, late and fresh cases; returns (open task ids, due timers (case, spec))."""
    with app.app_context():
        for username in OFFICERS[1:]:
            create_user(username, f"Petugas {username}", PASSWORD, datetime.now(timezone.utc), [roles.DISKOMINFO],
                        email=f"{username}@contoh.pasuruankab.go.id")
        db.session.commit()
        with time_machine.travel(datetime.now(timezone.utc) - timedelta(days=60), tick=False) as traveller:
            for _ in range(LATE_CASES):
                Driver(traveller).start()
        for _ in range(FRESH_CASES):
            Driver(None).start()
        tasks = list(db.session.scalars(db.select(HumanTask.task_id).filter_by(spec_id=TASK).order_by(HumanTask.id)))
        # an officer away from the desk holds two fresh tasks: every other attempt on them must be a 409
        create_user(HOLDER, "Petugas cuti", PASSWORD, datetime.now(timezone.utc), [roles.DISKOMINFO])
        db.session.commit()
        for task_id in tasks[-2:]:
            claim_task(actor(HOLDER), task_id, datetime.now(timezone.utc))
        now = datetime.now(timezone.utc)
        due = {(j.instance_id, j.spec_id) for j in db.session.scalars(db.select(TimerJob).where(TimerJob.due_at <= now))}
        db.session.remove()
        db.engine.dispose()
    return tasks, due


def _officer(base: str, username: str, tasks: list[int], seed: int, log: list, lock: threading.Lock,
             start: threading.Barrier) -> None:
    api = Api(base).sign_in(username, PASSWORD)
    order = list(tasks)
    random.Random(seed).shuffle(order)
    start.wait(timeout=60)
    deadline = time.monotonic() + 60
    for task_id in order:
        if time.monotonic() > deadline:
            break
        calls = [("claim", f"/tasks/{task_id}/claim", None)] if seed % 2 else []
        calls.append(("complete", f"/tasks/{task_id}/complete", {"data": {"kelengkapan": "lengkap"}}))
        for op, path, body in calls:
            reply = api.call("POST", path, body)
            with lock:
                log.append((username, task_id, op, reply.status, reply.content_type.split(";")[0],
                            (reply.body or {}).get("registration_number")))
            if reply.status != 200:
                break


def test_many_clients_and_two_timer_workers_on_postgres(tmp_path, pg_url):
    app = build_app(tmp_path / "instance", pg_url)
    migrate(app)
    tasks, due = _prepare(app)
    assert len(tasks) == LATE_CASES + FRESH_CASES and len(due) == 3 * LATE_CASES

    port = free_port()
    env = child_env(tmp_path, pg_url)
    web = spawn([sys.executable, "-m", "gunicorn", "-w", "3", "-b", f"127.0.0.1:{port}", "--timeout", "120",
                 "app:create_app()"], env)
    base = f"http://127.0.0.1:{port}"
    timer_workers = []
    log: list[tuple] = []
    lock = threading.Lock()
    try:
        wait_http(base + "/healthz", timeout=90)
        start = threading.Barrier(len(OFFICERS) * THREADS_PER_OFFICER + 1)
        threads = [threading.Thread(target=_officer, args=(base, user, tasks, i * 10 + n, log, lock, start))
                   for i, user in enumerate(OFFICERS) for n in range(THREADS_PER_OFFICER)]
        for thread in threads:
            thread.start()
        timer_workers = [spawn(ppid_command() + ["timers", "run", "--interval", "0.5"], env) for _ in range(2)]
        start.wait(timeout=60)
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        with app.app_context():  # let the timer workers finish what is due
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                left = db.session.scalar(sa.select(sa.func.count()).select_from(TimerJob)
                                         .where(TimerJob.due_at <= datetime.now(timezone.utc)))
                db.session.rollback()
                if left == 0:
                    break
                time.sleep(0.3)
            waiting = db.session.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
            ungranted = db.session.execute(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar()
            db.session.remove()
    finally:
        for worker in timer_workers:
            worker.stop()
        web.stop()
    assert left == 0, "due timers left unfired"
    assert (waiting, ungranted) == (0, 0), "a lock was left waiting"

    statuses = Counter(entry[3] for entry in log)
    assert set(statuses) <= {200, 404, 409}, (statuses, [e for e in log if e[3] not in (200, 404, 409)][:5],
                                              web.out.text()[-3000:])
    assert all(entry[4] == PROBLEM for entry in log if entry[3] != 200)
    held = set(tasks[-2:])
    assert [e for e in log if e[1] in held] and all(e[3] == 409 for e in log if e[1] in held)
    told_done = Counter(entry[1] for entry in log if entry[2] == "complete" and entry[3] == 200)
    assert all(n == 1 for n in told_done.values()), told_done

    with app.app_context():
        completions, fired = Counter(), Counter()
        for event in db.session.scalars(db.select(AuditEvent).where(
                AuditEvent.event_type.in_(["task_completed", "timer_fired"]))):
            if event.event_type == "task_completed" and event.task_spec_id == TASK:
                completions[event.instance_id] += 1
            # a due timer fires in a timer worker's sweep, or in the step of whoever touches the case first
            for step in json.loads(event.payload).get("steps", []):
                if step.get("kind") == "BoundaryEvent":
                    fired[(event.instance_id, step["id"])] += 1
        assert all(n == 1 for n in completions.values()), "a task was completed twice"
        assert all(db.session.scalar(db.select(HumanTask).filter_by(task_id=t)).claimed_by_name == "Petugas cuti" for t in held)
        numbers = dict(db.session.execute(sa.select(ProcessInstance.registration_number, ProcessInstance.id)).all())
        acknowledged = Counter(numbers[e[5]] for e in log if e[2] == "complete" and e[3] == 200)
        assert acknowledged == completions, "the completions in the audit log differ from those acknowledged"
        # every timer due at the start fired (so did the objection windows those opened, when already due)
        assert due <= set(fired), sorted(due - set(fired))[:5]
        assert all(n == 1 for n in fired.values()), {k: n for k, n in fired.items() if n != 1}
        count = every_case_verifies_and_replays()
    timer_text = "\n".join(w.out.text() for w in timer_workers)
    timer_conflicts = sum(int(n) for n in re.findall(r"conflicts: (\d+)", timer_text))
    _report("postgres", {"web_workers": 3, "timer_workers": 2, "client_threads": len(OFFICERS) * THREADS_PER_OFFICER,
                         "cases": count, "requests": len(log), "answers": dict(sorted(statuses.items())),
                         "tasks_completed": sum(completions.values()), "timers_fired": sum(fired.values()),
                         "timer_conflicts": timer_conflicts, "locks_waiting_at_end": waiting})
