"""Conflicts, the audit chain, and the promise that lists never load workflows."""
import json
import threading

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from app.cli import main as ppid
from app.domain.errors import Conflict
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, TimerJob, db
from app.services.infrastructure import context as service_context
from app.services.records.audit import verify_all
from app.services.casework.tasks import claim_task, complete_task, list_tasks
from app.services.casework.timers import fire_due_timers

from tests.support import STEPS, actor, now, wib


def _complete_in_thread(app, username, task_id, barrier, outcomes):
    with app.app_context():
        barrier.wait()
        try:
            complete_task(actor(username), task_id, STEPS["Activity_PeriksaKelengkapan"][1], now())
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.message)
        finally:
            db.session.remove()


def test_two_users_completing_one_task_at_once(app, drive):
    from app.services.people.accounts import create_user

    create_user("petugas2", "Petugas Kedua", "sandi-rahasia-2", now(), ["diskominfo"])
    db.session.commit()
    reg = drive.start()
    task_id = drive.task(reg, "Activity_PeriksaKelengkapan").task_id
    db.session.remove()
    barrier, outcomes = threading.Barrier(2), []
    threads = [threading.Thread(target=_complete_in_thread, args=(app, u, task_id, barrier, outcomes))
               for u in ("petugas", "petugas2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes, key=lambda o: o != "ok")[0] == "ok"
    assert len(outcomes) == 2 and outcomes.count("ok") == 1
    assert "oleh" in next(o for o in outcomes if o != "ok") or "tidak terbuka" in next(o for o in outcomes if o != "ok")
    case = drive.case(reg)
    completed = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == case.id, AuditEvent.task_spec_id == "Activity_PeriksaKelengkapan"))
    assert completed == 1
    assert drive.open_tasks(reg) == ["Activity_TeruskanKeOPD"]
    assert verify_all(reg)[1] == []


def test_a_task_claimed_by_someone_else_cannot_be_taken(app, drive):
    from app.services.people.accounts import create_user

    create_user("petugas2", "Petugas Kedua", "sandi-rahasia-2", now(), ["diskominfo"])
    db.session.commit()
    reg = drive.start()
    task_id = drive.task(reg, "Activity_PeriksaKelengkapan").task_id
    claim_task(actor("petugas"), task_id, now())
    with pytest.raises(Conflict, match="Budi Santoso"):
        claim_task(actor("petugas2"), task_id, now())
    with pytest.raises(Conflict):
        complete_task(actor("petugas2"), task_id, {"kelengkapan": "lengkap"}, now())
    drive.do(reg, "Activity_PeriksaKelengkapan")


def _walk_some_cases(drive):
    regs = [drive.start() for _ in range(3)]
    drive.walk(regs[0], "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
    drive.walk(regs[1], "Activity_PeriksaKelengkapan")
    drive.move_to(wib(2026, 3, 7))  # the 4-day target passes for every case
    return regs


def _verify_cli(reg=None):
    result = CliRunner().invoke(ppid, ["audit", "verify"] + ([reg] if reg else []))
    return result.exit_code, result.output


@pytest.mark.parametrize("tamper", ["event_payload", "event_deleted", "event_actor", "state", "case_data",
                                    "task_row", "timer_row", "status"])
def test_altering_any_stored_row_is_detected_and_named(app, drive, tamper):
    regs = _walk_some_cases(drive)
    assert _verify_cli() == (0, "OK: 3 case(s) verified\n")
    case = drive.case(regs[0])
    events = list(db.session.scalars(db.select(AuditEvent).filter_by(instance_id=case.id).order_by(AuditEvent.seq)))
    victim = events[2]
    if tamper == "event_payload":
        payload = json.loads(victim.payload)
        payload["submitted"]["kelengkapan"] = "tidak_lengkap"
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == victim.id).values(payload=json.dumps(payload)))
    elif tamper == "event_deleted":
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == victim.id))
    elif tamper == "event_actor":
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == victim.id).values(actor_name="Orang Lain"))
    elif tamper == "state":
        db.session.execute(sa.update(ProcessInstance).where(ProcessInstance.id == case.id)
                           .values(state=case.state.replace("DISDIK", "DINKES")))
    elif tamper == "case_data":
        db.session.execute(sa.update(ProcessInstance).where(ProcessInstance.id == case.id)
                           .values(case_data={**case.case_data, "nik": "0000000000000000"}))
    elif tamper == "task_row":
        db.session.execute(sa.update(HumanTask).where(HumanTask.instance_id == case.id).values(opd_code="DINKES"))
    elif tamper == "timer_row":
        db.session.execute(sa.update(TimerJob).where(TimerJob.instance_id == case.id)
                           .values(due_at=wib(2027, 1, 4)))
    elif tamper == "status":
        db.session.execute(sa.update(ProcessInstance).where(ProcessInstance.id == case.id).values(status="Selesai"))
    db.session.commit()
    code, output = _verify_cli()
    assert code == 1
    assert regs[0] in output and regs[1] not in output and regs[2] not in output
    if tamper.startswith("event"):
        assert f"event #{victim.seq}" in output
    code_one, output_one = _verify_cli(regs[1])
    assert code_one == 0


def test_listing_tasks_never_loads_a_workflow(app, drive):
    _walk_some_cases(drive)
    engine = service_context.engine()
    before = engine.loads
    for username in ("petugas", "opd", "pemohon", "atasan", "kepala"):
        list_tasks(actor(username), now())
    assert engine.loads == before


def test_sweeping_timers_loads_only_the_cases_that_are_due(app, drive):
    regs = [drive.start() for _ in range(5)]
    drive.do(regs[0], "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="KTP buram")
    for reg in regs[1:]:  # checked at once: no 3-day check target waits
        drive.do(reg, "Activity_PeriksaKelengkapan")
    engine = service_context.engine()
    drive.traveller.move_to(wib(2026, 3, 5, 12))
    before = engine.loads
    assert fire_due_timers(now()).cases == 0
    assert engine.loads == before
    drive.traveller.move_to(wib(2026, 3, 6))  # only the 3-day completion limit of regs[0] is due
    result = fire_due_timers(now())
    assert (result.cases, result.timers) == (1, 1)
    assert engine.loads == before + 1
    assert drive.case(regs[0]).status == "Gugur"


def test_a_sweep_is_idempotent(app, drive):
    regs = _walk_some_cases(drive)
    assert fire_due_timers(now()).timers == 0
    fired = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.event_type == "timer_fired"))
    assert fired == len(regs)
    assert all(drive.case(r).late for r in regs)
