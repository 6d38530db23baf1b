"""A process owner changes the procedure without Python: import, version, run, migrate.

The model is a copy of processes/permohonan_informasi.bpmn edited here the way a BPMN
editor would (tests/process_edits.py): the regent's decree moves the service target from 4
to 5 working days, and a legal review 'Telaah hukum' in a new lane `bagian_hukum` goes
between the OPD's answer and the written notice. The new role and its user are added
through the role service; nothing in app/ knows either.
"""
import json
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from app.domain.errors import Forbidden
from app.engine import ImportRefused
from app.persistence.models import AuditEvent, HumanTask, ProcessVersion, TimerJob, db
from app.services.people.accounts import create_user
from app.services.records.audit import verify_instance
from app.services.infrastructure.calendar import current_calendar
from app.services.modelling.processes import (compare_versions, import_process, latest_version, migrate_cases,
                                    migration_candidates, version_summary)
from app.services.people.roles import add_role
from app.services.casework.tasks import complete_task, list_tasks

from tests.conftest import PASSWORD
from tests.process_edits import TELAAH_FORM, TELAAH_FORMS, add_legal_review, remove_legal_review, set_service_target
from tests.support import PROCESS, REQUEST, Driver, actor, now, wib

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "engine" / "fixtures"
START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB
TO_ANSWER = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
REVIEW = {"rekomendasi_hukum": "dapat_diberikan", "pertimbangan_hukum": "Tidak termasuk informasi yang dikecualikan"}


@pytest.fixture
def drive(owner):
    with time_machine.travel(START, tick=False) as traveller:
        yield Driver(traveller)


def target_due(drive, reg):
    case = drive.case(reg)
    return db.session.scalar(db.select(TimerJob.due_at).filter_by(instance_id=case.id, spec_id="Timer_Target4HK"))


def working_days(n):
    return current_calendar().add_working_days(START, n)


def add_legal_reviewer():
    """A role for the new lane and an account holding it: data, not code."""
    add_role(actor("admin"), "bagian_hukum", "Bagian Hukum Setda")
    create_user("hukum", "Rahmat Hidayat (Bagian Hukum)", PASSWORD, now(), ["bagian_hukum"])
    db.session.commit()


def version_two(owner) -> bytes:
    original = (ROOT / "processes" / "permohonan_informasi.bpmn").read_bytes()
    return add_legal_review(set_service_target(original, 5))


def import_version_two(owner):
    return import_process(actor("pemilik"), version_two(owner), now(),
                          note="Perbup baru: target 5 hari kerja; telaah hukum sebelum pemberitahuan",
                          extra_forms=TELAAH_FORMS)


def review(drive, reg, username="hukum"):
    row = drive.task(reg, "Activity_TelaahHukum")
    return complete_task(actor(username), row.task_id, REVIEW, now())


def test_decree_and_legal_review_reach_new_cases_while_running_cases_keep_their_version(owner, drive):
    v1 = latest_version(PROCESS).id
    before = drive.start()
    add_legal_reviewer()

    result = import_version_two(owner)

    assert result.created and result.normalized == [] and result.warnings == []
    v2 = result.version.id
    assert v2 != v1 and latest_version(PROCESS).id == v2
    assert (owner.processes / "permohonan_informasi.bpmn").read_bytes() == result.version.bpmn_xml
    assert json.loads((owner.forms / "telaah_hukum.schema.json").read_text()) == TELAAH_FORM
    summary = {v.id: v for v in version_summary(PROCESS)}
    assert summary[v2].latest and summary[v2].created_by == "pemilik" and "Perbup" in summary[v2].note
    assert summary[v1].running_cases == 1 and summary[v2].running_cases == 0
    again = import_version_two(owner)
    assert not again.created and again.version.id == v2
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion).filter_by(process_id=PROCESS)) == 2

    after = drive.start()
    assert drive.case(before).version_id == v1 and drive.case(after).version_id == v2
    assert target_due(drive, before) == working_days(4)
    assert target_due(drive, after) == working_days(5)

    # Saturday 7 March: the old 4-day target is missed, the new 5-day one is not yet
    drive.move_to(wib(2026, 3, 7))
    assert drive.case(before).late and not drive.case(after).late
    drive.move_to(wib(2026, 3, 10))
    assert drive.case(after).late

    drive.walk(before, *TO_ANSWER, "Activity_JawabPermohonan")
    assert drive.open_tasks(before) == ["Activity_TerbitkanPemberitahuan"]  # version 1: no legal review
    drive.walk(before, "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
    drive.decline_objection(before)
    assert drive.case(before).finished and drive.case(before).version_id == v1

    drive.walk(after, *TO_ANSWER, "Activity_JawabPermohonan")
    assert drive.open_tasks(after) == ["Activity_TelaahHukum"]
    row = drive.task(after, "Activity_TelaahHukum")
    assert row.lane == "bagian_hukum" and row.title == "Telaah hukum"
    assert [t.spec_id for t in list_tasks(actor("hukum"), now()).rows] == ["Activity_TelaahHukum"]
    assert list_tasks(actor("petugas"), now()).total == 0
    with pytest.raises(Forbidden):
        review(drive, after, username="petugas")
    review(drive, after)
    assert drive.case(after).case_data["pertimbangan_hukum"] == REVIEW["pertimbangan_hukum"]
    drive.walk(after, "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
    drive.decline_objection(after)
    case = drive.case(after)
    assert case.finished and case.status == "Selesai" and case.version_id == v2
    assert not verify_instance(case)


def test_a_running_case_moves_to_the_new_version(owner, drive):
    v1 = latest_version(PROCESS).id
    waiting = drive.start()
    drive.walk(waiting, *TO_ANSWER)
    claimed = drive.task(waiting, "Activity_JawabPermohonan")
    from app.services.casework.tasks import claim_task
    claim_task(actor("opd"), claimed.task_id, now())
    add_legal_reviewer()
    v2 = import_version_two(owner).version.id

    diff = compare_versions(v1, v2)
    assert [c.id for c in diff.added] == ["Activity_TelaahHukum"] and diff.removed == []
    changed = {c.id: c.what for c in diff.changed}
    assert "hari_kerja(5, sejak=tanggal_diterima)" in changed["Timer_Target4HK"]
    assert "Telaah hukum" in changed["Gateway_DikembalikanOPD"]  # what follows the OPD's answer
    assert dict((reg, (can, why)) for reg, can, why in migration_candidates(v1, v2, now())) == {waiting: (True, [])}
    due_10 = db.session.scalar(db.select(TimerJob.due_at).filter_by(instance_id=drive.case(waiting).id,
                                                                     spec_id="Timer_Batas10HK"))

    drive.traveller.move_to(wib(2026, 3, 3, 14))
    outcome, = migrate_cases(actor("pemilik"), [waiting], v2, now())

    assert outcome.moved and outcome.reasons == []
    case = drive.case(waiting)
    assert case.version_id == v2
    assert target_due(drive, waiting) == working_days(5)  # counted from receipt, not from the migration
    assert db.session.scalar(db.select(TimerJob.due_at).filter_by(instance_id=case.id,
                                                                  spec_id="Timer_Batas10HK")) == due_10
    row = drive.task(waiting, "Activity_JawabPermohonan")
    assert row.task_id == claimed.task_id and row.claimed_by_name == claimed.claimed_by_name
    event = db.session.scalar(db.select(AuditEvent).filter_by(instance_id=case.id).order_by(AuditEvent.seq.desc()))
    payload = json.loads(event.payload)
    assert event.event_type == "case_migrated" and event.actor_name.startswith("Dewi")
    assert payload["from_version"] != payload["to_version"]
    assert payload["to_version"] == db.session.get(ProcessVersion, v2).content_hash
    assert not verify_instance(case)

    drive.do(waiting, "Activity_JawabPermohonan")
    assert drive.open_tasks(waiting) == ["Activity_TelaahHukum"]
    review(drive, waiting)
    drive.walk(waiting, "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
    drive.decline_objection(waiting)
    assert drive.case(waiting).finished and not verify_instance(drive.case(waiting))


def test_a_case_waiting_at_a_removed_step_cannot_move(owner, drive):
    add_legal_reviewer()
    v2 = import_version_two(owner).version.id
    at_review = drive.start()
    drive.walk(at_review, *TO_ANSWER, "Activity_JawabPermohonan")
    at_check = drive.start()
    v3 = import_process(actor("pemilik"), remove_legal_review(version_two(owner)), now(),
                        note="telaah hukum dihapus lagi").version.id

    diff = compare_versions(v2, v3)
    assert [c.id for c in diff.removed] == ["Activity_TelaahHukum"]
    candidates = {reg: (can, why) for reg, can, why in migration_candidates(v2, v3, now())}
    assert candidates[at_check] == (True, [])
    assert candidates[at_review] == (False, [
        "kasus sedang berada di 'Telaah hukum' (Activity_TelaahHukum), yang dihapus pada versi baru"])
    state_before = drive.case(at_review).state
    events_before = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))

    outcomes = migrate_cases(actor("pemilik"), [at_review, at_check], v3, now())

    assert [(o.registration_number, o.moved) for o in outcomes] == [(at_review, False), (at_check, True)]
    assert "Telaah hukum" in outcomes[0].reasons[0]
    assert drive.case(at_review).version_id == v2 and drive.case(at_review).state == state_before
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == events_before + 1
    review(drive, at_review)  # it finishes on the version it started on
    drive.walk(at_check, *TO_ANSWER, "Activity_JawabPermohonan")
    assert drive.open_tasks(at_check) == ["Activity_TerbitkanPemberitahuan"]


def test_an_incompatible_form_change_keeps_the_case_where_it_is(owner, drive):
    reg = drive.start()
    form = json.loads((owner.forms / "periksa_kelengkapan.schema.json").read_text())
    removed = sorted(form["properties"])[0]
    del form["properties"][removed]
    form["required"] = [r for r in form.get("required", []) if r != removed]
    bpmn = (owner.processes / "permohonan_informasi.bpmn").read_bytes().replace(
        b'value="periksa_kelengkapan.schema.json"', b'value="periksa_kelengkapan_v2.schema.json"')
    v1 = latest_version(PROCESS).id
    v2 = import_process(actor("pemilik"), bpmn, now(), extra_forms={
        "periksa_kelengkapan_v2.schema.json": json.dumps(form).encode()}).version.id

    (reg_, can, why), = migration_candidates(v1, v2, now())

    assert reg_ == reg and not can
    assert why == [f"formulir tugas yang sedang terbuka Activity_PeriksaKelengkapan berubah sehingga data yang "
                   f"sudah diisi tidak cocok: isian dihapus: {removed}"]


def test_a_refused_import_deploys_nothing(owner, drive):
    bpmn = version_two(owner)  # lane bagian_hukum, but the role does not exist yet
    files = {p: p.read_bytes() for p in (*owner.processes.rglob("*"), *owner.forms.iterdir()) if p.is_file()}
    count = db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion))

    with pytest.raises(ImportRefused) as refused:
        import_process(actor("pemilik"), bpmn, now(), extra_forms=TELAAH_FORMS)

    assert refused.value.stage == "lint"
    assert [(p.element_id, p.element_name) for p in refused.value.problems] == [("Lane_BagianHukum", "bagian_hukum")]
    assert "jalur 'bagian_hukum' bukan peran yang dikenal" in refused.value.problems[0].message
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion)) == count
    assert {p: p.read_bytes() for p in (*owner.processes.rglob("*"), *owner.forms.iterdir()) if p.is_file()} == files
    # the caller may name roles it is about to add: the import is then accepted, with a warning
    result = import_process(actor("pemilik"), bpmn, now(), extra_forms=TELAAH_FORMS, extra_roles=["bagian_hukum"])
    assert any("peran 'bagian_hukum' belum ada di daftar peran" in w for w in result.warnings)


def test_only_process_owners_and_admins_import(owner, drive):
    with pytest.raises(Forbidden):
        import_process(actor("petugas"), version_two(owner), now(), extra_forms=TELAAH_FORMS)


def test_a_camunda_modeler_export_runs_as_exported(owner, drive):
    result = import_process(actor("pemilik"), (FIXTURES / "camunda_pengaduan.bpmn").read_bytes(), now())

    assert len(result.normalized) == 5
    assert any('timeDuration P5D ditulis sebagai teks "P5D"' in n for n in result.normalized)
    assert any("camunda:candidateGroups 'diskominfo' dipakai sebagai jalurnya" in n for n in result.normalized)
    stored = (owner.processes / "pengaduan_camunda.bpmn").read_text()
    assert '>"P5D"<' in stored and '>"R3/PT1H"<' in stored and '>"2026-01-01T00:00:00Z"<' in stored
    from app.services.casework.cases import start_case
    reg = start_case(actor("pemohon"), "pengaduan_camunda", REQUEST, now()).registration_number
    row = drive.task(reg, "Activity_Periksa")
    assert row.lane == "diskominfo"
    due = {t.spec_id: t.due_at for t in db.session.scalars(db.select(TimerJob).filter_by(instance_id=row.instance_id))}
    assert due["Event_Batas5Hari"] == START + timedelta(days=5)
    assert due["Event_Pengingat"] == START + timedelta(hours=1)
    complete_task(actor("petugas"), row.task_id, {"kelengkapan": "lengkap"}, now())
    assert drive.case(reg).finished  # the timeDate (1 January 2026) has passed: straight to the end
    assert db.session.scalar(db.select(db.func.count()).select_from(HumanTask).filter_by(instance_id=row.instance_id)) == 0


def test_a_spiffarena_export_imports_as_it_is(owner, drive):
    forms = {p.name: p.read_bytes() for p in (FIXTURES / "forms").iterdir()}
    result = import_process(actor("pemilik"), (FIXTURES / "spiffarena_survei.bpmn").read_bytes(), now(),
                            extra_forms=forms)
    assert result.created and result.normalized == []
    assert result.version.bpmn_xml == (FIXTURES / "spiffarena_survei.bpmn").read_bytes()
    from app.services.casework.cases import start_case
    reg = start_case(actor("pemohon"), "survei_kepuasan", {"nama_lengkap": "Siti", "nilai": "2"}, now()
                     ).registration_number
    assert drive.case(reg).status == "Survei Diisi"  # SpiffArena's post-script ran, in the sandbox
    row = drive.task(reg, "Activity_TindakLanjut")
    assert row.lane == "diskominfo"  # nilai 2: not satisfied, the default flow
    complete_task(actor("petugas"), row.task_id, {"tindak_lanjut": "Dihubungi"}, now())
    case = drive.case(reg)
    assert case.finished and case.status == "Ditindaklanjuti"  # and its pre-script
