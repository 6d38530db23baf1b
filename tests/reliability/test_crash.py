"""Crash safety: a server or a timer worker killed with SIGKILL in the middle of its work loses
nothing it acknowledged and leaves no case half-written.

The server is the embedded default (`python run.py`: waitress + SQLite in WAL mode); the load
goes to 127.0.0.1 only, from two client threads, bounded in count and time.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine

from app.persistence.models import AuditEvent, Outbox, ProcessInstance, TimerJob, db
from app.services.records.audit import verify_all
from app.services.records.replay import replay_all
from tests.conftest import USE_POSTGRES, build_app, migrate
from tests.reliability.procs import (Api, LoadLog, child_env, every_case_verifies_and_replays, ppid_command,
                                     request_body, spawn, start_run_py, tiny_png)
from tests.support import Driver

pytestmark = pytest.mark.skipif(USE_POSTGRES, reason="SQLite embedded default; the PostgreSQL run covers test_pg_concurrency")

CASES_PER_CLIENT = 40      # upper bound of the load
KILL_AFTER = 12            # acknowledged cases before each kill
KILLS = 3                  # kill and restart rounds on the same database
LOAD_SECONDS = 60          # upper bound in time


def _client(base: str, password: str, log: LoadLog, stop: threading.Event) -> None:
    """Create a case, then complete its first staff task; record only what was acknowledged."""
    try:
        applicant = Api(base).sign_in("pemohon", password)
        officer = Api(base).sign_in("petugas", password)
    except Exception:
        with log.lock:
            log.failed_calls += 1
        return
    png = tiny_png()
    deadline = time.monotonic() + LOAD_SECONDS
    for _ in range(CASES_PER_CLIENT):
        if stop.is_set() or time.monotonic() > deadline:
            return
        try:
            reply = applicant.call("POST", "/requests", request_body(png), {"Idempotency-Key": uuid.uuid4().hex})
            if reply.status != 201:
                with log.lock:
                    log.other.append((reply.status, str(reply.body)[:200]))
                continue
            number = reply.body["registration_number"]
            with log.lock:
                log.created.append(number)
            case = officer.call("GET", f"/requests/{number}")
            task_id = case.body["open_tasks"][0]["id"]
            done = officer.call("POST", f"/tasks/{task_id}/complete", {"data": {"kelengkapan": "lengkap"}})
            with log.lock:
                if done.status == 200:
                    log.completed.append(number)
                else:
                    log.other.append((done.status, str(done.body)[:200]))
        except Exception:  # the server died under this call: nothing was acknowledged
            with log.lock:
                log.failed_calls += 1
            return


def _open_app(tmp: Path, db_path: Path):
    return build_app(tmp / "check-instance", f"sqlite:///{db_path}", PPID_UPLOAD_DIR=str(tmp / "uploads"))


def _check_nothing_lost(app, created: list[str], completed: list[str]) -> dict:
    """Every acknowledged case and step is there; no case is half-written; figures for the report."""
    with app.app_context():
        numbers = set(db.session.scalars(db.select(ProcessInstance.registration_number)))
        missing = sorted(set(created) - numbers)
        assert not missing, f"acknowledged but lost: {missing}"
        for number in completed:
            instance = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=number))
            steps = db.session.scalars(db.select(AuditEvent.task_spec_id).filter_by(
                instance_id=instance.id, event_type="task_completed"))
            assert "Activity_PeriksaKelengkapan" in set(steps), f"{number}: acknowledged completion lost"
        count, problems = verify_all()
        assert not problems, "\n".join(map(str, problems))
        reports = replay_all()
        bad = [f"{r.registration_number}: {m}" for r in reports if not r.ok for m in r.mismatches]
        assert not bad, "\n".join(bad[:20])
        receipts = {i for (i,) in db.session.execute(db.select(Outbox.instance_id).filter_by(template="tanda_terima"))}
        ids = set(db.session.scalars(db.select(ProcessInstance.id)))
        assert ids <= receipts, f"cases without a receipt mail in the outbox: {sorted(ids - receipts)}"
        db.session.remove()
        db.engine.dispose()
        return {"cases": count, "replayed": len(reports)}


def test_a_server_killed_under_load_loses_nothing_it_acknowledged(tmp_path):
    """KILLS rounds on one database: start the server, load it, SIGKILL it while both clients send."""
    db_path = tmp_path / "ppid.sqlite3"
    log, password = LoadLog(), None
    for round_ in range(KILLS):
        server, base, first_password = start_run_py(db_path, tmp_path)
        password = password or first_password
        assert password, server.out.text()
        stop, target = threading.Event(), len(log.created) + KILL_AFTER
        clients = [threading.Thread(target=_client, args=(base, password, log, stop)) for _ in range(2)]
        try:
            for thread in clients:
                thread.start()
            deadline = time.monotonic() + LOAD_SECONDS
            while len(log.created) < target and time.monotonic() < deadline and any(t.is_alive() for t in clients):
                time.sleep(0.05)
            assert len(log.created) >= target, (round_, log, server.out.text()[-3000:])
            server.kill()  # SIGKILL while both clients are sending
        finally:
            stop.set()
            for thread in clients:
                thread.join(timeout=60)
            server.kill()
        assert not log.other, log.other  # before each kill, every answer was a success
    acknowledged = (list(log.created), list(log.completed))

    # The same database, a new process: everything acknowledged is there and the server works on.
    server, base, again = start_run_py(db_path, tmp_path)
    try:
        assert again is None  # no second set of demo accounts
        officer = Api(base).sign_in("petugas", password)
        for number in acknowledged[0]:
            assert officer.call("GET", f"/requests/{number}").status == 200, number
        applicant = Api(base).sign_in("pemohon", password)
        assert applicant.call("POST", "/requests", request_body()).status == 201
    finally:
        server.stop()
    figures = _check_nothing_lost(_open_app(tmp_path, db_path), *acknowledged)
    left = len(list((tmp_path / "uploads").iterdir()))
    swept = _sweep_uploads(_open_app(tmp_path, db_path))
    with sqlite3.connect(db_path) as con:
        stored = {name for (name,) in con.execute("SELECT storage_name FROM attachment")}
    files = {p.name for p in (tmp_path / "uploads").iterdir()}
    _report("server", {**figures, "kills": KILLS, "acknowledged_cases": len(acknowledged[0]),
                       "acknowledged_completions": len(acknowledged[1]), "calls_cut_by_the_kill": log.failed_calls,
                       "upload_files_before_sweep": left, "attachment_rows": len(stored),
                       "orphan_files_removed": len(swept.removed), "renames_finished": len(swept.finished)})
    assert files == stored  # after the sweep: every row has its file under its final name, and no file is orphaned


def _sweep_uploads(app):
    """`ppid data sweep-files` as the daily run does it, late enough that no step of the killed server runs."""
    from app.services.casework.file_sweep import sweep_files

    with app.app_context():
        result = sweep_files(datetime.now(timezone.utc) + timedelta(hours=2))
        db.session.remove()
        db.engine.dispose()
    return result


# ----------------------------------------------------------------------------- the timer worker

TIMER_CASES = 40


def _timer_steps(payload: dict) -> list[str]:
    return [s["id"] for s in payload.get("steps", []) if s.get("kind") == "BoundaryEvent"]


def test_a_timer_worker_killed_mid_sweep_fires_each_timer_exactly_once(tmp_path):
    db_path = tmp_path / "ppid.sqlite3"
    url = f"sqlite:///{db_path}"
    app = build_app(tmp_path / "instance", url, PPID_UPLOAD_DIR=str(tmp_path / "uploads"))
    migrate(app)
    with app.app_context():
        # Cases filed six weeks ago: their 4 and 10 working-day timers are due now.
        with time_machine.travel(datetime.now(timezone.utc) - timedelta(days=60), tick=False) as traveller:
            driver = Driver(traveller)
            for _ in range(TIMER_CASES):
                driver.start()
        due = {(job.instance_id, job.spec_id) for job in db.session.scalars(db.select(TimerJob))}
        assert len(due) == 3 * TIMER_CASES  # the 3-day check target, the 4-day target, the 10-day limit
        assert all(job.due_at < datetime.now(timezone.utc) for job in db.session.scalars(db.select(TimerJob)))
        db.session.remove()
        db.engine.dispose()

    env = child_env(tmp_path, url)
    worker = spawn(ppid_command() + ["timers", "run", "--interval", "1"], env)
    fired_before_kill = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.proc.poll() is None:
            with sqlite3.connect(db_path, timeout=30) as con:
                fired_before_kill = con.execute(
                    "SELECT count(*) FROM audit_event WHERE event_type='timer_fired'").fetchone()[0]
            if fired_before_kill >= TIMER_CASES // 4:
                break
            time.sleep(0.05)
        worker.kill()
    finally:
        worker.kill()
    assert 0 < fired_before_kill < TIMER_CASES, (fired_before_kill, worker.out.text()[-2000:])

    # Run the sweep again: it fires what is left, and nothing twice.
    again = spawn(ppid_command() + ["timers", "run", "--once"], env)
    assert again.proc.wait(timeout=120) == 0, again.out.text()
    with app.app_context():
        fired = Counter()
        for event in db.session.scalars(db.select(AuditEvent).filter_by(event_type="timer_fired")):
            for spec in _timer_steps(json.loads(event.payload)):
                fired[(event.instance_id, spec)] += 1
        assert due <= set(fired), sorted(due - set(fired))[:5]
        twice = {k: n for k, n in fired.items() if n != 1}
        assert not twice, twice
        assert db.session.scalar(db.select(db.func.count()).select_from(TimerJob)
                                 .where(TimerJob.due_at <= datetime.now(timezone.utc))) == 0
        every_case_verifies_and_replays()
    _report("timers", {"cases": TIMER_CASES, "timers_due": len(due), "timer_events_before_kill": fired_before_kill,
                       "timers_fired_total": sum(fired.values()), "fired_twice": 0})


def _report(name: str, figures: dict) -> None:
    """Figures for docs/RELIABILITY.md (printed with -s; kept in test-artifacts/ when that folder exists)."""
    print(f"\n[reliability:{name}] {json.dumps(figures)}")
    folder = Path(__file__).resolve().parents[2] / "test-artifacts"
    if folder.is_dir():
        (folder / f"reliability-{name}.json").write_text(json.dumps(figures, indent=2))
