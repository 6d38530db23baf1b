"""Scenario tests (app.engine.scenarios) run DMN decisions and call activities like any other step."""
import json

from app.engine import check_import, form_reader
from app.engine.scenarios import run_scenarios

from tests.engine.test_calls import CALLEE, Library
from tests.small_models import FIXTURES, dmn_bpmn, dmn_table, process_bpmn


def scenario(steps: list[dict], expect: dict) -> bytes:
    return json.dumps({"name": "uji", "start": "2026-01-05T09:00:00+07:00", "steps": steps, "expect": expect}).encode()


def test_a_scenario_follows_the_decision_s_route_and_sees_its_outputs():
    definition = check_import(dmn_bpmn(), form_reader(FIXTURES), decisions={"kelas_tenggat.dmn": dmn_table()}
                              ).definition
    fast = scenario([{"task": "Activity_Ajukan", "data": {"jenis_informasi": "serta_merta"}},
                     {"task": "Activity_LayaniCepat"}],
                    {"path": ["Activity_TentukanKelas", "Activity_LayaniCepat", "EndEvent_Cepat"],
                     "not_path": ["Activity_LayaniBiasa"], "finished": True,
                     "data": {"kelas_tenggat": "cepat", "batas_hari_kerja": 1}})
    wrong = scenario([{"task": "Activity_Ajukan", "data": {"jenis_informasi": "berkala"}}],
                     {"waiting": ["Activity_LayaniCepat"]})
    passed, failed = run_scenarios(definition, [("cepat.json", fast), ("salah.json", wrong)])
    assert passed.passed, passed.difference
    assert not failed.passed and "Activity_LayaniBiasa" in failed.difference


def test_a_scenario_walks_into_the_called_process_and_back():
    library = Library()
    library.deploy(process_bpmn(CALLEE, "Verifikasi identitas"))
    caller = library.deploy(process_bpmn("layanan_berjenjang", "Layanan berjenjang", call=CALLEE))
    story = scenario([{"task": "Activity_LayananBerjenjang_Ajukan"}, {"task": "Activity_VerifikasiIdentitas_Ajukan"},
                      {"task": "Activity_VerifikasiIdentitas_Layani"}, {"task": "Activity_LayananBerjenjang_Layani"}],
                     {"ends": ["End_VerifikasiIdentitas", "End_LayananBerjenjang"], "finished": True})
    (result,) = run_scenarios(caller, [("berjenjang.json", story)])
    assert result.passed, result.difference
