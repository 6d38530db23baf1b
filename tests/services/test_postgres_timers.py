"""On PostgreSQL, two timer workers sweeping at once fire each due timer exactly once."""
import json
import threading
from collections import Counter

import pytest
import sqlalchemy as sa
import time_machine

from app.persistence.models import AuditEvent, TimerJob, db
from app.services.records.audit import verify_all
from app.services.casework.timers import fire_due_timers

from tests.conftest import build_app, create_pg_database, drop_pg_database, migrate, postgres_available
from tests.support import Driver, now, wib

pytestmark = pytest.mark.postgres

CASES = 24


@pytest.fixture
def pg_app(tmp_path):
    if not postgres_available():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    url = create_pg_database()
    try:
        app = build_app(tmp_path / "instance", url)
        migrate(app)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_pg_database(url)


def _worker(app, results, errors, barrier):
    with app.app_context():
        try:
            barrier.wait()
            total = 0
            while True:
                swept = fire_due_timers(now(), limit=5)
                total += swept.timers
                if swept.cases == 0 and swept.conflicts == 0:
                    break
            results.append(total)
        except Exception as exc:  # reported by the test
            errors.append(exc)
        finally:
            db.session.remove()


def test_two_workers_fire_each_timer_once(pg_app):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        regs = [drive.start() for _ in range(CASES)]
        for reg in regs:  # checked at once: the office's 3-day completeness target is met
            drive.walk(reg, "Activity_PeriksaKelengkapan")
        for reg in regs[::2]:
            drive.walk(reg, "Activity_TeruskanKeOPD")
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(TimerJob))
        assert waiting == 2 * CASES  # the 4-day target and the 10-day limit of every case
        db.session.remove()
        traveller.move_to(wib(2026, 3, 7))  # every 4-day target is due, no 10-day limit yet
        results, errors, barrier = [], [], threading.Barrier(2)
        workers = [threading.Thread(target=_worker, args=(pg_app, results, errors, barrier)) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
        assert errors == []
        assert sum(results) == CASES and len(results) == 2
        fired = Counter()
        for event in db.session.scalars(sa.select(AuditEvent).filter_by(event_type="timer_fired")):
            for step in json.loads(event.payload)["steps"]:
                if step["id"].startswith("Timer_"):
                    fired[(event.instance_id, step["id"])] += 1
        assert len(fired) == CASES and set(fired.values()) == {1}
        remaining = db.session.scalars(sa.select(TimerJob.spec_id)).all()
        assert sorted(set(remaining)) == ["Timer_Batas10HK"] and len(remaining) == CASES
        assert verify_all()[1] == []
