"""The import checks a process against the data contract (app/domain/data_contract.py, app/engine/contract_check.py).

Edited copies of our models: a key the registers need, renamed in the editor (the field and every script and
condition that uses it, so the model still runs), leaves the register blank; the import says which.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from app.domain.roles import ROLES
from app.engine import ImportRefused, check_import, form_reader
from app.engine.contract_check import (contract_findings, form_fields, provided_by_called, provided_keys,
                                       sent_templates)
from tests.process_edits import rename_data_key

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"


def model(process_id: str) -> bytes:
    return (ROOT / "processes" / f"{process_id}.bpmn").read_bytes()


def check(bpmn: bytes, forms: dict[str, bytes], simulate: bool = True):
    return check_import(bpmn, form_reader(FORMS), known_roles=ROLES, extra_forms=forms, simulate=simulate)


def test_a_renamed_key_the_objection_register_needs_is_a_warning_naming_it():
    bpmn, forms = rename_data_key(model("keberatan_informasi_berkala"), FORMS, "tindak_lanjut_keberatan",
                                  "yang_wajib_dilakukan")
    assert forms  # the Atasan's form names the field
    checked = check(bpmn, forms)  # the model still runs: every path of the simulation ends
    [warning] = [w for w in checked.warnings if "tindak_lanjut_keberatan" in w]
    assert warning.startswith("data 'tindak_lanjut_keberatan' dibaca oleh register keberatan, tanggapan Atasan PPID "
                              "atas keberatan, tetapi tidak diisi oleh isian formulir atau skrip mana pun di proses "
                              "ini: bagian itu akan kosong")


def test_a_renamed_objection_number_refuses_the_import_naming_the_register():
    bpmn, forms = rename_data_key(model("keberatan_informasi_berkala"), FORMS, "nomor_keberatan", "no_keberatan")
    with pytest.raises(ImportRefused) as refused:
        check(bpmn, forms)
    assert refused.value.stage == "lint"
    [problem] = refused.value.problems
    assert problem.element_id == "keberatan_informasi_berkala"
    assert problem.message.startswith("data 'nomor_keberatan' wajib menurut UU 14/2008 Pasal 35 dan 36 (register "
                                      "keberatan) dan dibaca oleh register keberatan, laporan tahunan, ")
    assert "surel keberatan_dikabulkan, keberatan_diterima, " in problem.message  # the mails it sends that read it


def test_the_request_process_refuses_a_renamed_objection_decision():
    bpmn, forms = rename_data_key(model("permohonan_informasi"), FORMS, "keputusan_keberatan", "putusan_atasan")
    with pytest.raises(ImportRefused) as refused:
        check(bpmn, forms, simulate=False)
    messages = [p.message for p in refused.value.problems]
    assert len(messages) == 1 and messages[0].startswith("data 'keputusan_keberatan' wajib menurut")
    assert "register keberatan" in messages[0] and "tanggapan Atasan PPID atas keberatan" in messages[0]


def test_another_process_is_checked_for_the_mails_it_sends_only():
    # a copy of the complaint process under a new id: the LAPOR! export does not know it, its mails still read
    bpmn, forms = rename_data_key(model("pengaduan_layanan"), FORMS, "nomor_lapor", "nomor_pelacakan")
    bpmn = bpmn.replace(b'"pengaduan_layanan"', b'"pengaduan_kedua"')
    checked = check(bpmn, forms, simulate=False)
    [warning] = [w for w in checked.warnings if w.startswith("data ")]
    assert warning.startswith("data 'nomor_lapor' dibaca oleh surel pengaduan_dijawab, pengaduan_diteruskan, tetapi")
    # the same edit under the complaint process's own id also names the export
    same_id, _ = rename_data_key(model("pengaduan_layanan"), FORMS, "nomor_lapor", "nomor_pelacakan")
    assert any(w.startswith("data 'nomor_lapor' dibaca oleh ekspor SP4N-LAPOR!, surel pengaduan_dijawab")
               for w in check(same_id, forms, simulate=False).warnings)


def test_what_a_process_provides():
    schema = {"properties": {"a": {}}, "x-penandatangan": {"nama": "b", "jabatan": "c"},
              "allOf": [{"if": {"properties": {"a": {"const": 1}}}, "then": {"properties": {"d": {}}}}]}
    assert form_fields(schema) == {"a", "b", "c", "d"}
    assert sent_templates('kirim_pemberitahuan("pemohon", "tanda_terima")\n'
                          'kirim_pemberitahuan(kepada="opd", templat="x")\nkirim_pemberitahuan("opd", nama)') == {
        "tanda_terima", "x"}
    root = etree.fromstring(model("permohonan_informasi"))
    provided = provided_keys(root, [])
    assert {"nomor_keberatan", "opd_penjawab", "nomor_pendaftaran", "alasan_pencabutan"} <= provided


def test_a_called_process_provides_for_its_caller():
    bpmn, forms = rename_data_key(model("keberatan_informasi_berkala"), FORMS, "tindak_lanjut_keberatan", "lain")
    schemas = check(bpmn, forms, simulate=False).definition.forms.values()
    process = etree.fromstring(bpmn).find("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")
    assert contract_findings(process, schemas)[1]
    called = check(model("keberatan_informasi_berkala"), {}, simulate=False).definition  # as a deployed process
    provided = provided_by_called({"keberatan_informasi_berkala": json.loads(called.spec_json)},
                                  called.forms.values())
    assert {"nomor_keberatan", "tindak_lanjut_keberatan"} <= provided  # a script's and a form's
    # the key written by a process it calls (app.engine.calls): nothing is missing
    assert contract_findings(process, schemas, also_provided={"tindak_lanjut_keberatan"}) == ([], [])
