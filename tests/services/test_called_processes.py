"""Imports with DMN tables and call activities through the services and the database (issue 14 items 3, 4)."""
import pytest
import time_machine

from app.persistence.models import HumanTask, ProcessInstance, ProcessVersion, db
from app.services.casework.cases import start_case
from app.services.infrastructure.context import SYSTEM
from app.services.modelling.process_calls import deploy_order
from app.services.records.replay import replay_case
from app.services.modelling.processes import ImportRefused, deploy_processes_folder, import_process, latest_version
from app.services.casework.tasks import complete_task

from tests.small_models import dmn_bpmn, dmn_table, forms, process_bpmn
from tests.support import actor, now, wib

CALLEE, CALLER = "verifikasi_identitas", "layanan_berjenjang"
ASK = {"jenis_informasi": "berkala", "uraian_permintaan": "Daftar penerima bantuan 2025"}
SERVE = {"catatan_layanan": "Dikirim lewat surel"}


@pytest.fixture
def clock(owner):
    with time_machine.travel(wib(2026, 3, 2), tick=False):
        yield


def deploy(bpmn: bytes, **kwargs):
    return import_process(actor("pemilik"), bpmn, now(), extra_forms=forms(), **kwargs)


def version_count() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion))


def open_task(number: str) -> HumanTask:
    (row,) = db.session.scalars(db.select(HumanTask).join(ProcessInstance)
                                .filter(ProcessInstance.registration_number == number))
    return row


def test_a_case_runs_through_the_called_process_and_back(clock):
    callee = deploy(process_bpmn(CALLEE, "Verifikasi identitas")).version
    caller = deploy(process_bpmn(CALLER, "Layanan berjenjang", call=CALLEE)).version
    assert caller.called_versions["Call_LayananBerjenjang"]["version_id"] == callee.id

    number = start_case(actor("pemohon"), CALLER, ASK, now()).registration_number
    walked = []
    for username, data in (("pemohon", ASK), ("petugas", SERVE), ("petugas", SERVE)):
        row = open_task(number)
        walked.append((row.spec_id, row.lane))
        complete_task(actor(username), row.task_id, data, now())
    assert walked == [("Activity_VerifikasiIdentitas_Ajukan", "pemohon"),
                      ("Activity_VerifikasiIdentitas_Layani", "diskominfo"),
                      ("Activity_LayananBerjenjang_Layani", "diskominfo")]
    db.session.expire_all()
    assert db.session.scalar(db.select(ProcessInstance.finished).filter_by(registration_number=number))
    report = replay_case(number)  # the history replays through the called process too
    assert report.ok and report.steps_checked >= 4, report.mismatches


def test_a_case_routed_by_a_decision_replays_from_its_history(clock):
    deploy(dmn_bpmn(), decisions={"kelas_tenggat.dmn": dmn_table()})
    number = start_case(actor("pemohon"), "layanan_kelas", {**ASK, "jenis_informasi": "serta_merta"},
                        now()).registration_number
    row = open_task(number)
    assert row.spec_id == "Activity_LayaniCepat"
    complete_task(actor("petugas"), row.task_id, SERVE, now())
    report = replay_case(number)
    assert report.ok and report.steps_checked >= 2, report.mismatches


def test_a_pinned_call_keeps_its_version_when_the_called_process_changes(clock):
    first = deploy(process_bpmn(CALLEE, "Verifikasi identitas")).version
    second = deploy(process_bpmn(CALLEE, "Verifikasi identitas (baru)")).version
    pinned = deploy(process_bpmn("layanan_pin", "Layanan", call=CALLEE, pin=first.content_hash[:12])).version
    newest = deploy(process_bpmn(CALLER, "Layanan berjenjang", call=CALLEE)).version
    assert pinned.called_versions["Call_LayananPin"]["version_id"] == first.id
    assert newest.called_versions["Call_LayananBerjenjang"]["version_id"] == second.id


def test_a_caller_imported_before_its_callee_is_refused_and_nothing_is_written(clock, owner):
    before = version_count()
    with pytest.raises(ImportRefused) as caught:
        deploy(process_bpmn(CALLER, "Layanan berjenjang", call=CALLEE))
    assert caught.value.stage == "parse"
    assert f"proses '{CALLEE}' yang dipanggil belum dipasang: impor proses '{CALLEE}' lebih dahulu" in \
        caught.value.lines()[0]
    assert version_count() == before and not (owner.processes / f"{CALLER}.bpmn").exists()


def test_two_deployed_processes_calling_each_other_are_refused(clock):
    deploy(process_bpmn(CALLEE, "Verifikasi identitas"))
    deploy(process_bpmn(CALLER, "Layanan berjenjang", call=CALLEE))
    with pytest.raises(ImportRefused, match=f"{CALLEE} → {CALLER} → {CALLEE}"):
        deploy(process_bpmn(CALLEE, "Verifikasi identitas", call=CALLER))


def test_the_processes_folder_redeploys_dmn_and_called_processes_unchanged(clock, owner):
    """Start-up deploys processes/ again: the DMN file and the called version are found, nothing new is stored."""
    deploy(process_bpmn(CALLEE, "Verifikasi identitas"))
    deploy(process_bpmn(CALLER, "Layanan berjenjang", call=CALLEE))
    table = deploy(dmn_bpmn(), decisions={"kelas_tenggat.dmn": dmn_table()}).version
    assert (owner.processes / "kelas_tenggat.dmn").read_bytes() == dmn_table()
    assert table.decisions == {"kelas_tenggat.dmn": dmn_table().decode()}
    db.session.commit()
    before = version_count()
    deploy_processes_folder(SYSTEM, now())
    assert version_count() == before
    assert latest_version("layanan_kelas").id == table.id


def test_the_folder_is_deployed_callees_first(tmp_path):
    (tmp_path / "a_pemanggil.bpmn").write_bytes(process_bpmn("a_pemanggil", "A", call="z_dipanggil"))
    (tmp_path / "m_lain.bpmn").write_bytes(process_bpmn("m_lain", "M"))
    (tmp_path / "z_dipanggil.bpmn").write_bytes(process_bpmn("z_dipanggil", "Z"))
    order = deploy_order(sorted(tmp_path.glob("*.bpmn")))
    assert [p.name for p in order] == ["z_dipanggil.bpmn", "a_pemanggil.bpmn", "m_lain.bpmn"]
