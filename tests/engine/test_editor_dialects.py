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
        'timer Event_Batas5Hari (Batas 5 hari) line 18: timeDuration P5D written as the string "P5D"',
        'timer Event_Pengingat (Pengingat tiap jam) line 24: timeCycle R3/PT1H written as the string "R3/PT1H"',
        'timer Event_TanggalTutup (Tanggal tutup buku) line 42: timeDate 2026-01-01T00:00:00Z written as the string '
        '"2026-01-01T00:00:00Z"',
        "user task Activity_Ajukan (Ajukan pengaduan) line 7: in no lane; camunda:candidateGroups 'pemohon' used "
        "as its lane (role)",
        "user task Activity_Periksa (Periksa pengaduan) line 11: in no lane; camunda:candidateGroups 'diskominfo' "
        "used as its lane (role)",
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
        ("Activity_Periksa", "camunda:candidateGroups 'diskominfo,opd' must name exactly one role key")]


def test_spiffarena_export_is_read_as_it_is():
    data = (FIXTURES / "spiffarena_survei.bpmn").read_bytes()
    checked = check_import(data, form_reader(FIXTURES / "forms"))
    assert checked.normalized == [] and checked.warnings == [] and checked.definition.bpmn_xml == data
    assert {t.id: t.lane for t in checked.definition.user_tasks.values()} == {
        "Activity_IsiSurvei": "pemohon", "Activity_TindakLanjut": "diskominfo"}


def test_bpmn_io_marks_its_only_process_not_executable():
    text = (FIXTURES / "kecil.bpmn").read_text().replace('isExecutable="true"', 'isExecutable="false"')
    checked = check_import(text.encode(), FORMS)
    assert checked.normalized == ['process layanan_kecil (Layanan kecil): marked isExecutable="true" (the only '
                                  'process of the file)']
    assert etree.fromstring(checked.definition.bpmn_xml).find(
        "{http://www.omg.org/spec/BPMN/20100524/MODEL}process").get("isExecutable") == "true"


def test_missing_diagram_is_a_warning_not_a_refusal():
    root = etree.fromstring((FIXTURES / "kecil.bpmn").read_bytes())
    shape = root.find(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape[@bpmnElement='Activity_Periksa']")
    shape.getparent().remove(shape)
    checked = check_import(etree.tostring(root), FORMS)
    assert checked.warnings == ["no diagram (DI) for Activity_Periksa: the picture of the process will miss them"]
