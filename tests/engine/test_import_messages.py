"""Refusals a process owner can act on: one small model per kind of problem other tools' exports have.

Each model is written here (not copied from a tool) with one thing this product cannot run. The
refusal names the stage, the element (id, name on one line) and its line, and says in Indonesian
what is not supported and what to do; the project's clear checks run before SpiffWorkflow's
parser (stage "model"), and what only the parser finds is translated (stage "parse").
"""
from __future__ import annotations

import io

import pytest
from lxml import html as lhtml

from app.engine import ImportRefused, check_import
from app.engine.definition import _model_stage, _parse_stage, parse_xml_safely
from app.engine.model_check import HOW_TO_MARK_EXECUTABLE, parser_problem, select_process

from tests.engine.test_miwg_corpus import FORMS, unclear
from tests.support import sign_in

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_Uji" targetNamespace="urn:uji">\n')
TAIL = "</bpmn:definitions>\n"


def process(body: str, pid: str = "proses_uji", name: str = "Proses uji", executable: str | None = "true") -> str:
    mark = f' isExecutable="{executable}"' if executable is not None else ""
    return f'  <bpmn:process id="{pid}" name="{name}"{mark}>\n{body}  </bpmn:process>\n'


def chain(*nodes: str, flows: list[tuple[str, str]] | None = None, prefix: str = "") -> str:
    """Start event, the nodes (XML, each with an id), end event, and a sequence flow between each pair."""
    ids = [f"{prefix}Mulai"] + [n.split('id="', 1)[1].split('"', 1)[0] for n in nodes] + [f"{prefix}Selesai"]
    body = f'    <bpmn:startEvent id="{prefix}Mulai" name="Mulai" />\n' + "".join(f"    {n}\n" for n in nodes)
    body += f'    <bpmn:endEvent id="{prefix}Selesai" name="Selesai" />\n'
    pairs = list(zip(ids, ids[1:])) if flows is None else flows
    body += "".join(f'    <bpmn:sequenceFlow id="{prefix}Flow_{i}" sourceRef="{a}" targetRef="{b}" />\n'
                    for i, (a, b) in enumerate(pairs, 1))
    return body


def refused(text: str) -> ImportRefused:
    with pytest.raises(ImportRefused) as caught:
        check_import(text.encode(), FORMS)
    for problem in caught.value.problems:
        assert not unclear(problem), (str(problem), unclear(problem))
    return caught.value


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def test_a_business_rule_task_without_its_dmn_table_says_to_import_it_with_dmn():
    task = ('<bpmn:businessRuleTask id="Tentukan_Biaya" name="Tentukan biaya"><bpmn:extensionElements>'
            "<spiffworkflow:calledDecisionId>Keputusan_Biaya</spiffworkflow:calledDecisionId>"
            "</bpmn:extensionElements></bpmn:businessRuleTask>")
    text = HEAD + process(chain(task)) + TAIL
    result = refused(text)
    [problem] = result.problems
    assert (result.stage, problem.element_id, problem.line) == ("parse", "Tentukan_Biaya", line_of(text, task))
    assert "'Keputusan_Biaya'" in problem.message and "--dmn" in problem.message
    # Camunda Modeler names the table in camunda:decisionRef: the same message, never the id "None"
    camunda = '<bpmn:businessRuleTask id="Tentukan_Biaya" name="Tentukan biaya" camunda:decisionRef="Tabel_Biaya" />'
    [problem] = refused(HEAD + process(chain(camunda)) + TAIL).problems
    assert "'Tabel_Biaya'" in problem.message and "--dmn" in problem.message and "None" not in problem.message


def test_several_processes_none_marked_executable_are_listed_by_id_and_name():
    text = (HEAD + process(chain(prefix="Satu_"), "proses_satu", "Proses satu", "false")
            + process(chain(prefix="Dua_"), "proses_dua", "Proses&#10;kedua", "false")
            + process(chain(prefix="Tiga_"), "proses_tiga", "", None) + TAIL)
    result = refused(text)
    [problem] = result.problems
    assert (result.stage, problem.element_id, problem.line) == ("model", None, line_of(text, "<bpmn:process"))
    assert problem.message == (
        "3 proses, tidak satu pun ditandai dapat dijalankan (isExecutable=\"true\"): proses_satu 'Proses satu', "
        "proses_dua 'Proses kedua', proses_tiga \u2014 tandai satu yang akan dijalankan: " + HOW_TO_MARK_EXECUTABLE)


def test_a_file_with_one_marked_process_among_others_runs_that_one():
    text = (HEAD + process(chain('<bpmn:manualTask id="Catat" name="Catat" />'), "dijalankan", "Dijalankan")
            + process(chain(prefix="Gambar_"), "catatan", "Hanya gambar", "false") + TAIL)
    root = parse_xml_safely(text.encode())
    _model_stage(root)  # nothing refused: the process marked executable is the one to run, the other is a picture
    chosen, problems = select_process(root)
    assert chosen.get("id") == "dijalankan" and problems == []


def test_a_process_its_authors_marked_not_executable_is_refused_not_rewritten():
    text = HEAD + process(chain(), "dari_bpmn_io", "Proses&#10;dari bpmn.io", "false") + TAIL
    result = refused(text)
    [problem] = result.problems
    assert (result.stage, problem.element_id, problem.element_name) == ("model", "dari_bpmn_io",
                                                                        "Proses dari bpmn.io")
    assert problem.message == ('proses ini ditandai tidak untuk dijalankan (isExecutable="false") oleh pembuatnya, dan '
                               "produk ini hanya menjalankan proses yang ditandai dapat dijalankan. Bila proses ini "
                               f"memang akan dijalankan, tandai: {HOW_TO_MARK_EXECUTABLE}")
    assert "Camunda Modeler" in HOW_TO_MARK_EXECUTABLE and "bpmn.io" in HOW_TO_MARK_EXECUTABLE


def test_a_service_task_is_told_it_has_nothing_to_run_it_and_what_to_use_instead():
    task = '<bpmn:serviceTask id="Kirim_Surel" name="Kirim&#10;surel" implementation="##WebService" />'
    text = HEAD + process(chain(task)) + TAIL
    result = refused(text)
    [problem] = result.problems
    assert (result.stage, problem.element_id, problem.element_name, problem.line) == (
        "model", "Kirim_Surel", "Kirim surel", line_of(text, task))
    assert problem.message == (
        "tugas layanan (service task) tidak dapat dijalankan di produk ini: tidak ada yang menjalankannya (produk ini "
        "tidak memanggil layanan atau sistem lain). Gunakan tugas skrip (script task) bila hasilnya dapat dihitung "
        "dari data kasus, atau tugas pengguna (user task) bila seorang petugas mengerjakannya")


def test_empty_timers_get_the_projects_message_before_the_parser_says_unknown_time_specification():
    empty = ('<bpmn:intermediateCatchEvent id="Tunggu_Kosong" name="Tunggu">'
             '<bpmn:timerEventDefinition id="Def_1"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression" />'
             "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>")
    none = ('<bpmn:intermediateCatchEvent id="Tunggu_Tanpa" name="Tunggu lagi">'
            '<bpmn:timerEventDefinition id="Def_2" /></bpmn:intermediateCatchEvent>')
    result = refused(HEAD + process(chain(empty, none)) + TAIL)
    assert result.stage == "model"
    assert [(p.element_id, p.message) for p in result.problems] == [
        ("Tunggu_Kosong", 'timer timeDuration kosong: isi waktunya, mis. hari_kerja(5, sejak=tanggal_diterima) atau '
                          '"P5D"'),
        ("Tunggu_Tanpa", "timer ini perlu tepat satu dari timeDate (tanggal), timeDuration (lama) atau timeCycle "
                         "(berulang); ditemukan 0: isi jenis dan waktunya di editor")]


def test_a_task_with_two_outgoing_flows_is_told_to_draw_a_gateway_in_a_whole_sentence():
    task, other_end = '<bpmn:task id="Periksa" name="Periksa" />', '<bpmn:endEvent id="Selesai_Lain" name="Lain" />'
    flows = [("Mulai", "Periksa"), ("Periksa", "Selesai"), ("Periksa", "Selesai_Lain")]
    text = HEAD + process(chain(task, other_end, flows=flows)) + TAIL
    expected = ("tugas ini punya 2 alur keluar (Flow_2, Flow_3) langsung dari dirinya; mesin proses hanya mengikuti "
                "satu alur keluar dari sebuah tugas. Gambar sebuah gerbang setelah tugas ini: gerbang paralel untuk "
                "menjalankan semua cabang, atau gerbang eksklusif dengan syarat pada tiap alur untuk memilih satu")
    result = refused(text)
    assert [(result.stage, p.element_id, p.message) for p in result.problems] == [("model", "Periksa", expected)]
    # what SpiffWorkflow's parser says of it ("... not supported for tasks of type.") is translated the same way
    with pytest.raises(ImportRefused) as parsed:
        _parse_stage(parse_xml_safely(text.encode()))
    assert [(p.stage, p.element_id, p.message) for p in parsed.value.problems] == [("parse", "Periksa", expected)]


def test_a_data_association_the_engine_cannot_follow_is_named_without_a_python_repr():
    task = ('<bpmn:task id="Hitung" name="Hitung"><bpmn:dataInputAssociation id="Masuk_1">'
            "<bpmn:sourceRef>Properti_Biaya</bpmn:sourceRef><bpmn:targetRef>Properti_Biaya</bpmn:targetRef>"
            "</bpmn:dataInputAssociation></bpmn:task>")
    body = '    <bpmn:property id="Properti_Biaya" name="biaya" />\n' + chain(task)
    text = HEAD + process(body) + TAIL
    [problem] = refused(text).problems
    assert problem.element_id == "Hitung" and problem.message.startswith(
        "asosiasi data dari/ke 'Properti_Biaya' tidak dapat dibaca mesin proses: itu bukan objek data yang digambar "
        "di proses ini (data object reference)")
    # the parser's own message held `<Element {...}sourceRef at 0x...>`: translated, located, no repr
    with pytest.raises(ImportRefused) as parsed:
        _parse_stage(parse_xml_safely(text.encode()))
    [problem] = parsed.value.problems
    assert (problem.stage, problem.element_id) == ("parse", "Hitung") and not unclear(problem)
    assert problem.message.startswith("asosiasi data masuk pada tugas ini tidak dapat dibaca mesin proses")


def test_an_association_to_a_data_object_itself_is_refused_and_one_through_its_reference_accepted():
    body = ('    <bpmn:dataObject id="Data_Biaya" name="biaya" />\n'
            '    <bpmn:dataObjectReference id="Ref_Biaya" dataObjectRef="Data_Biaya" name="biaya" />\n' + chain(
                '<bpmn:task id="Hitung" name="Hitung"><bpmn:dataInputAssociation id="Masuk_1"><bpmn:sourceRef>{}'
                "</bpmn:sourceRef><bpmn:targetRef>Data_Biaya</bpmn:targetRef></bpmn:dataInputAssociation></bpmn:task>"))
    [problem] = refused(HEAD + process(body.format("Data_Biaya")) + TAIL).problems
    assert (problem.stage, problem.element_id) == ("model", "Hitung") and "'Data_Biaya'" in problem.message
    _model_stage(parse_xml_safely((HEAD + process(body.format("Ref_Biaya")) + TAIL).encode()))


def test_a_subprocess_drawn_collapsed_and_empty_is_told_to_be_filled():
    sub = '<bpmn:subProcess id="Sub_Kosong" name="Sub&#10;kosong" />'
    [problem] = refused(HEAD + process(chain(sub)) + TAIL).problems
    assert (problem.stage, problem.element_id, problem.element_name) == ("model", "Sub_Kosong", "Sub kosong")
    assert problem.message.startswith("subproses ini kosong (tidak berisi langkah apa pun)")


def test_an_id_the_engine_uses_for_its_own_steps_and_an_unknown_message_are_named():
    # SpiffWorkflow names its own first and last steps "Start" and "End": an element with that id silently
    # vanished from the parsed process (an empty process that ends at once)
    text = (HEAD + process(chain('<bpmn:task id="End" name="Akhiri" />',
                                 '<bpmn:intermediateCatchEvent id="Tunggu_Pesan" name="Tunggu balasan">'
                                 '<bpmn:messageEventDefinition id="Def_Pesan" messageRef="Balasan" />'
                                 "</bpmn:intermediateCatchEvent>")) + TAIL)
    result = refused(text)
    assert [(result.stage, p.element_id, p.message) for p in result.problems] == [
        ("model", "End", "id 'End' dipakai mesin proses untuk langkahnya sendiri, sehingga elemen ini akan hilang "
                         "dari proses yang dijalankan: ganti id-nya di editor (mis. StartEvent_1)"),
        ("model", "Tunggu_Pesan", "peristiwa tunggu ini merujuk pesan (message) 'Balasan' yang tidak ada di berkas: "
                                  "pilih pesan yang ada di editor, atau buat pesannya")]


def test_what_only_the_parser_finds_is_translated_too():
    loop = ('<bpmn:task id="Ulangi" name="Ulangi"><bpmn:standardLoopCharacteristics id="Loop_1" />'
            "</bpmn:task>")
    result = refused(HEAD + process(chain(loop)) + TAIL)
    assert [(result.stage, p.element_id, p.message) for p in result.problems] == [
        ("parse", "Ulangi", "tugas berulang (loop) ini tidak menyebut batas ulangan (loopMaximum) atau syarat "
                            "berhenti (loopCondition): isi salah satu")]
    # an exception the product has no words for still says what failed, in Indonesian, at the process
    root = parse_xml_safely((HEAD + process(chain()) + TAIL).encode())
    problem = parser_problem(KeyError("x"), root, root[0])
    assert (problem.element_id, problem.message) == (
        "proses_uji", "mesin proses tidak dapat membangun proses ini (pesan mesin proses: KeyError: x)")


def test_the_import_page_shows_the_model_stage_refusal_in_indonesian(client, owner):
    task = '<bpmn:serviceTask id="Kirim_Surel" name="Kirim surel" />'
    sign_in(client, "pemilik")
    response = client.post("/proses/impor", content_type="multipart/form-data", data={
        "note": "", "bpmn": (io.BytesIO((HEAD + process(chain(task)) + TAIL).encode()), "uji.bpmn")})
    assert response.status_code == 422
    tree = lhtml.fromstring(response.get_data(as_text=True))
    assert tree.xpath("//*[@data-stage]")[0].get("data-stage") == "model"
    stages = [" ".join(li.text_content().split()) for li in tree.xpath("//ol[@class='stages']/li")]
    assert stages[:4] == ["✓ Keamanan dan format XML", "✓ Skema BPMN 2.0 (XSD)",
                          "✗ Bentuk model (proses yang dijalankan, elemen yang dapat dijalankan produk ini)",
                          "– Pembacaan oleh mesin proses (tidak dijalankan)"]
    [row] = tree.xpath("//table[@class='problems']/tbody/tr")
    cells = [" ".join(td.text_content().split()) for td in row.findall("td")]
    assert cells[:3] == ["Kirim_Surel", "Kirim surel", "5"]
    assert cells[3].startswith("tugas layanan (service task) tidak dapat dijalankan di produk ini")
