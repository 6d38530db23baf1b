"""The import's simulation stage: every path run in memory, refusing what would fail when used.

Small models are edits of tests/engine/fixtures/kecil.bpmn (our own); the processes of processes/
are simulated whole and must reach every end event they have.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from app.engine import ImportRefused, check_import, form_reader
from app.engine.definition import NS, parse_xml_safely
from app.engine.runtime import Run, StepLimitExceeded
from app.engine.simulation import Simulator, simulate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
BASE = (FIXTURES / "kecil.bpmn").read_text()
COND_TIDAK = 'kelengkapan == "tidak_lengkap"</bpmn:conditionExpression>'


def edit(*pairs: tuple[str, str]) -> bytes:
    text = BASE
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode()


def check(xml: bytes):
    return check_import(xml, form_reader(ROOT / "forms"))


def refusal(xml: bytes) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        check(xml)
    return caught.value


def test_the_small_model_runs_every_path_fires_its_timer_and_reaches_every_end():
    report = check(BASE.encode()).simulation
    assert report.problems == []
    assert set(report.ends) == {"EndEvent_Lengkap", "EndEvent_TidakLengkap", "EndEvent_Lewat"}
    assert "Timer_Batas" in report.reached  # fired by moving the virtual clock past 3 working days
    assert set(report.branches) == {"Flow_Lengkap", "Flow_TidakLengkap"} and set(report.branches) <= report.taken
    assert report.unreached == [] and report.bound is None
    assert "3 akhir tercapai" in report.summary() and "cabang gateway 2/2" in report.summary()


def test_a_condition_naming_data_that_never_exists_is_refused_with_the_path_that_reaches_it():
    xml = edit((COND_TIDAK, 'kelengkapan == "tidak_lengkap" and jumlah_hari_tunda &gt; 3</bpmn:conditionExpression>'))
    refused = refusal(xml)
    assert refused.stage == "simulate"
    [problem] = refused.problems
    assert problem.element_id == "Gateway_Lengkap"
    assert "jumlah_hari_tunda" in problem.message and "nama yang tidak ada" in problem.message
    # the path: the start form, then the check answered "tidak lengkap" (the only answer that evaluates it)
    assert "jalur: Ajukan permohonan" in problem.message
    assert "Periksa kelengkapan [kelengkapan=tidak_lengkap]" in problem.message
    assert "<" not in problem.message and "0x" not in problem.message


def test_a_script_raising_a_type_error_is_refused_naming_the_script_task():
    xml = edit(('<bpmn:script>status = "Diajukan"', '<bpmn:script>status = "Diajukan" + 1'))
    refused = refusal(xml)
    assert refused.stage == "simulate"
    assert [p.element_id for p in refused.problems] == ["Activity_Catat"]
    assert "TypeError" in refused.problems[0].message and "langkah ini gagal" in refused.problems[0].message


def test_a_gateway_with_no_way_out_for_one_answer_is_refused():
    xml = edit((COND_TIDAK, 'kelengkapan == "belum_diperiksa"</bpmn:conditionExpression>'))
    refused = refusal(xml)
    assert refused.stage == "simulate"
    [problem] = refused.problems
    assert problem.element_id == "Gateway_Lengkap"
    assert "kelengkapan=tidak_lengkap" in problem.message


def test_a_model_whose_first_task_is_not_the_applicants_cannot_start():
    xml = edit(('<bpmn:flowNodeRef>Activity_Ajukan</bpmn:flowNodeRef>\n', ''),
               ('<bpmn:flowNodeRef>Activity_Catat</bpmn:flowNodeRef>',
                '<bpmn:flowNodeRef>Activity_Ajukan</bpmn:flowNodeRef><bpmn:flowNodeRef>Activity_Catat</bpmn:flowNodeRef>'))
    refused = refusal(xml)
    assert refused.stage == "simulate"
    [problem] = refused.problems
    assert problem.element_id == "Activity_Ajukan"
    assert "permohonan tidak dapat diajukan" in problem.message and "'diskominfo'" in problem.message


def test_an_element_no_answer_reaches_is_a_warning_not_a_refusal():
    xml = edit(('<bpmn:exclusiveGateway id="Gateway_Lengkap" name="Lengkap?">',
                '<bpmn:exclusiveGateway id="Gateway_Lengkap" name="Lengkap?" default="Flow_Lengkap">'),
               ('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">kelengkapan == "lengkap"'
                '</bpmn:conditionExpression>', ''),
               (COND_TIDAK, 'kelengkapan == "hilang"</bpmn:conditionExpression>'))
    checked = check(xml)
    assert "EndEvent_TidakLengkap endEvent 'Tidak lengkap'" in checked.simulation.unreached
    assert any(w.startswith("simulasi tidak pernah mencapai EndEvent_TidakLengkap") for w in checked.warnings)
    assert any("Flow_TidakLengkap" in w for w in checked.warnings)


def test_a_call_activity_calling_its_own_process_is_refused_not_left_running():
    xml = edit(('<bpmn:scriptTask id="Activity_Catat" name="Catat penerimaan" scriptFormat="python">',
                '<bpmn:callActivity id="Activity_Catat" name="Catat penerimaan" calledElement="layanan_kecil">'),
               ('<bpmn:script>status = "Diajukan"\ntanggal_diterima = sekarang()</bpmn:script>\n    </bpmn:scriptTask>',
                '</bpmn:callActivity>'))
    refused = refusal(xml)  # refused (by whichever stage sees the recursion first), with the element named
    assert any(p.element_id == "Activity_Catat" or "layanan_kecil" in p.message for p in refused.problems)


def test_engine_steps_are_bounded_at_run_time_too(monkeypatch):
    definition = check(BASE.encode()).definition
    monkeypatch.setattr(Run, "max_engine_steps", 2)
    process = parse_xml_safely(definition.bpmn_xml).find("bpmn:process", NS)
    report = Simulator(definition, process).run()  # not the report kept for this content
    assert report.problems and "tidak pernah selesai" in report.problems[0].message
    assert issubclass(StepLimitExceeded, Exception)


def test_the_bounds_are_said_when_hit():
    definition = check(BASE.encode()).definition
    process = parse_xml_safely(definition.bpmn_xml).find("bpmn:process", NS)
    report = simulate(definition, process, max_states=2)
    assert report.bound == "batas 2 keadaan tercapai"
    assert report.warnings()[0].startswith("simulasi berhenti lebih awal (batas 2 keadaan tercapai)")


@pytest.mark.parametrize("path", sorted((ROOT / "processes").glob("*.bpmn")), ids=lambda p: p.stem)
def test_our_processes_run_every_path_and_reach_every_end_event(path):
    checked = check_import(path.read_bytes(), form_reader(ROOT / "forms"),
                           known_roles={"pemohon", "diskominfo", "opd", "atasan_ppid", "kepala_dinas", "kepala_diskominfo"})
    report = checked.simulation
    root = etree.fromstring(checked.definition.bpmn_xml)
    ends = {e.get("id") for e in root.iter(f"{{{NS['bpmn']}}}endEvent")}
    assert report.problems == []
    assert set(report.ends) == ends, sorted(ends - set(report.ends))
    assert report.bound is None


def test_a_case_waiting_only_for_a_message_the_product_never_sends_is_refused():
    xml = edit(('<bpmn:collaboration id="Collaboration_Kecil">',
                '<bpmn:message id="Message_Lain" name="pesan_lain" />\n  <bpmn:collaboration id="Collaboration_Kecil">'),
               ('<bpmn:scriptTask id="Activity_Catat" name="Catat penerimaan" scriptFormat="python">',
                '<bpmn:receiveTask id="Activity_Catat" name="Catat penerimaan" messageRef="Message_Lain">'),
               ('<bpmn:script>status = "Diajukan"\ntanggal_diterima = sekarang()</bpmn:script>\n    </bpmn:scriptTask>',
                '</bpmn:receiveTask>'))
    refused = refusal(xml)
    assert refused.stage == "simulate"
    [problem] = refused.problems
    assert problem.element_id == "Activity_Catat"
    assert "pesan 'pesan_lain' tidak pernah dikirim produk ini (yang dikirim: permohonan_dicabut)" in problem.message
