"""Hostile and broken BPMN files: each refused at its stage with its own message, nothing deployed.

The models are tests/engine/fixtures/kecil.bpmn (a small valid process with DI) with one
thing broken per case. Refusal means: ImportRefused naming the stage and every problem of
it (element id, name, line), no process_version row, no file written to processes/ or forms/.
"""
from pathlib import Path

import pytest

from app.engine import ImportRefused
from app.persistence.models import ProcessVersion, db
from app.services.modelling.processes import import_process

from tests.support import actor, now

FIXTURES = Path(__file__).parent / "fixtures"
BASE = (FIXTURES / "kecil.bpmn").read_text()
DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
LOL = "\n".join(['<!ENTITY lol "lol">'] + [
    f'<!ENTITY lol{i} "' + f"&lol{i - 1 if i > 1 else ''};" * 10 + '">' for i in range(1, 10)])
COND_LENGKAP = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">kelengkapan == "lengkap"</bpmn:conditionExpression>'
COND_TIDAK = ('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">kelengkapan == "tidak_lengkap"'
              '</bpmn:conditionExpression>')
TIMER = "hari_kerja(3, sejak=tanggal_diterima)"
SCRIPT = 'status = "Diajukan"'
ORPHAN = '''<bpmn:userTask id="Activity_Yatim" name="Tugas yatim">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="periksa_kelengkapan.schema.json" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_Lewat"'''
ORPHAN_DI = '''<bpmndi:BPMNShape id="Activity_Yatim_di" bpmnElement="Activity_Yatim">
        <dc:Bounds x="800" y="240" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di"'''


def edit(*pairs: tuple[str, str]) -> str:
    text = BASE
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


CASES = {
    # name: (BPMN text, stage, [(element id, message fragment)])
    "malformed XML": (edit(("</bpmn:process>", "")), "xml", [(None, "XML rusak/malformed di baris 154")]),
    "external entity": (
        edit((DECL, DECL + '<!DOCTYPE bpmn:definitions [\n  <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'),
             ("Formulir permohonan.", "&xxe;")),
        "xml", [(None, "entitas eksternal 'xxe' merujuk file:///etc/passwd")]),
    "billion laughs": (
        edit((DECL, DECL + "<!DOCTYPE bpmn:definitions [\n" + LOL + "\n]>\n"), ("Formulir permohonan.", "&lol9;")),
        "xml", [(None, "entitas 'lol' dideklarasikan")] + [
            (None, f"entitas 'lol{i}' merujuk entitas lain (lol{i - 1 if i > 1 else ''}): pengembangan entitas "
                   "(billion laughs) tidak diizinkan") for i in range(1, 10)]),
    "plain DOCTYPE": (edit((DECL, DECL + "<!DOCTYPE bpmn:definitions>\n")), "xml",
                      [(None, "deklarasi DOCTYPE tidak diizinkan")]),
    "XSD violation": (edit(('name="Lewat batas">', 'name="Lewat batas" warna="merah">')), "xsd",
                      [("EndEvent_Lewat", "tidak sesuai skema BPMN 2.0 (XSD): Element 'bpmn:endEvent', attribute 'warna': "
                                        "The attribute 'warna' is not allowed")]),
    "missing form": (edit(('value="periksa_kelengkapan.schema.json"', 'value="telaah_rahasia.schema.json"')), "lint",
                     [("Activity_Periksa", "formulir 'telaah_rahasia.schema.json': berkas tidak ada di folder forms/")]),
    "timer that does not compile": (edit((TIMER, "hari_kerja(")), "lint",
                                    [("Timer_Batas", "timer timeDate tidak dapat dikompilasi: '(' was never closed")]),
    "timer with an invalid ISO duration": (
        edit((TIMER, '"P4X"'), ("<bpmn:timeDate ", "<bpmn:timeDuration "), ("</bpmn:timeDate>", "</bpmn:timeDuration>")),
        "lint", [("Timer_Batas", "menghasilkan 'P4X', yang bukan lama waktu ISO 8601 yang sah")]),
    "script that imports": (edit((SCRIPT, "import os\nstatus = os.getcwd()")), "lint",
                            [("Activity_Catat", "skrip mengimpor os: impor modul tidak diizinkan")]),
    "script that opens a file": (edit((SCRIPT, 'status = open("/etc/passwd").read()')), "lint",
                                 [("Activity_Catat", "skrip memakai open(): membaca atau menulis berkas tidak diizinkan")]),
    "script that walks __class__ to __subclasses__": (
        edit((SCRIPT, "kelas = ().__class__.__base__.__subclasses__()")), "lint",
        [("Activity_Catat", "atribut dunder '.__subclasses__'"), ("Activity_Catat", "atribut dunder '.__base__'"),
         ("Activity_Catat", "atribut dunder '.__class__'")]),
    "condition calling an unknown function": (
        edit(('kelengkapan == "lengkap"', "periksa_dokumen(kelengkapan)")), "lint",
        [("Flow_Lengkap", "syarat memanggil fungsi yang tidak dikenal 'periksa_dokumen'")]),
    "unknown lane": (edit(('name="diskominfo"', 'name="bagian_rahasia"')), "lint",
                     [("Lane_Petugas", "jalur 'bagian_rahasia' bukan peran yang dikenal")]),
    # a lane named in words, as other tools' exports do: the message offers a key that the role command accepts
    "lane named in words": (edit(('name="diskominfo"', 'name="Process Initiator"')), "lint",
                            [("Lane_Petugas", "jalur 'Process Initiator' bukan kunci peran (2-60 huruf kecil, angka "
                                              "dan _, diawali huruf): namai jalur dengan sebuah peran, mis. "
                                              "'process_initiator', lalu tambahkan peran itu (`ppid role add "
                                              "process_initiator \"Process Initiator\"`)")]),
    # the project's clear rule runs before SpiffWorkflow's parser, which would name one flow and no remedy
    "exclusive gateway without conditions or default": (
        edit((COND_LENGKAP, ""), (COND_TIDAK, "")), "model",
        [("Gateway_Lengkap", "gerbang eksklusif dengan 2 alur keluar: Flow_Lengkap, Flow_TidakLengkap tidak bersyarat "
                             "dan bukan alur bawaan (default); beri setiap alur syarat atau tandai satu sebagai alur "
                             "bawaan")]),
    "unreachable task": (
        edit(('<bpmn:endEvent id="EndEvent_Lewat"', ORPHAN),
             ("<bpmn:flowNodeRef>Activity_Periksa</bpmn:flowNodeRef>",
              "<bpmn:flowNodeRef>Activity_Periksa</bpmn:flowNodeRef><bpmn:flowNodeRef>Activity_Yatim</bpmn:flowNodeRef>"),
             ('<bpmndi:BPMNEdge id="Flow_1_di"', ORPHAN_DI)),
        "lint", [("Activity_Yatim", "tidak dapat dicapai dari peristiwa awal")]),
}


def snapshot(folders):
    return {p: p.read_bytes() for folder in folders for p in folder.rglob("*") if p.is_file()}


def test_the_unbroken_model_imports(folders):
    result = import_process(actor("pemilik"), BASE.encode(), now())
    assert result.created and result.normalized == [] and result.warnings == []
    assert (folders[0] / "layanan_kecil.bpmn").read_text() == BASE


@pytest.mark.parametrize("case", list(CASES))
def test_refused_with_its_own_message_and_nothing_deployed(folders, case):
    text, stage, expected = CASES[case]
    before_files, before_rows = snapshot(folders), db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion))

    with pytest.raises(ImportRefused) as refused:
        import_process(actor("pemilik"), text.encode(), now(), extra_forms={"telaah_rahasia.uischema.json": b"{}"})

    assert refused.value.stage == stage, refused.value.lines()
    problems = refused.value.problems
    assert len(problems) == len(expected), refused.value.lines()
    for problem, (element_id, fragment) in zip(problems, expected):
        assert problem.stage == stage and problem.element_id == element_id and fragment in problem.message, problem
        assert problem.line is not None
    if expected[0][0]:  # located problems name the element and its line in the imported file
        first = problems[0]
        assert first.line == line_of(text, f'id="{first.element_id}"')
        assert str(first).startswith(f"{stage}: {first.element_id} (")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion)) == before_rows
    assert snapshot(folders) == before_files


def test_every_problem_of_the_failing_stage_is_listed_and_later_stages_do_not_run(folders):
    text = edit(('name="diskominfo"', 'name="bagian_rahasia"'), (SCRIPT, 'status = open("x")'),
                (TIMER, '"P4X"'), ('value="periksa_kelengkapan.schema.json"', 'value="tidak_ada.schema.json"'))
    with pytest.raises(ImportRefused) as refused:
        import_process(actor("pemilik"), text.encode(), now())
    assert refused.value.stage == "lint"
    assert sorted(p.element_id for p in refused.value.problems) == [
        "Activity_Catat", "Activity_Periksa", "Lane_Petugas", "Timer_Batas"]
    # an XSD problem stops the import before the project's own rules are looked at
    with pytest.raises(ImportRefused) as refused:
        import_process(actor("pemilik"), text.replace('name="Lewat batas">', 'name="Lewat batas" x="1">').encode(),
                       now())
    assert refused.value.stage == "xsd" and len(refused.value.problems) == 1


def test_an_oversized_file_is_refused_before_parsing(folders):
    huge = BASE.replace("Formulir permohonan.", "x" * (2 * 1024 * 1024))
    with pytest.raises(ImportRefused) as refused:
        import_process(actor("pemilik"), huge.encode(), now())
    assert refused.value.stage == "xml" and "lebih dari batas 2048 KiB" in refused.value.problems[0].message


def test_an_invalid_extra_form_is_refused_and_not_written(folders):
    text = edit(('value="periksa_kelengkapan.schema.json"', 'value="periksa_baru.schema.json"'))
    for content, fragment in ((b"{not json", "bukan JSON yang sah"),
                              (b'{"type": "object", "properties": {"a": {"type": "teks"}}}',
                               "bukan JSON Schema (Draft 2020-12) yang sah")):
        with pytest.raises(ImportRefused) as refused:
            import_process(actor("pemilik"), text.encode(), now(), extra_forms={"periksa_baru.schema.json": content})
        assert refused.value.stage == "lint" and fragment in refused.value.problems[0].message
        assert not (folders[1] / "periksa_baru.schema.json").exists()
