"""Scenario tests beside the model: the runner says the first difference in words; ours all pass."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from app.engine import check_import, form_reader
from app.engine.definition import NS
from app.engine.scenarios import run_scenarios

ROOT = Path(__file__).resolve().parents[2]
ROLES = {"pemohon", "diskominfo", "opd", "atasan_ppid", "kepala_dinas", "kepala_diskominfo"}


def definition_of(process_id: str):
    return check_import((ROOT / "processes" / f"{process_id}.bpmn").read_bytes(), form_reader(ROOT / "forms"),
                        known_roles=ROLES, simulate=False).definition


def run_one(process_id: str, scenario: dict):
    [result] = run_scenarios(definition_of(process_id), [("uji.json", json.dumps(scenario).encode())])
    return result


COMPLAINT = [
    {"task": "Activity_AjukanPengaduan"},
    {"task": "Activity_TerimaPengaduan", "data": {"sumber_pengaduan": "langsung"}},
    {"task": "Activity_TindakLanjutiPengaduan", "data": {"hasil_tindak_lanjut": "tuntas"}},
    {"task": "Activity_TutupPengaduan", "data": {"status_akhir": "selesai"}},
]


def test_a_scenario_that_holds_passes_and_records_its_path():
    result = run_one("pengaduan_layanan", {"name": "selesai", "steps": COMPLAINT,
                                           "expect": {"ends": ["EndEvent_PengaduanSelesai"], "finished": True,
                                                      "data": {"status": "Selesai"}}})
    assert result.passed, result.difference
    assert result.path[-1] == "EndEvent_PengaduanSelesai"


@pytest.mark.parametrize("change, difference", [
    ({"expect": {"ends": ["EndEvent_PengaduanTidakDapatDitindaklanjuti"]}},
     "akhir EndEvent_PengaduanTidakDapatDitindaklanjuti tidak tercapai (tercapai: EndEvent_PengaduanSelesai)"),
    ({"expect": {"data": {"status": "Ditolak"}}}, "data status = 'Selesai', diharapkan 'Ditolak'"),
    ({"expect": {"not_path": ["Activity_TutupPengaduan"]}}, "jalur: Activity_TutupPengaduan dilewati, padahal tidak boleh"),
    ({"expect": {"path": ["Activity_TutupPengaduan", "Activity_TerimaPengaduan"]}},
     "jalur: Activity_TerimaPengaduan sudah dilewati lebih awal"),
    ({"steps": COMPLAINT[:2] + [{"task": "Activity_TutupPengaduan"}]},
     "langkah 3: tugas Activity_TutupPengaduan tidak terbuka (yang terbuka: Activity_TindakLanjutiPengaduan"),
    ({"steps": COMPLAINT[:1] + [{"task": "Activity_TerimaPengaduan", "data": {"sumber_pengaduan": "surat_kaleng"}}]},
     "langkah 2: isian Activity_TerimaPengaduan tidak sah menurut formulir terima_pengaduan.schema.json (sumber_pengaduan:"),
    ({"steps": COMPLAINT[:1] + [{"timer": "Timer_BatasTindakLanjut5HK"}]},
     "langkah 2: timer Timer_BatasTindakLanjut5HK tidak sedang menunggu (yang menunggu: Timer_BatasPenerusan3HK)"),
    ({"steps": COMPLAINT[:1], "expect": {"finished": True}}, "kasus belum selesai (terbuka: Activity_TerimaPengaduan)"),
])
def test_the_first_difference_is_said_in_words(change, difference):
    scenario = {"name": "berubah", "steps": COMPLAINT, "expect": {}, **change}
    result = run_one("pengaduan_layanan", scenario)
    assert not result.passed
    assert difference in result.difference


def test_a_file_that_is_no_scenario_fails_with_its_reason():
    [result] = run_scenarios(definition_of("pengaduan_layanan"), [("rusak.json", b'{"steps": [{"tugas": "x"}]}')])
    assert not result.passed
    assert result.difference == "rusak.json: langkah 1 harus memuat tepat satu dari task, timer, at, message"


@pytest.mark.parametrize("path", sorted((ROOT / "processes").glob("*.bpmn")), ids=lambda p: p.stem)
def test_our_scenarios_pass_and_together_reach_every_end_event(path):
    folder = ROOT / "processes" / "tests" / path.stem
    files = [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.json"))]
    assert files, f"no scenarios in {folder}"
    results = run_scenarios(definition_of(path.stem), files)
    assert [r.line() for r in results if not r.passed] == []
    ends = {e.get("id") for e in etree.fromstring(path.read_bytes()).iter(f"{{{NS['bpmn']}}}endEvent")}
    reached = {element for r in results for element in r.path}
    assert ends - reached == set()
