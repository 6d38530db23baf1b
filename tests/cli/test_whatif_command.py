"""`ppid process whatif DRAFT.bpmn --since ... [--json]`: the what-if on past cases from the command line."""
import json
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner

from app.cli import main as ppid
from app.persistence.models import db
from app.services.people.roles import add_role

from tests.process_edits import TELAAH_FORMS, add_legal_review, set_service_target
from tests.support import Driver, actor, wib

ROOT = Path(__file__).resolve().parents[2]
BPMN = (ROOT / "processes" / "permohonan_informasi.bpmn").read_bytes()
TO_NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")


def invoke(*args):
    db.session.remove()
    result = CliRunner().invoke(ppid, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def finished(app):
    """Two requests of January 2026: noticed on the 2nd working day after receipt, and on the 5th."""
    with time_machine.travel(wib(2026, 1, 5), tick=False) as traveller:
        drive = Driver(traveller)
        numbers = []
        for received, noticed in ((wib(2026, 1, 5), wib(2026, 1, 7, 14)), (wib(2026, 1, 19), wib(2026, 1, 26, 14))):
            drive.move_to(received)
            reg = drive.start()
            drive.walk(reg, *TO_NOTICE)
            drive.move_to(noticed)
            drive.walk(reg, "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
            drive.decline_objection(reg)
            numbers.append(reg)
        drive.move_to(wib(2026, 2, 2))
        yield numbers


def test_json_gives_the_figures_old_and_new_and_each_case(finished, tmp_path):
    draft = tmp_path / "draf.bpmn"
    draft.write_bytes(set_service_target(BPMN, 5))

    code, out = invoke("process", "whatif", draft, "--since", "2026-01-01", "--json")

    assert code == 0, out
    report = json.loads(out)
    assert report["simulation"] is True and report["note"].startswith("SIMULASI")
    assert (report["old"]["met_target"], report["new"]["met_target"]) == (1, 2)
    assert report["old"]["median_days"] == 3.5 and report["new"]["p90_days"] == 5
    assert [(c["number"], c["old_days"], c["new_met_target"]) for c in report["cases"]] == \
        [(finished[0], 2, True), (finished[1], 5, True)]
    assert [c["number"] for c in report["changes"]] == [finished[1]]


def test_text_with_a_new_step_its_forms_and_the_owners_duration(finished, tmp_path):
    forms = tmp_path / "forms"
    forms.mkdir()
    for name, raw in TELAAH_FORMS.items():
        (forms / name).write_bytes(raw)
    draft = tmp_path / "draf.bpmn"
    draft.write_bytes(add_legal_review(BPMN))
    add_role(actor("admin"), "bagian_hukum", "Bagian Hukum Setda")  # the draft's new lane is a role
    db.session.commit()

    code, out = invoke("process", "whatif", draft, "--forms", forms, "--duration", "Activity_TelaahHukum=1,5",
                       "--until", "2026-01-31")

    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("SIMULASI, bukan hasil nyata")
    assert lines[1] == "2 kasus selesai diterima s.d. Sabtu, 31 Januari 2026 (paling banyak 200 yang terbaru)"
    assert "Langkah tanpa riwayat: 'Telaah hukum' (Activity_TelaahHukum): 1,5 hari kerja, ditentukan pemilik proses" \
        in lines
    assert any(line.startswith("Memenuhi target layanan") and line.split()[-2:] == ["1", "1"] for line in lines)
    assert "  Telaah hukum (bagian_hukum): 0 → 3 (0 → 2 kali)" in lines

    code, out = invoke("process", "whatif", draft, "--duration", "Activity_TelaahHukum")
    assert code == 2 and "write TASK_ID=DAYS" in out


def test_a_draft_that_fails_a_check_is_refused_like_an_import(app, tmp_path):
    draft = tmp_path / "draf.bpmn"
    draft.write_bytes(b"<bukan bpmn")
    code, out = invoke("process", "whatif", draft)
    assert code == 1 and "refused at stage xml" in out
