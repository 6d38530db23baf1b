"""Call activities resolve against deployed processes; recursion is refused at import (issue 14 item 4).

The library here is a dict of definitions this test "deployed"; tests/services/test_called_processes.py
does the same through the database.
"""
from datetime import datetime, timezone

import pytest

from app.domain.calendar import WorkingCalendar
from app.engine import Engine, ImportRefused, RunContext, check_import, form_reader
from app.engine.calls import DeployedProcess, call_graph

from tests.small_models import FIXTURES, process_bpmn

CALLEE = "verifikasi_identitas"


class Library:
    """Deployed definitions by process id (every version), answering like the service layer does."""

    def __init__(self):
        self.versions: list[DeployedProcess] = []
        self.asked: list[tuple[str, str | None]] = []

    def deploy(self, bpmn: bytes):
        definition = check_import(bpmn, form_reader(FIXTURES), library=self).definition
        self.versions.append(DeployedProcess(
            definition.process_id, definition.name, len(self.versions) + 1, definition.content_hash,
            definition.spec_json, {k: dict(v.__dict__) for k, v in definition.user_tasks.items()}, definition.forms))
        return definition

    def __call__(self, process_id, pin):
        self.asked.append((process_id, pin))
        found = [v for v in self.versions if v.process_id == process_id and v.content_hash.startswith(pin or "")]
        return found[-1] if found else None


@pytest.fixture
def library():
    deployed = Library()
    deployed.deploy(process_bpmn(CALLEE, "Verifikasi identitas"))
    return deployed


def refused(library, bpmn: bytes) -> str:
    with pytest.raises(ImportRefused) as caught:
        library.deploy(bpmn)
    assert caught.value.stage == "parse"
    (line,) = caught.value.lines()
    return line


def context():
    return RunContext(now=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc), calendar=WorkingCalendar(),
                      allocate_number=lambda kind: f"{kind}-1")


def test_a_call_to_a_deployed_process_takes_its_newest_version_and_a_case_runs_through_it(library):
    newer = library.deploy(process_bpmn(CALLEE, "Verifikasi identitas (baru)"))
    caller = library.deploy(process_bpmn("layanan_berjenjang", "Layanan berjenjang", call=CALLEE))
    assert caller.called == {"Call_LayananBerjenjang": {
        "process_id": CALLEE, "name": "Verifikasi identitas (baru)", "version_id": 2,
        "content_hash": newer.content_hash, "pinned": None}}
    assert {"Activity_VerifikasiIdentitas_Ajukan", "Activity_VerifikasiIdentitas_Layani"} <= set(caller.user_tasks)
    assert caller.user_tasks["Activity_VerifikasiIdentitas_Layani"].form == "layani_kelas.schema.json"

    run = Engine().start(caller, context())
    walked = []
    while run.ready_tasks():
        (task,) = run.ready_tasks()
        walked.append((task.spec_id, task.lane))
        run.complete(task.task_id, {"jenis_informasi": "berkala", "uraian_permintaan": "x", "catatan_layanan": "x"})
    assert walked == [("Activity_LayananBerjenjang_Ajukan", "pemohon"),
                      ("Activity_VerifikasiIdentitas_Ajukan", "pemohon"),
                      ("Activity_VerifikasiIdentitas_Layani", "diskominfo"),
                      ("Activity_LayananBerjenjang_Layani", "diskominfo")]
    assert run.finished


def test_the_caller_s_content_hash_follows_the_called_version(library):
    first = library.deploy(process_bpmn("layanan_berjenjang", "Layanan berjenjang", call=CALLEE))
    library.deploy(process_bpmn(CALLEE, "Verifikasi identitas (baru)"))
    again = library.deploy(process_bpmn("layanan_berjenjang", "Layanan berjenjang", call=CALLEE))
    assert first.bpmn_xml == again.bpmn_xml and first.content_hash != again.content_hash


def test_a_pinned_call_takes_the_version_whose_hash_begins_with_the_pin(library):
    pinned = library.versions[0].content_hash
    library.deploy(process_bpmn(CALLEE, "Verifikasi identitas (baru)"))
    caller = library.deploy(process_bpmn("layanan_pin", "Layanan", call=CALLEE, pin=pinned[:10]))
    assert caller.called["Call_LayananPin"]["content_hash"] == pinned
    assert caller.called["Call_LayananPin"]["pinned"] == pinned[:10]
    assert (CALLEE, pinned[:10]) in library.asked
    line = refused(library, process_bpmn("layanan_pin", "Layanan", call=CALLEE, pin="0123abcd"))
    assert f"proses '{CALLEE}' tidak punya versi yang hash isinya diawali '0123abcd'" in line
    line = refused(library, process_bpmn("layanan_pin", "Layanan", call=CALLEE, pin="versi-2"))
    assert "calledVersion 'versi-2' bukan versi" in line


def test_a_call_to_a_missing_process_says_which_and_that_it_must_be_imported_first(library):
    line = refused(library, process_bpmn("layanan_x", "Layanan", call="tidak_ada"))
    assert "Call_LayananX (Panggil tidak_ada)" in line
    assert "proses 'tidak_ada' yang dipanggil belum dipasang: impor proses 'tidak_ada' lebih dahulu" in line


def test_a_process_calling_itself_is_refused_naming_the_cycle(library):
    line = refused(library, process_bpmn("layanan_ulang", "Layanan", call="layanan_ulang"))
    assert "pemanggilan berulang (rekursi): layanan_ulang → layanan_ulang" in line


def test_two_processes_calling_each_other_are_refused_naming_the_cycle(library):
    library.deploy(process_bpmn("layanan_berjenjang", "Layanan berjenjang", call=CALLEE))
    line = refused(library, process_bpmn(CALLEE, "Verifikasi identitas", call="layanan_berjenjang"))
    assert ("pemanggilan berulang (rekursi): verifikasi_identitas → layanan_berjenjang → verifikasi_identitas"
            in line)
    assert line.startswith("parse: Call_VerifikasiIdentitas")


def test_a_user_task_id_shared_with_the_called_process_is_refused(library):
    clash = process_bpmn("layanan_berjenjang", "Layanan", call=CALLEE).replace(
        b"Activity_LayananBerjenjang_Layani", b"Activity_VerifikasiIdentitas_Layani")
    line = refused(library, clash)
    assert "id tugas pengguna 'Activity_VerifikasiIdentitas_Layani' dipakai di sini dan di proses " in line


def test_the_call_graph_of_a_file_for_deploying_a_folder_in_order():
    assert call_graph(process_bpmn("a", "A", call="b")) == ("a", {"b"})
    assert call_graph(process_bpmn("b", "B")) == ("b", set())
    assert call_graph(b"<not xml") == (None, set())
