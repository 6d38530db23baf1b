"""Faults the load and fuzz tests found, each pinned by a small test of its own."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import time_machine

from app.persistence.models import AuditEvent, HumanTask, TimerJob, db
from app.services.records.audit import verify_all
from app.services.casework.cases import get_case
from app.services.records.replay import replay_case
from app.services.casework.tasks import claim_task
from tests.support import Driver, actor, now


def test_a_case_whose_last_event_is_a_claim_still_verifies(app):
    """A claim records no state: verification compares the stored case with the last event that did."""
    reg = Driver(None).start()
    task = db.session.scalar(db.select(HumanTask.task_id).filter_by(registration_number=reg))
    claim_task(actor("petugas"), task, now())
    count, problems = verify_all(reg)
    assert count == 1 and not problems, problems
    assert get_case(actor("petugas"), reg).chain_ok


def test_a_task_completed_after_an_unswept_deadline_fires_the_due_timers_in_that_step(app):
    """Before: the step marked the due timers fired but never ran them, and dropped their rows, so the
    10 working-day limit was silently lost whenever staff acted before the timer worker swept."""
    with time_machine.travel(datetime.now(timezone.utc) - timedelta(days=60), tick=False):
        reg = Driver(None).start()
    assert db.session.scalar(db.select(db.func.count()).select_from(TimerJob)) == 3  # all due, not swept
    Driver(None).do(reg, "Activity_PeriksaKelengkapan")
    case = Driver(None).case(reg)
    fired, completed = db.session.scalars(db.select(AuditEvent).filter_by(instance_id=case.id)
                                          .order_by(AuditEvent.seq.desc()).limit(2)).all()[::-1]
    # the limits fire first, at the step's own time, as an event of their own; then the step
    assert (fired.event_type, completed.event_type) == ("timer_fired", "task_completed")
    assert {"Timer_Target4HK", "Timer_Batas10HK"} <= {s["id"] for s in json.loads(fired.payload)["steps"]}
    assert case.status == "Melewati Batas Waktu" and case.late
    # 60 days on, the applicant's 30 working days to object on lateness have lapsed too; the duty to answer
    # has not: the case is not closed and the dispatch is still to do
    assert Driver(None).open_tasks(reg) == ["Activity_TeruskanKeOPD"] and not case.finished
    count, problems = verify_all(reg)
    assert not problems, problems
    assert replay_case(reg).ok


def test_ids_beyond_an_integer_column_are_404_not_500(client):
    for path in ("/api/v1/tasks/9223372036854775808", "/api/v1/tasks/2147483648", "/tugas/99999999999999999999"):
        assert client.get(path).status_code == 404, path
