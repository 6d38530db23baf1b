"""`ppid process import|list|diff|migrate` and `ppid role add|list`: a process owner's day."""
from pathlib import Path

import time_machine
from click.testing import CliRunner

from app.cli import main as ppid
from app.persistence.models import ProcessInstance, ProcessVersion, db
from app.services.people.accounts import create_user

from tests.conftest import PASSWORD
from tests.process_edits import TELAAH_FORMS, add_legal_review, set_service_target
from tests.support import Driver, now, wib

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "engine" / "fixtures"


def invoke(*args):
    db.session.remove()  # end the test's own transaction: SQLite writers take the lock up front
    result = CliRunner().invoke(ppid, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def newest_id(process_id):
    return db.session.scalar(db.select(db.func.max(ProcessVersion.id)).filter_by(process_id=process_id))


def test_import_with_forms_then_identical_import_and_list(folders):
    code, out = invoke("process", "import", FIXTURES / "spiffarena_survei.bpmn", "--forms", FIXTURES / "forms",
                       "--note", "survei baru", "--by", "pemilik")
    assert code == 0, out
    version = newest_id("survei_kepuasan")
    assert f"imported: process survei_kepuasan version {version}" in out
    assert (folders[1] / "survei_kepuasan.uischema.json").exists()
    assert (folders[0] / "survei_kepuasan.bpmn").exists()

    code, out = invoke("process", "import", FIXTURES / "spiffarena_survei.bpmn", "--forms", FIXTURES / "forms")
    assert code == 0 and f"unchanged: identical to process survei_kepuasan version {version}" in out

    code, out = invoke("process", "list")
    line = next(x for x in out.splitlines() if "survei_kepuasan" in x)
    assert line.split()[0] == f"{version}*" and "pemilik" in line and "survei baru" in line


def test_a_camunda_export_prints_what_was_normalized(folders):
    code, out = invoke("process", "import", FIXTURES / "camunda_pengaduan.bpmn")
    assert code == 0, out
    assert 'normalized: timer Event_Batas5Hari (Batas 5 hari) baris 18: timeDuration P5D ditulis sebagai teks "P5D"' in out
    assert "normalized: tugas pengguna Activity_Periksa (Periksa pengaduan) baris 11: tidak berada di jalur mana pun; " \
           "camunda:candidateGroups 'diskominfo' dipakai sebagai jalurnya (peran)" in out


def test_a_refused_import_prints_every_problem_and_exits_1(folders):
    broken = (FIXTURES / "kecil.bpmn").read_text().replace('name="diskominfo"', 'name="bagian_rahasia"').replace(
        'status = "Diajukan"', 'status = open("x").read()')
    path = folders[0].parent / "rusak.bpmn"
    path.write_text(broken)
    before = {p.name for p in folders[0].iterdir()}

    code, out = invoke("process", "import", path)

    assert code == 1
    assert "refused at stage lint: 2 problem(s)" in out
    assert "lint: Lane_Petugas (bagian_rahasia) baris 12: jalur 'bagian_rahasia' bukan peran yang dikenal" in out
    assert "lint: Activity_Catat (Catat penerimaan) baris 35: skrip memakai open()" in out
    assert {p.name for p in folders[0].iterdir()} == before and newest_id("layanan_kecil") is None


def test_role_then_import_then_diff_then_migrate(folders):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        running = drive.start()
        finished_early = drive.start()
        drive.walk(finished_early, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan",
                   "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
        drive.decline_objection(finished_early)
        code, out = invoke("role", "add", "bagian_hukum", "Bagian Hukum Setda")
        assert code == 0 and "role bagian_hukum (Bagian Hukum Setda) added" in out
        assert invoke("role", "add", "bagian_hukum", "lagi")[0] == 1
        assert invoke("role", "add", "Bagian Hukum", "x")[0] == 1
        create_user("hukum", "Rahmat Hidayat", PASSWORD, now(), ["bagian_hukum"])
        db.session.commit()
        assert "bagian_hukum" in invoke("role", "list")[1]

        v1 = newest_id("permohonan_informasi")
        bpmn = add_legal_review(set_service_target((ROOT / "processes" / "permohonan_informasi.bpmn").read_bytes(), 5))
        export, forms = folders[0].parent / "export.bpmn", folders[0].parent / "export_forms"
        export.write_bytes(bpmn)
        forms.mkdir()
        for name, content in TELAAH_FORMS.items():
            (forms / name).write_bytes(content)
        code, out = invoke("process", "import", export, "--forms", forms, "--note", "Perbup 2026")
        assert code == 0, out
        v2 = newest_id("permohonan_informasi")

        code, out = invoke("process", "diff", v1, v2)
        assert code == 0
        assert "+ Activity_TelaahHukum (Telaah hukum) [UserTask]" in out
        assert "~ Timer_Target4HK (Target layanan 5 hari kerja) [BoundaryEvent]: nama 'Target layanan 4 hari kerja'" \
               in out

        code, out = invoke("process", "list")
        rows = {x.split()[0].rstrip("*"): x for x in out.splitlines()[1:]}
        assert rows[str(v1)].endswith(" 1  dipasang dari berkas permohonan_informasi.bpmn")  # one case runs on it
        assert rows[str(v2)].endswith(" 0  Perbup 2026") and f"{v2}*" in out

        assert invoke("process", "migrate", v2)[0] == 2  # neither --case nor --all
        code, out = invoke("process", "migrate", v2, "--all")
        assert code == 0 and f"moved    {running} -> version {v2}" in out and "1 moved, 0 stay" in out
        assert db.session.scalar(db.select(ProcessInstance.version_id).filter_by(registration_number=running)) == v2
        code, out = invoke("process", "migrate", v2, "--case", running)
        assert f"stays    {running}: kasus sudah berjalan pada versi ini" in out
