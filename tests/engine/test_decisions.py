"""DMN decision tables beside a BPMN file: imported, checked, run in the sandbox, shown (issue 14 item 3)."""
from datetime import datetime, timezone

import pytest

from app.domain.calendar import WorkingCalendar
from app.engine import Engine, EngineError, ImportRefused, ProcessDefinition, RunContext, check_import, form_reader
from app.engine.decision_view import decision_tables
from app.engine.decisions import new_parser, read_decision_files
from app.engine.definition import content_hash, parse_xml_safely
from app.engine.serialization import spec_to_json

from tests.small_models import FIXTURES, dmn_bpmn, dmn_table

TABLE = {"kelas_tenggat.dmn": dmn_table()}
CAMUNDA_REF = (b'<bpmn:businessRuleTask xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
               b'camunda:decisionRef="kelas_tenggat" id="Activity_TentukanKelas"')
SPIFF_REF = b"<spiffworkflow:calledDecisionId>kelas_tenggat</spiffworkflow:calledDecisionId>"


def check(bpmn: bytes = None, decisions=TABLE):
    return check_import(bpmn or dmn_bpmn(), form_reader(FIXTURES), decisions=decisions)


def refused(stage: str, **kwargs) -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        check(**kwargs)
    assert caught.value.stage == stage, caught.value.lines()
    return caught.value.lines()


def with_table(old: bytes, new: bytes) -> dict:
    assert old in dmn_table()
    return {"kelas_tenggat.dmn": dmn_table().replace(old, new)}


def context():
    return RunContext(now=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc), calendar=WorkingCalendar(),
                      allocate_number=lambda kind: f"{kind}-1")


def run_to_service(definition, jenis: str) -> list[str]:
    """Start a case, answer the start form with `jenis_informasi`, return the open tasks after the decision."""
    run = Engine().start(definition, context())
    (start,) = run.ready_tasks()
    run.complete(start.task_id, {"jenis_informasi": jenis, "uraian_permintaan": "Daftar"})
    return [t.spec_id for t in run.ready_tasks()]


# --------------------------------------------------------------------------- accepted and run

def test_the_decision_is_stored_with_the_version_and_drives_the_gateway():
    definition = check().definition
    assert definition.decisions == {"kelas_tenggat.dmn": dmn_table().decode()}
    assert run_to_service(definition, "serta_merta") == ["Activity_LayaniCepat"]
    assert run_to_service(definition, "berkala") == ["Activity_LayaniBiasa"]


def test_the_content_hash_covers_the_table_and_stays_the_same_without_one():
    first = check().definition
    changed = check(decisions=with_table(b"<text>10</text>\n        </outputEntry>\n      </rule>\n      <rule "
                                         b'id="Rule_SetiapSaat">',
                                         b"<text>7</text>\n        </outputEntry>\n      </rule>\n      <rule "
                                         b'id="Rule_SetiapSaat">')).definition
    assert first.content_hash != changed.content_hash
    assert content_hash(b"<x/>", {"f": {}}) == content_hash(b"<x/>", {"f": {}}, {}, ())


def test_camunda_modelers_decision_ref_is_read_like_spiffworkflows():
    bpmn = dmn_bpmn().replace(SPIFF_REF, b"").replace(b'<bpmn:businessRuleTask id="Activity_TentukanKelas"',
                                                      CAMUNDA_REF)
    definition = check(bpmn).definition
    assert run_to_service(definition, "serta_merta") == ["Activity_LayaniCepat"]


def test_hit_policy_first_takes_the_first_matching_rule():
    first = with_table(b'hitPolicy="UNIQUE"', b'hitPolicy="FIRST"')["kelas_tenggat.dmn"]
    first = first.replace(b'<text>"berkala"</text>', b"<text>-</text>")  # rule 2 matches whatever rule 1 does
    definition = check(decisions={"kelas_tenggat.dmn": first}).definition
    assert run_to_service(definition, "serta_merta") == ["Activity_LayaniCepat"]
    assert run_to_service(definition, "setiap_saat") == ["Activity_LayaniBiasa"]


def test_a_decision_entry_runs_in_the_sandbox_even_when_the_import_checks_are_bypassed():
    """SpiffWorkflow's DMN engine evaluates through the workflow's script engine: our RestrictedEnvironment."""
    table = with_table(b'<text>"cepat"</text>', b'<text>open("/etc/passwd").read()</text>')
    roots = read_decision_files(table)
    parser = new_parser(roots)
    root = parse_xml_safely(dmn_bpmn())
    parser.add_bpmn_xml(root)
    spec = parser.get_spec("layanan_kelas")
    unchecked = ProcessDefinition(process_id="layanan_kelas", name="x", content_hash="sandbox-test", bpmn_xml=b"",
                                  spec_json=spec_to_json(spec, {}))
    with pytest.raises(EngineError, match="open"):
        run_to_service(unchecked, "serta_merta")
    assert run_to_service(unchecked, "berkala") == ["Activity_LayaniBiasa"]  # other rules still run


# --------------------------------------------------------------------------- refused, with the reason

def test_a_business_rule_task_whose_decision_is_missing_is_refused_naming_it():
    (line,) = refused("parse", decisions=None)
    assert "Activity_TentukanKelas" in line and "keputusan 'kelas_tenggat' tidak ada" in line and "--dmn" in line
    bpmn = dmn_bpmn().replace(SPIFF_REF, b"")
    (line,) = refused("parse", bpmn=bpmn)
    assert "tidak menyebut keputusan" in line and "tersedia: kelas_tenggat" in line


@pytest.mark.parametrize("old, new, expected", [
    (b'hitPolicy="UNIQUE"', b'hitPolicy="RULE ORDER"', "hit policy RULE ORDER tidak didukung; pakai salah satu dari "
                                                       "UNIQUE, FIRST, COLLECT"),
    (b'hitPolicy="UNIQUE"', b'hitPolicy="COLLECT" aggregation="SUM"', "COLLECT dengan agregasi SUM tidak didukung"),
    (b' name="kelas_tenggat" ', b" ", "keluaran 1 ('Kelas tenggat') tidak bernama (name)"),
    (b' name="kelas_tenggat" ', b' name="kelas tenggat" ', "nama keluaran 1 'kelas tenggat' bukan kunci data"),
    (b' label="Jenis informasi"', b"", "masukan 1 tidak berlabel"),
    (b"<text>jenis_informasi</text>", b"<text></text>", "masukan 1 ('Jenis informasi') tidak berisi ekspresi"),
    (b'<text>"cepat"</text>', b"<text>().__class__.__base__</text>",
     "aturan 1, keluaran 'kelas_tenggat': '().__class__.__base__' ditolak sandbox"),
    (b'<text>"berkala"</text>', b"<text>-</text>",
     "aturan 1 dan 2 dapat cocok bersamaan (hit policy UNIQUE hanya membolehkan satu)"),
])
def test_a_table_breaking_a_rule_is_refused_naming_file_table_rule_and_line(old, new, expected):
    lines = refused("lint", decisions=with_table(old, new))
    assert any(expected in line for line in lines), lines
    assert all("kelas_tenggat (Kelas tenggat layanan)" in line and "kelas_tenggat.dmn baris " in line
               for line in lines), lines


def test_a_rule_with_the_wrong_number_of_entries_or_a_broken_output_is_refused_before_the_engine_reads_it():
    lines = refused("parse", decisions=with_table(b'<text>"cepat"</text>', b'<text>"cepat</text>'))
    assert "aturan 1, keluaran 'kelas_tenggat': '\"cepat' bukan ekspresi" in lines[0]
    two_decisions = dmn_table().replace(b"</definitions>", b'<decision id="lain" name="Lain" /></definitions>')
    lines = refused("parse", decisions={"kelas_tenggat.dmn": two_decisions})
    assert "kelas_tenggat.dmn baris 2: berisi 2 keputusan (decision)" in lines[0]
    assert "keputusan 'kelas_tenggat' tidak ada" in lines[1]  # so its task finds no table
    short = with_table(b'<outputEntry id="Output_SertaMerta_Hari">\n          <text>1</text>\n        </outputEntry>',
                       b"")
    (line,) = refused("parse", decisions=short)
    assert "aturan 1 berisi 1 entri masukan dan 1 entri keluaran, tabelnya 1 masukan dan 2 keluaran" in line


def test_dmn_files_are_read_as_safely_as_bpmn_files():
    xxe = (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
           b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">&x;</definitions>')
    (line,) = refused("xml", decisions={"kelas_tenggat.dmn": xxe})
    assert line.startswith("xml: kelas_tenggat.dmn:") and "XXE" in line
    (line,) = refused("xml", decisions={"../kelas_tenggat.dmn": dmn_table()})
    assert "nama berkas keputusan" in line
    (line,) = refused("xml", decisions={"kelas_tenggat.dmn": dmn_bpmn()})
    assert "bukan berkas DMN" in line
    lines = refused("xsd", decisions=with_table(b"<decisionTable", b"<bogus /><decisionTable"))
    assert "kelas_tenggat.dmn baris 4" in lines[0] and "bogus" in lines[0]


def test_a_table_no_task_calls_is_a_warning_and_is_not_stored():
    other = dmn_table().replace(b'id="kelas_tenggat"', b'id="lain"')
    checked = check(decisions={**TABLE, "lain.dmn": other})
    assert list(checked.definition.decisions) == ["kelas_tenggat.dmn"]
    assert any("lain.dmn (lain) diunggah tetapi tidak dipakai" in w for w in checked.warnings)


# --------------------------------------------------------------------------- shown

def test_the_version_page_view_of_a_table():
    (table,) = decision_tables({"kelas_tenggat.dmn": dmn_table().decode()})
    assert (table.decision_id, table.name, table.hit_policy) == ("kelas_tenggat", "Kelas tenggat layanan", "UNIQUE")
    assert table.inputs == [("Jenis informasi", "jenis_informasi")]
    assert table.outputs == [("kelas_tenggat", "Kelas tenggat"), ("batas_hari_kerja", "Batas hari kerja")]
    assert [(r.number, r.inputs, r.outputs) for r in table.rules] == [
        (1, ['"serta_merta"'], ['"cepat"', "1"]), (2, ['"berkala"'], ['"biasa"', "10"]),
        (3, ['"setiap_saat"'], ['"biasa"', "10"])]
    assert table.rules[0].description == "Informasi serta-merta: diumumkan tanpa penundaan"
