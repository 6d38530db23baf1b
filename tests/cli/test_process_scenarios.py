"""`ppid process test`, the import's scenario gate and the version page's list of scenarios."""
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lhtml

from app.cli import main as ppid
from app.engine import ImportRefused
from app.persistence.models import ProcessVersion, db
from app.services.modelling.processes import import_process, latest_version

from tests.support import actor, now, page, sign_in

ROOT = Path(__file__).resolve().parents[2]
COMPLAINT = (ROOT / "processes" / "pengaduan_layanan.bpmn").read_bytes()
#: the edit: "tidak dapat ditindaklanjuti" no longer leads to its own end (a condition mistyped in the editor)
MISTYPED = COMPLAINT.replace(b'status_akhir == "tidak_dapat_ditindaklanjuti"', b'status_akhir == "tidak_dapat"')
WRONG_END = {"name": "Akhir yang salah diharapkan", "steps": [
    {"task": "Activity_AjukanPengaduan"}, {"task": "Activity_TerimaPengaduan"},
    {"task": "Activity_TindakLanjutiPengaduan"}, {"task": "Activity_TutupPengaduan", "data": {"status_akhir": "selesai"}}],
    "expect": {"ends": ["EndEvent_PengaduanTidakDapatDitindaklanjuti"]}}


@pytest.fixture
def owner(owner):
    """The owner's folders with the complaint process's scenarios beside its model."""
    shutil.copytree(ROOT / "processes" / "tests" / "pengaduan_layanan", owner.processes / "tests" / "pengaduan_layanan")
    return owner


def invoke(*args):
    db.session.remove()
    result = CliRunner().invoke(ppid, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def versions() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(ProcessVersion))


def test_process_test_runs_the_scenarios_and_exits_1_on_a_failure_with_the_first_difference(owner):
    code, out = invoke("process", "test", "pengaduan_layanan")
    assert code == 0, out
    assert "pengaduan_layanan  lulus  selesai_tepat_waktu.json:" in out and "2 passed, 0 failed" in out

    (owner.processes / "tests" / "pengaduan_layanan" / "salah.json").write_text(json.dumps(WRONG_END))
    code, out = invoke("process", "test", "pengaduan_layanan")
    assert code == 1
    assert ("GAGAL  salah.json: Akhir yang salah diharapkan — akhir EndEvent_PengaduanTidakDapatDitindaklanjuti "
            "tidak tercapai (tercapai: EndEvent_PengaduanSelesai)") in out
    assert "2 passed, 1 failed" in out

    code, out = invoke("process", "test", "tidak_ada")
    assert code != 0 and "tidak_ada" in out


def test_the_import_runs_the_scenarios_as_a_gate_and_deploys_nothing_when_one_fails(owner):
    before = versions()
    with pytest.raises(ImportRefused) as refused:
        import_process(actor("pemilik"), MISTYPED, now(), note="kondisi salah ketik")
    assert refused.value.stage == "scenario"
    [problem] = refused.value.problems
    assert problem.message.startswith("terlambat_dan_tidak_dapat.json: jalur: "
                                      "EndEvent_PengaduanTidakDapatDitindaklanjuti tidak pernah dilewati; jalur yang ditempuh: ")
    assert problem.element_name == "Penerusan dan tindak lanjut melewati batas, pengaduan tidak dapat ditindaklanjuti"
    assert versions() == before
    assert (owner.processes / "pengaduan_layanan.bpmn").read_bytes() == COMPLAINT


def test_scenarios_given_with_an_import_replace_the_folders_and_are_kept_beside_the_model(owner):
    fixed = json.loads((owner.processes / "tests" / "pengaduan_layanan" / "terlambat_dan_tidak_dapat.json").read_text())
    fixed["expect"] = {"ends": ["EndEvent_PengaduanSelesai"], "finished": True}
    result = import_process(actor("pemilik"), MISTYPED, now(), note="dua akhir jadi satu",
                            scenarios={"terlambat_dan_tidak_dapat.json": json.dumps(fixed).encode()})
    assert result.created and "skenario: 2 lulus" in result.simulation
    kept = json.loads((owner.processes / "tests" / "pengaduan_layanan" / "terlambat_dan_tidak_dapat.json").read_text())
    assert kept["expect"]["ends"] == ["EndEvent_PengaduanSelesai"]
    # the simulation saw the end no answer reaches any more, and said so
    assert any("EndEvent_PengaduanTidakDapatDitindaklanjuti" in w for w in result.warnings)


def test_a_scenario_file_name_with_a_path_is_refused(owner):
    with pytest.raises(ImportRefused) as refused:
        import_process(actor("pemilik"), COMPLAINT, now(), scenarios={"../luar.json": b"{}"})
    assert refused.value.stage == "scenario" and "nama berkas skenario '../luar.json' tidak sah" in str(refused.value)


def test_the_version_page_lists_the_scenarios_with_their_last_result_and_runs_them(client, owner):
    sign_in(client, "pemilik")
    version = latest_version("pengaduan_layanan")
    tree = lhtml.fromstring(page(client, f"/proses/{version.id}"))
    rows = tree.xpath('//table[@class="scenarios"]//tr[@data-scenario]')
    assert [r.get("data-scenario") for r in rows] == ["selesai_tepat_waktu.json", "terlambat_dan_tidak_dapat.json"]
    assert all("belum dijalankan" in r.text_content() for r in rows)

    response = client.post("/proses/skenario/pengaduan_layanan")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/proses/{version.id}#skenario")
    body = page(client, f"/proses/{version.id}")
    assert "Skenario pengaduan_layanan: 2 lulus, 0 gagal." in body
    rows = lhtml.fromstring(body).xpath('//table[@class="scenarios"]//tr[@data-scenario]')
    assert all("lulus" in r.text_content() for r in rows)


def test_the_import_page_takes_scenario_files(client, owner):
    sign_in(client, "pemilik")
    response = client.post("/proses/impor", content_type="multipart/form-data", data={
        "bpmn": (io.BytesIO(MISTYPED), "pengaduan_layanan.bpmn"), "note": "",
        "scenarios": [(io.BytesIO(json.dumps(WRONG_END).encode()), "salah.json")]})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    tree = lhtml.fromstring(body)
    assert tree.xpath('//div[@data-stage="scenario"]')
    text = " ".join(tree.xpath('//main')[0].text_content().split())
    assert "salah.json: akhir EndEvent_PengaduanTidakDapatDitindaklanjuti tidak tercapai" in text
    assert not (owner.processes / "tests" / "pengaduan_layanan" / "salah.json").exists()
