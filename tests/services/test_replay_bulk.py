"""Replay verification over a mix of cases covering every path; tampering is found and named.

By default 40 cases (every path in full at least once); `PPID_FULL_REPLAY=1` runs 1,000.
"""
import json
import shutil
import time
from datetime import timedelta

import sqlalchemy as sa
import time_machine
from click.testing import CliRunner

from app.cli import main as ppid
from app.domain.timeutil import to_wib
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, db
from app.services.records.audit import final_hash
from app.services.infrastructure.calendar import set_calendar_day
from app.services.records.replay import replay_all, replay_case

from tests.services import test_process_change as change  # the process change this replay runs across
from tests.services.case_mix import MIX_SIZE, RECIPES, mixed_cases  # noqa: F401  (fixture)
from tests.support import Driver, actor, now, wib


def _events(reg):
    case = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=reg))
    return case, list(db.session.scalars(db.select(AuditEvent).filter_by(instance_id=case.id).order_by(AuditEvent.seq)))


def _full_case(cases, recipe):
    return next(c for c in cases if c.recipe == recipe and c.done == len(c.actions))


def _replay_cli(*args):
    result = CliRunner().invoke(ppid, ["audit", "replay", *args])
    return result.exit_code, result.output


def test_every_path_replays_clean(mixed_cases):
    assert len(mixed_cases) == MIX_SIZE
    assert {c.recipe for c in mixed_cases if c.done == len(c.actions)} == set(RECIPES)  # every path in full
    kinds = dict(db.session.execute(db.select(AuditEvent.event_type, sa.func.count()).group_by(AuditEvent.event_type)).all())
    assert kinds["timer_fired"] > 0 and kinds["task_claimed"] > 0 and kinds["task_unclaimed"] > 0
    started = time.perf_counter()
    reports = replay_all()
    elapsed = time.perf_counter() - started
    assert len(reports) == MIX_SIZE
    assert [f"{r.registration_number} {m}" for r in reports for m in r.mismatches] == []
    replayed = kinds["case_started"] + kinds["task_completed"] + kinds["timer_fired"]
    assert sum(r.steps_checked for r in reports) == replayed
    assert sum(r.skipped for r in reports) == kinds["task_claimed"] + kinds["task_unclaimed"]
    print(f"\nreplayed {MIX_SIZE} cases, {replayed} events in {elapsed:.1f} s")

    code, output = _replay_cli("--all")
    assert code == 0, output
    assert f"OK: {MIX_SIZE} case(s) replayed, {replayed} event(s) checked, 0 with mismatches" in output
    code, output = _replay_cli(mixed_cases[0].registration_number)
    assert code == 0 and "OK: 1 case(s) replayed" in output
    assert _replay_cli()[0] == 2  # neither a case nor --all


def test_altered_submitted_data_is_named(mixed_cases):
    reg = _full_case(mixed_cases, "refused_objection_granted").registration_number
    other = _full_case(mixed_cases, "granted_full").registration_number
    case, events = _events(reg)
    victim = next(e for e in events if e.task_spec_id == "Activity_JawabPermohonan")
    payload = json.loads(victim.payload)
    payload["submitted"]["jawaban_opd"] = "Jawaban yang diubah kemudian"
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == victim.id).values(payload=json.dumps(payload)))
    db.session.commit()

    report = replay_case(reg)
    assert report.mismatches, "the altered event was not noticed"
    first = report.mismatches[0]
    assert first.seq == victim.seq and "'jawaban_opd'" in first.what
    assert first.expected == "Data terlampir" and first.actual == "Jawaban yang diubah kemudian"
    assert replay_case(other).ok
    code, output = _replay_cli(reg)
    assert code == 1 and f"MISMATCH {reg} event #{victim.seq}: case data 'jawaban_opd'" in output
    code, output = _replay_cli("--all")
    assert code == 1 and reg in output and other not in output
    assert f"{MIX_SIZE} case(s) replayed" in output and "1 with mismatches" in output


def test_altered_decision_changes_the_route_and_is_named(mixed_cases):
    reg = _full_case(mixed_cases, "granted_full").registration_number
    case, events = _events(reg)
    victim = next(e for e in events if e.task_spec_id == "Activity_PeriksaKelengkapan")
    payload = json.loads(victim.payload)
    payload["submitted"]["kelengkapan"] = "tidak_lengkap"
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == victim.id).values(payload=json.dumps(payload)))
    db.session.commit()

    report = replay_case(reg)
    named = {m.what for m in report.mismatches if m.seq == victim.seq}
    assert {"case data 'kelengkapan'", "case data 'status'", "open tasks"} <= named
    stop = report.mismatches[-1]
    assert stop.seq == victim.seq + 1 and stop.what == "completed task was open"
    assert stop.expected == "Activity_TeruskanKeOPD" and "Activity_LengkapiPermohonan" in stop.actual


def test_altered_stored_state_is_named(mixed_cases):
    reg = _full_case(mixed_cases, "extension_granted").registration_number
    case, events = _events(reg)
    state = json.loads(case.state)
    task = next(t for t in state["tasks"].values() if t["task_spec"] == "Activity_SerahkanInformasi")
    task["delta"]["updates"]["cara_penyerahan"] = "pos"  # a task stores the data it changed
    db.session.execute(sa.update(ProcessInstance).where(ProcessInstance.id == case.id).values(state=json.dumps(state)))
    db.session.commit()

    report = replay_case(reg)
    assert report.mismatches
    assert all(m.seq == events[-1].seq for m in report.mismatches)
    assert any(m.what == "stored workflow state: task Activity_SerahkanInformasi: data 'cara_penyerahan'"
               and m.expected == "pos" and m.actual == "email" for m in report.mismatches)
    code, output = _replay_cli(reg)
    assert code == 1 and f"{reg} event #{events[-1].seq}: stored workflow state" in output


def test_altered_case_data_is_named(mixed_cases):
    reg = _full_case(mixed_cases, "refused_objection_rejected_dispute").registration_number
    case, events = _events(reg)
    data = {**case.case_data, "keputusan_keberatan": "dikabulkan"}
    db.session.execute(sa.update(ProcessInstance).where(ProcessInstance.id == case.id).values(case_data=data))
    db.session.commit()

    report = replay_case(reg)
    assert [(m.seq, m.what, m.expected, m.actual) for m in report.mismatches] == [
        (events[-1].seq, "stored case data 'keputusan_keberatan'", "dikabulkan", "ditolak")]


def test_altered_worklist_row_is_named(mixed_cases):
    unfinished = [c.registration_number for c in mixed_cases if not db.session.scalar(
        db.select(ProcessInstance.finished).filter_by(registration_number=c.registration_number))]
    reg = next(r for r in unfinished if db.session.scalar(
        db.select(HumanTask.id).join(ProcessInstance).filter(ProcessInstance.registration_number == r)))
    case, events = _events(reg)
    db.session.execute(sa.update(HumanTask).where(HumanTask.instance_id == case.id).values(lane="kepala_diskominfo"))
    db.session.commit()

    report = replay_case(reg)
    assert report.mismatches and all(m.seq == events[-1].seq for m in report.mismatches)
    assert report.mismatches[0].what == "stored worklist rows"


def test_a_holiday_added_since_is_reported_as_a_due_date_difference(mixed_cases):
    reg = _full_case(mixed_cases, "granted_full").registration_number
    received = to_wib(_events(reg)[0].created_at).date()
    for offset in (1, 2, 3):  # the next days become days off: the 4 and 10 working-day limits move
        set_calendar_day(received + timedelta(days=offset), "Libur tambahan", True)
    report = replay_case(reg)
    assert report.mismatches
    assert all("due dates differ" in m.what for m in report.mismatches), "\n".join(str(m)[:150] for m in report.mismatches)


def test_final_hash_seals_the_history(mixed_cases):
    reg = mixed_cases[0].registration_number
    case, events = _events(reg)
    assert final_hash(case.id) == events[-1].hash
    result = CliRunner().invoke(ppid, ["audit", "hash", reg])
    assert result.exit_code == 0 and result.output.strip() == events[-1].hash


def test_a_migrated_case_replays_on_its_new_version(app, tmp_path):
    from app.services.modelling.processes import migrate_cases

    for folder in ("processes", "forms"):  # the model is edited on purpose: without its scenarios (processes/tests)
        shutil.copytree(change.ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("tests"))
    app.config.update(PPID_PROCESSES_DIR=str(tmp_path / "processes"), PPID_FORMS_DIR=str(tmp_path / "forms"))
    with time_machine.travel(change.START, tick=False) as traveller:
        drive = Driver(traveller)
        reg = drive.start()
        drive.walk(reg, *change.TO_ANSWER)
        change.add_legal_reviewer()
        v2 = change.import_version_two(None).version.id
        traveller.move_to(wib(2026, 3, 3, 14))
        outcome, = migrate_cases(actor("pemilik"), [reg], v2, now())
        assert outcome.moved
        drive.do(reg, "Activity_JawabPermohonan")
        change.review(drive, reg)
        drive.walk(reg, "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
        drive.decline_objection(reg)
    case, events = _events(reg)
    assert "case_migrated" in [e.event_type for e in events] and case.finished
    report = replay_case(reg)
    assert report.ok and report.note is None, [str(m) for m in report.mismatches]
    assert report.steps_checked == len(events)
