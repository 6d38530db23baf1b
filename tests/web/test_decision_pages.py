"""DMN tables and call activities on the process owner's pages, and a DMN-routed case worked through the pages."""
import io
import re

import pytest
import time_machine
from lxml import html as lhtml

from app.persistence.models import HumanTask, ProcessInstance, db
from app.services.modelling.processes import import_process, latest_version

from tests.small_models import dmn_bpmn, dmn_table, forms, process_bpmn
from tests.support import actor, now, page, sign_in, wib

TABLE = {"kelas_tenggat.dmn": dmn_table()}


@pytest.fixture
def clock(owner):
    with time_machine.travel(wib(2026, 3, 2), tick=False):
        yield


def upload(client, bpmn: bytes, decisions: dict[str, bytes]):
    data = {"note": "", "bpmn": (io.BytesIO(bpmn), "layanan_kelas.bpmn"),
            "forms": [(io.BytesIO(content), name) for name, content in forms().items()],
            "decisions": [(io.BytesIO(content), name) for name, content in decisions.items()]}
    return client.post("/proses/impor", data=data, content_type="multipart/form-data")


def texts(nodes) -> list[str]:
    return [" ".join(" ".join(n.itertext()).split()) for n in nodes]


def test_the_import_page_takes_dmn_files_and_the_version_page_shows_each_table(client, clock, owner):
    sign_in(client, "pemilik")
    form = lhtml.fromstring(page(client, "/proses")).xpath('//form[@action="/proses/impor"]')[0]
    assert form.xpath('.//input[@name="decisions"]')[0].get("multiple") is not None

    response = upload(client, dmn_bpmn(), TABLE)
    assert response.status_code == 200, response.get_data(as_text=True)[-3000:]
    version = latest_version("layanan_kelas")
    assert version.decisions == {"kelas_tenggat.dmn": dmn_table().decode()}
    assert (owner.processes / "kelas_tenggat.dmn").read_bytes() == dmn_table()

    tree = lhtml.fromstring(page(client, f"/proses/{version.id}"))
    (table,) = tree.xpath('//table[@data-decision="kelas_tenggat"]')
    heading = " ".join(tree.xpath('//h3[@id="keputusan-kelas_tenggat"]')[0].text_content().split())
    assert heading == "Kelas tenggat layanan (kelas_tenggat, hit policy UNIQUE)"
    assert texts(table.xpath(".//thead/tr/th")) == [
        "Aturan", "Jenis informasi masukan: jenis_informasi", "Kelas tenggat keluaran: kelas_tenggat",
        "Batas hari kerja keluaran: batas_hari_kerja", "Keterangan"]
    assert [texts(row.xpath("td")) for row in table.xpath(".//tbody/tr")] == [
        ["1", '"serta_merta"', '"cepat"', "1", "Informasi serta-merta: diumumkan tanpa penundaan"],
        ["2", '"berkala"', '"biasa"', "10", "-"], ["3", '"setiap_saat"', '"biasa"', "10", "-"]]
    download = client.get(f"/proses/{version.id}/keputusan/kelas_tenggat.dmn")
    assert download.status_code == 200 and download.data == dmn_table()
    assert client.get(f"/proses/{version.id}/keputusan/lain.dmn").status_code == 404


def test_an_import_without_its_table_is_refused_on_the_page(client, clock):
    sign_in(client, "pemilik")
    response = upload(client, dmn_bpmn(), {})
    assert response.status_code == 422
    tree = lhtml.fromstring(response.get_data(as_text=True))
    (row,) = tree.xpath('//table[contains(@class, "problems")]/tbody/tr')
    assert row.get("data-element-id") == "Activity_TentukanKelas"
    assert "keputusan 'kelas_tenggat' tidak ada" in row.text_content()
    wrong = upload(client, dmn_bpmn(), {"kelas_tenggat.txt": dmn_table()})
    assert wrong.status_code == 422
    assert "kelas_tenggat.txt: tabel keputusan harus berakhiran .dmn." in wrong.get_data(as_text=True)


def test_the_version_page_links_the_called_process(client, clock):
    callee = import_process(actor("pemilik"), process_bpmn("verifikasi_identitas", "Verifikasi identitas"), now(),
                            extra_forms=forms()).version
    caller = import_process(actor("pemilik"), process_bpmn("layanan_berjenjang", "Layanan berjenjang",
                                                           call="verifikasi_identitas"), now()).version
    sign_in(client, "pemilik")
    tree = lhtml.fromstring(page(client, f"/proses/{caller.id}"))
    (row,) = tree.xpath('//table[contains(@class, "calls")]/tbody/tr')
    assert row.get("data-call") == "Call_LayananBerjenjang"
    assert row.xpath(".//a/@href") == [f"/proses/{callee.id}"]
    assert "versi 1" in row.text_content() and "versi terbaru saat impor" in row.text_content()
    assert callee.content_hash[:12] in row.text_content()


def start_through_the_page(client, jenis: str) -> str:
    sign_in(client, "pemohon")
    body = page(client, "/ajukan/layanan_kelas")
    token = re.search(r'name="form_token" value="([^"]+)"', body).group(1)
    response = client.post("/ajukan/layanan_kelas", data={
        "form_token": token, "jenis_informasi": jenis, "uraian_permintaan": "Daftar penerima bantuan"},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return response.headers["Location"].rsplit("/", 1)[1]


def open_task(number: str) -> HumanTask:
    db.session.expire_all()
    (row,) = db.session.scalars(db.select(HumanTask).join(ProcessInstance)
                                .filter(ProcessInstance.registration_number == number))
    return row


@pytest.mark.parametrize("jenis, task, title", [
    ("serta_merta", "Activity_LayaniCepat", "Layani segera"),
    ("setiap_saat", "Activity_LayaniBiasa", "Layani biasa"),
])
def test_the_decision_s_output_routes_a_case_worked_through_the_pages(client, clock, jenis, task, title):
    import_process(actor("pemilik"), dmn_bpmn(), now(), extra_forms=forms(), decisions=TABLE)
    number = start_through_the_page(client, jenis)

    row = open_task(number)
    assert (row.spec_id, row.lane) == (task, "diskominfo")
    db.session.remove()
    sign_in(client, "petugas")
    worklist = page(client, "/staf/tugas")
    assert number in worklist and title in worklist
    assert title in page(client, f"/tugas/{row.task_id}")
    done = client.post(f"/tugas/{row.task_id}", data={"catatan_layanan": "Dikirim lewat surel"},
                       content_type="multipart/form-data")
    assert done.status_code == 302
    db.session.expire_all()
    instance = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=number))
    assert instance.finished and instance.case_data["kelas_tenggat"] in ("cepat", "biasa")
    assert instance.case_data["batas_hari_kerja"] == (1 if jenis == "serta_merta" else 10)
