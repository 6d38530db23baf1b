"""A step that fails at run time becomes an incident: the case stays as it was, and a retry after a fix completes it.

Faults are injected into a small model of our own (tests/incident_models.py) at each kind of step: the start, a
task, a timer, a message (the withdrawal) and a migration; the fixed model is deployed as a new version and the
case migrated to it (app/services/modelling/processes.py) before the retry. The same walk runs on PostgreSQL.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from app.persistence.models import AuditEvent, HumanTask, Incident, ProcessInstance, TimerJob, db
from app.services.casework import incidents
from app.services.records.audit import verify_instance
from app.services.casework.cases import start_case
from app.services.casework.incidents import IncidentRaised, retry_incident
from app.services.modelling.processes import migrate_cases
from app.services.records.replay import replay_case
from app.services.casework.tasks import complete_task
from app.services.casework.timers import fire_due_timers
from app.services.casework.withdrawal import withdraw_request

from tests.conftest import build_app, create_pg_database, drop_pg_database, migrate, postgres_available
from tests.incident_models import CHECK, PROCESS_ID, REQUEST, broken, definition, deploy, with_service_task
from tests.support import Driver, actor, now, wib

START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB


@pytest.fixture
def travel(app):
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def case(reg: str) -> ProcessInstance:
    db.session.expire_all()
    return db.session.scalar(sa.select(ProcessInstance).filter_by(registration_number=reg))


def snapshot(reg: str) -> dict:
    """Everything a step may change: the workflow state, the case fields, its worklist and timer rows."""
    found = case(reg)
    db.session.refresh(found, ["state"])
    return {"state": found.state, "data": found.case_data, "status": found.status, "finished": found.finished,
            "lock": found.lock_version,
            "tasks": sorted(db.session.scalars(sa.select(HumanTask.task_id).filter_by(instance_id=found.id))),
            "timers": sorted(db.session.scalars(sa.select(TimerJob.task_id).filter_by(instance_id=found.id))),
            "events": [e for e in events(reg) if not e.startswith("incident_")]}


def events(reg: str) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.event_type).filter_by(instance_id=case(reg).id)
                                   .order_by(AuditEvent.seq)))


def task_id(reg: str, spec_id: str) -> str:
    return db.session.scalar(sa.select(HumanTask.task_id).filter_by(instance_id=case(reg).id, spec_id=spec_id))


def incident(number: int) -> Incident:
    db.session.expire_all()
    return db.session.get(Incident, number)


def start() -> str:
    return start_case(actor("pemohon"), PROCESS_ID, REQUEST, now()).registration_number


def fix_and_migrate(reg: str) -> int:
    """Deploy the good model as the newest version and move the case onto it."""
    fixed = deploy(definition(), note="perbaikan skrip")
    [outcome] = migrate_cases(actor("pemilik"), [reg], fixed.id, now())
    assert outcome.moved, outcome.reasons
    return fixed.id


def history_is_sound(reg: str) -> None:
    found = case(reg)
    assert verify_instance(found) == []
    report = replay_case(reg)
    assert report.mismatches == [], report.mismatches


# --------------------------------------------------------------------------- a task


def task_incident_then_retry() -> None:
    """The walk of the task kind (run on SQLite and on PostgreSQL)."""
    deploy(broken("Activity_Tutup", "status = 1 / 0"), note="skrip rusak")
    reg = start()
    before = snapshot(reg)
    task = task_id(reg, "Activity_Periksa")

    with pytest.raises(IncidentRaised) as raised:
        complete_task(actor("petugas"), task, CHECK, now())

    number = raised.value.incident_id
    assert raised.value.http_status == 503
    assert f"insiden #{number}" in raised.value.message and "tidak berubah" in raised.value.message
    assert snapshot(reg) == before  # the case exactly as before the step
    row = incident(number)
    assert (row.kind, row.status, row.registration_number, row.element_id, row.element_name) == \
        ("task", "open", reg, "Activity_Tutup", "Tutup permohonan")
    assert row.error == "ZeroDivisionError: division by zero" and "Traceback" in row.detail
    assert row.actor_name == actor("petugas").full_name and row.occurred_at == now()
    assert row.retry_data == {"task_id": task, "spec_id": "Activity_Periksa", "data": CHECK, "on_behalf": None}
    assert events(reg)[-1] == "incident_opened"
    history_is_sound(reg)

    # the same step sent again is the same incident, counted
    with pytest.raises(IncidentRaised) as again:
        complete_task(actor("petugas"), task, CHECK, now())
    assert again.value.incident_id == number and incident(number).occurrences == 2
    assert events(reg).count("incident_opened") == 1

    # a retry before the fix fails again and says so; the incident stays open
    outcome = retry_incident(actor("pemilik"), number, now())
    assert not outcome.resolved and "ZeroDivisionError" in outcome.message
    assert incident(number).status == "open" and incident(number).retry_count == 1
    assert snapshot(reg) == before

    fix_and_migrate(reg)
    outcome = retry_incident(actor("pemilik"), number, now())

    assert outcome.resolved, outcome.message
    done = case(reg)
    assert done.finished and done.status == "Selesai"
    row = incident(number)
    assert (row.status, row.resolved_by, row.retry_count, row.retry_data) == \
        ("resolved", actor("pemilik").full_name, 2, None)
    completed = db.session.scalar(sa.select(AuditEvent).filter_by(instance_id=done.id, event_type="task_completed")
                                  .order_by(AuditEvent.seq.desc()).limit(1))
    assert completed.task_spec_id == "Activity_Periksa" and completed.actor_name == actor("petugas").full_name
    assert events(reg)[-1] == "incident_resolved"
    history_is_sound(reg)


def test_a_failing_script_after_a_task_becomes_an_incident_and_its_retry_completes_the_task(travel):
    task_incident_then_retry()


def test_the_officer_sending_the_form_again_after_the_fix_resolves_the_incident(travel):
    deploy(broken("Activity_Tutup", "status = 1 / 0"))
    reg = start()
    task = task_id(reg, "Activity_Periksa")
    with pytest.raises(IncidentRaised) as raised:
        complete_task(actor("petugas"), task, CHECK, now())
    fix_and_migrate(reg)

    complete_task(actor("petugas"), task, CHECK, now())

    row = incident(raised.value.incident_id)
    assert (row.status, row.resolved_by, row.retry_count, row.retry_data) == \
        ("resolved", actor("petugas").full_name, 0, None)
    assert row.resolution.startswith("Langkah dijalankan oleh")
    assert case(reg).status == "Selesai" and events(reg)[-2:] == ["task_completed", "incident_resolved"]
    history_is_sound(reg)


def test_a_service_task_nothing_runs_is_an_incident_not_a_500(travel, monkeypatch):
    import app.engine.definition as stage

    # the import refuses service tasks now; a version stored before that check still holds one
    monkeypatch.setattr(stage, "_model_stage", lambda root: None, raising=False)
    deploy(with_service_task(), note="versi lama dengan service task")
    monkeypatch.undo()
    reg = start()
    before = snapshot(reg)

    with pytest.raises(IncidentRaised) as raised:
        complete_task(actor("petugas"), task_id(reg, "Activity_Periksa"), CHECK, now())

    row = incident(raised.value.incident_id)
    assert (row.kind, row.element_id) == ("task", "Activity_Tutup")
    assert "service task" in row.error and "0x" not in row.error
    assert snapshot(reg) == before


def test_an_undefined_name_in_the_start_script_keeps_no_case_and_the_retry_starts_it(travel):
    deploy(broken("Activity_Terima", "status = diterima_oleh"), note="nama tak dikenal")
    cases_before = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance))

    with pytest.raises(IncidentRaised) as raised:
        start_case(actor("pemohon"), PROCESS_ID, REQUEST, now(), submission_key="formulir-1")

    assert "Permohonan belum dapat dicatat" in raised.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance)) == cases_before
    row = incident(raised.value.incident_id)
    assert (row.kind, row.instance_id, row.registration_number, row.process_id) == ("start", None, None, PROCESS_ID)
    assert row.element_id == "Activity_Terima" and row.error.startswith("NameError: name 'diterima_oleh'")
    assert row.retry_data["data"] == REQUEST and row.retry_data["submission_key"] == "formulir-1"

    deploy(definition(), note="perbaikan skrip")
    outcome = retry_incident(actor("pemilik"), row.id, now())

    assert outcome.resolved and outcome.registration_number
    started = case(outcome.registration_number)
    assert started.applicant_id == actor("pemohon").user_id and started.status == "Diajukan"
    row = incident(row.id)
    assert row.instance_id == started.id and row.retry_data is None
    assert events(started.registration_number)[-1] == "incident_resolved"
    history_is_sound(started.registration_number)
    # the same form sent again afterwards gets the case the retry started, not a second one
    again = start_case(actor("pemohon"), PROCESS_ID, REQUEST, now(), submission_key="formulir-1")
    assert again.existing and again.registration_number == started.registration_number


# --------------------------------------------------------------------------- a timer


def test_a_timer_that_cannot_fire_is_an_incident_that_holds_its_case_while_other_cases_go_on(travel):
    deploy(broken("Activity_Lewat", 'status = "Gugur" + 1'), note="skrip batas rusak")
    reg = start()
    other = Driver(travel).start()  # a request case of the real process: its 4-day target falls due as well
    travel.move_to(wib(2026, 3, 9))
    before = snapshot(reg)

    swept = fire_due_timers(now())

    assert swept.incidents == 1 and any(line.startswith(other) for line in swept.fired)
    assert snapshot(reg) == before
    [row] = incidents.list_incidents()
    assert (row.kind, row.registration_number, row.element_id, row.actor_name) == \
        ("timer", reg, "Activity_Lewat", "Sistem (pengatur waktu)")
    assert row.error.startswith("TypeError")
    # held: the next sweeps leave the case alone instead of failing every minute
    travel.shift(timedelta(minutes=5))
    assert fire_due_timers(now()).incidents == 0 and incident(row.id).occurrences == 1

    fix_and_migrate(reg)
    outcome = retry_incident(actor("pemilik"), row.id, now())

    assert outcome.resolved, outcome.message
    assert case(reg).status == "Gugur" and case(reg).finished
    assert incident(row.id).status == "resolved"
    history_is_sound(reg)


# --------------------------------------------------------------------------- a message


def test_a_withdrawal_whose_script_fails_is_an_incident_and_the_retry_withdraws(travel):
    deploy(broken("Activity_Cabut", "status = tanggal_pencabutan"), note="skrip pencabutan rusak")
    reg = start()
    before = snapshot(reg)

    with pytest.raises(IncidentRaised) as raised:
        withdraw_request(actor("pemohon"), reg, "Sudah tidak diperlukan", now())

    assert snapshot(reg) == before
    row = incident(raised.value.incident_id)
    assert (row.kind, row.element_id, row.retry_data["reason"]) == \
        ("message", "Activity_Cabut", "Sudah tidak diperlukan")

    fix_and_migrate(reg)
    outcome = retry_incident(actor("pemilik"), row.id, now())

    assert outcome.resolved, outcome.message
    assert case(reg).status == "Ditarik" and case(reg).case_data["alasan_pencabutan"] == "Sudah tidak diperlukan"
    history_is_sound(reg)


# --------------------------------------------------------------------------- a migration


def test_a_migration_onto_a_failing_version_leaves_the_case_and_the_retry_moves_it_to_the_fix(travel):
    first = deploy(definition())
    reg = start()
    travel.move_to(wib(2026, 3, 9))  # the 3-day limit has passed; the worker has not swept yet
    before = snapshot(reg)
    failing = deploy(broken("Activity_Lewat", "status = 1 / 0"), note="skrip batas rusak")

    [outcome] = migrate_cases(actor("pemilik"), [reg], failing.id, now())

    assert not outcome.moved and outcome.incident_id is not None
    assert f"insiden #{outcome.incident_id}" in outcome.reasons[0] and "Activity_Lewat" in outcome.reasons[0]
    assert snapshot(reg) == before and case(reg).version_id == first.id
    row = incident(outcome.incident_id)
    assert (row.kind, row.version_id, row.retry_data) == ("migration", first.id, {"to_version_id": failing.id})

    fixed = deploy(broken("Activity_Lewat", 'status = "Gugur"; catatan_batas = "lewat"'), note="perbaikan")
    result = retry_incident(actor("pemilik"), row.id, now())

    assert result.resolved, result.message
    assert case(reg).version_id == fixed.id and case(reg).status == "Gugur"
    assert incident(row.id).status == "resolved"
    history_is_sound(reg)


def test_only_process_owners_and_admins_retry(travel):
    from app.domain.errors import Forbidden

    deploy(broken("Activity_Tutup", "status = 1 / 0"))
    reg = start()
    with pytest.raises(IncidentRaised) as raised:
        complete_task(actor("petugas"), task_id(reg, "Activity_Periksa"), CHECK, now())
    with pytest.raises(Forbidden):
        retry_incident(actor("petugas"), raised.value.incident_id, now())
    incidents.close_incident(actor("admin"), raised.value.incident_id, now(), "pemohon mengajukan ulang")
    row = incident(raised.value.incident_id)
    assert row.status == "resolved" and row.retry_data is None and "mengajukan ulang" in row.resolution


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg_app(tmp_path):
    if not postgres_available():
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    url = create_pg_database()
    try:
        application = build_app(tmp_path / "instance", url)
        migrate(application)
        with application.app_context():
            yield application
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_pg_database(url)


@pytest.mark.postgres
def test_on_postgresql_a_task_incident_and_its_retry(pg_app):
    with time_machine.travel(START, tick=False):
        task_incident_then_retry()


@pytest.mark.postgres
def test_on_postgresql_a_timer_incident_holds_only_its_case(pg_app):
    with time_machine.travel(START, tick=False) as traveller:
        deploy(broken("Activity_Lewat", "status = 1 / 0"))
        reg = start()
        other = Driver(traveller).start()
        traveller.move_to(wib(2026, 3, 9))
        swept = fire_due_timers(now())
        assert swept.incidents == 1 and any(line.startswith(other) for line in swept.fired)
        assert json.loads(db.session.scalar(sa.select(AuditEvent.payload).filter_by(
            instance_id=case(reg).id, event_type="incident_opened")))["kind"] == "timer"
        assert fire_due_timers(now()).incidents == 0
