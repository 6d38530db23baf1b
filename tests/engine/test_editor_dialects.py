"""Editor dialects (bpmn.io, Camunda Modeler, SpiffArena) normalized before the XSD check; no database."""
from pathlib import Path

import pytest
from lxml import etree

from app.engine import ImportRefused, check_import, form_reader
from app.engine.normalize import is_iso_literal

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
FORMS = form_reader(ROOT / "forms")


@pytest.mark.parametrize("text", ["P5D", "PT1H", "P1Y2M10DT2H30M", "P2W", "R3/PT1H", "R/P1D", "2026-01-01T00:00:00Z",
                                  "2026-01-01", "2026-01-01T08:00:00+07:00", "R5/2026-01-01T00:00:00Z/P1D",
                                  "2026-01-01T00:00:00Z/P3D"])
def test_iso_texts_are_recognised(text):
    assert is_iso_literal(text)


@pytest.mark.parametrize("text", ["P", "PT", "P4X", "hari_kerja(5)", '"P5D"', "batas_waktu", "R3", "2026-1-1", "P5D/"])
def test_other_texts_are_left_alone(text):
    assert not is_iso_literal(text)


def test_camunda_modeler_export():
    checked = check_import((FIXTURES / "camunda_pengaduan.bpmn").read_bytes(), FORMS)
    assert checked.normalized == [
        'timer Event_Batas5Hari (Batas 5 hari) baris 18: timeDuration P5D ditulis sebagai teks "P5D"',
        'timer Event_Pengingat (Pengingat tiap jam) baris 24: timeCycle R3/PT1H ditulis sebagai teks "R3/PT1H"',
        'timer Event_TanggalTutup (Tanggal tutup buku) baris 42: timeDate 2026-01-01T00:00:00Z ditulis sebagai teks '
        '"2026-01-01T00:00:00Z"',
        "tugas pengguna Activity_Ajukan (Ajukan pengaduan) baris 7: tidak berada di jalur mana pun; "
        "camunda:candidateGroups 'pemohon' dipakai sebagai jalurnya (peran)",
        "tugas pengguna Activity_Periksa (Periksa pengaduan) baris 11: tidak berada di jalur mana pun; "
        "camunda:candidateGroups 'diskominfo' dipakai sebagai jalurnya (peran)",
    ]
    tasks = checked.definition.user_tasks
    assert (tasks["Activity_Ajukan"].lane, tasks["Activity_Ajukan"].form) == ("pemohon", "permohonan_informasi.schema.json")
    assert tasks["Activity_Periksa"].lane == "diskominfo"
    # the stored file is the rewritten one; importing it again rewrites nothing (candidate groups are read, not
    # rewritten: the file keeps Camunda's attribute and draws no lane for it)
    again = check_import(checked.definition.bpmn_xml, FORMS)
    assert again.normalized == checked.normalized[3:]
    assert again.definition.bpmn_xml == checked.definition.bpmn_xml
    assert again.definition.content_hash == checked.definition.content_hash


def test_camunda_candidate_group_must_be_one_known_role():
    text = (FIXTURES / "camunda_pengaduan.bpmn").read_text().replace(
        'camunda:candidateGroups="diskominfo"', 'camunda:candidateGroups="diskominfo,opd"')
    with pytest.raises(ImportRefused) as refused:
        check_import(text.encode(), FORMS)
    assert [(p.element_id, p.message) for p in refused.value.problems] == [
        ("Activity_Periksa", "camunda:candidateGroups 'diskominfo,opd' harus menyebut tepat satu kunci peran")]


def test_spiffarena_export_is_read_as_it_is():
    data = (FIXTURES / "spiffarena_survei.bpmn").read_bytes()
    checked = check_import(data, form_reader(FIXTURES / "forms"))
    assert checked.normalized == [] and checked.warnings == [] and checked.definition.bpmn_xml == data
    assert {t.id: t.lane for t in checked.definition.user_tasks.values()} == {
        "Activity_IsiSurvei": "pemohon", "Activity_TindakLanjut": "diskominfo"}


def test_a_process_marked_not_executable_is_refused_with_how_to_mark_it():
    # bpmn.io's plain modeler writes isExecutable="false" on its only process; the authors' mark is kept, and the
    # owner is told where the editors' "Executable" checkbox is (the import does not rewrite it)
    text = (FIXTURES / "kecil.bpmn").read_text().replace('isExecutable="true"', 'isExecutable="false"')
    with pytest.raises(ImportRefused) as refused:
        check_import(text.encode(), FORMS)
    [problem] = refused.value.problems
    assert (refused.value.stage, problem.element_id, problem.element_name, problem.line) == (
        "model", "layanan_kecil", "Layanan kecil", 6)
    assert problem.message.startswith('proses ini ditandai tidak untuk dijalankan (isExecutable="false") oleh '
                                      "pembuatnya")
    assert "centang \u201cExecutable\u201d di bagian General" in problem.message
    assert 'tulis isExecutable="true" pada elemen bpmn:process' in problem.message
    # marked in the editor, the same file imports as it is
    checked = check_import(text.replace('isExecutable="false"', 'isExecutable="true"').encode(), FORMS)
    assert checked.normalized == [] and checked.definition.process_id == "layanan_kecil"


def test_the_only_process_that_says_nothing_is_marked_executable():
    text = (FIXTURES / "kecil.bpmn").read_text().replace(' isExecutable="true"', "")
    checked = check_import(text.encode(), FORMS)
    assert checked.normalized == ['proses layanan_kecil (Layanan kecil): ditandai isExecutable="true" (satu-satunya '
                                  "proses berkas ini dan tidak bertanda)"]
    assert etree.fromstring(checked.definition.bpmn_xml).find(
        "{http://www.omg.org/spec/BPMN/20100524/MODEL}process").get("isExecutable") == "true"


def test_missing_diagram_is_a_warning_not_a_refusal():
    root = etree.fromstring((FIXTURES / "kecil.bpmn").read_bytes())
    shape = root.find(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape[@bpmnElement='Activity_Periksa']")
    shape.getparent().remove(shape)
    checked = check_import(etree.tostring(root), FORMS)
    assert checked.warnings == ["tidak ada gambar (DI) untuk Activity_Periksa: gambar proses tidak akan "
                                "menampilkannya"]
