"""The task page shared by every lane: applicants and officers complete tasks through /tugas pages;
claims, conflicts, validation and who sees the KTP scan."""
from __future__ import annotations

import io
import re
import struct
import zlib

import time_machine

from app.persistence.models import Attachment, db
from app.services.people.accounts import create_user
from app.services.casework.attachments import Upload
from app.services.casework.cases import start_case

from tests.conftest import PASSWORD
from tests.support import PROCESS, REFUSAL, REQUEST, Driver, actor, now, sign_in, wib

START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB
TO_NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
WORKLIST = "/staf/tugas"


def png_bytes() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def switch(client, username: str):
    client.post("/keluar")
    sign_in(client, username)


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


def new_case() -> tuple[str, str]:
    data = {k: v for k, v in REQUEST.items() if k != "lampiran_identitas"}
    ref = start_case(actor("pemohon"), PROCESS, data, now(), {"lampiran_identitas": Upload("ktp-siti.png", png_bytes())})
    token = db.session.scalar(db.select(Attachment.token).filter_by(instance_id=ref.id, field="lampiran_identitas"))
    db.session.remove()
    return ref.registration_number, token


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="err-{field}">([^<]*)</p>', html)
    assert found, f"no error shown next to {field}"
    return found.group(1)


def complete(client, drive: Driver, number: str, spec_id: str, data: dict):
    task_id = drive.task(number, spec_id).task_id
    db.session.remove()
    page = client.get(f"/tugas/{task_id}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(f"/tugas/{task_id}", data=data, content_type="multipart/form-data")


# --------------------------------------------------------------------------- the applicant's tasks

def test_the_applicant_completes_the_request_through_the_task_page(client, drive):
    number, _ = new_case()
    sign_in(client, "petugas")
    response = complete(client, drive, number, "Activity_PeriksaKelengkapan",
                        {"kelengkapan": "tidak_lengkap", "catatan_kelengkapan": "KTP buram, unggah ulang"})
    assert response.status_code == 302 and response.headers["Location"] == WORKLIST
    assert any(number in m and "Perlu Dilengkapi" in m for m in flashes(client))

    switch(client, "pemohon")
    case_page = client.get(f"/permohonan/{number}").get_data(as_text=True)
    task_id = drive.task(number, "Activity_LengkapiPermohonan").task_id
    assert f'href="/tugas/{task_id}"' in case_page
    page = client.get(f"/tugas/{task_id}").get_data(as_text=True)
    assert "Lengkapi permohonan" in page and "KTP buram, unggah ulang" in page  # the officer's note
    assert "Petugas PPID Diskominfo" in page and "Budi Santoso" not in page  # role label, no staff name
    assert "Daftar penerima beasiswa daerah tahun 2025" in page  # the request as filed
    assert "Ambil tugas" not in page  # applicants do not claim
    assert 'name="rincian_informasi"' in page

    response = client.post(f"/tugas/{task_id}", content_type="multipart/form-data", data={
        "rincian_informasi": "Daftar penerima beasiswa 2025 per kecamatan", "tujuan_penggunaan": "Penelitian",
        "keterangan_pelengkapan": "KTP diunggah ulang", "lampiran_identitas": (io.BytesIO(png_bytes()), "ktp-baru.png")})
    assert response.status_code == 302 and response.headers["Location"] == f"/permohonan/{number}"
    assert drive.open_tasks(number) == ["Activity_PeriksaKelengkapan"]
    data = drive.case(number).case_data
    assert data["rincian_informasi"] == "Daftar penerima beasiswa 2025 per kecamatan"
    assert data["lampiran_identitas"].startswith("lampiran:")
    html = client.get(f"/permohonan/{number}").get_data(as_text=True)
    assert "ktp-baru.png" in html and "Lengkapi permohonan" in html


def test_the_applicant_files_an_objection_through_the_task_page(client, drive):
    number, _ = new_case()
    drive.walk(number, *TO_NOTICE)
    drive.do(number, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    sign_in(client, "pemohon")
    task_id = drive.task(number, "Activity_AjukanKeberatan").task_id
    db.session.remove()
    case_page = client.get(f"/permohonan/{number}").get_data(as_text=True)
    assert "Ditolak" in case_page and f'href="/tugas/{task_id}"' in case_page and "Ajukan keberatan" in case_page
    assert "Jangka keberatan 30 hari kerja" in case_page
    page = client.get(f"/tugas/{task_id}").get_data(as_text=True)
    assert "Membuka rahasia pribadi" in page  # the refusal's consequence test, among earlier answers

    missing = client.post(f"/tugas/{task_id}", data={"ajukan_keberatan": "ya"}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert field_error(missing.get_data(as_text=True), "alasan_keberatan") == "Wajib diisi."

    response = client.post(f"/tugas/{task_id}", content_type="multipart/form-data", data={
        "ajukan_keberatan": "ya", "alasan_keberatan": ["a"], "uraian_keberatan": "Informasi ini bukan rahasia"})
    assert response.status_code == 302 and response.headers["Location"] == f"/permohonan/{number}"
    data = drive.case(number).case_data
    assert data["status_keberatan"] == "Keberatan Diajukan"
    html = client.get(f"/permohonan/{number}").get_data(as_text=True)
    assert data["nomor_keberatan"] in html and "Keberatan Diajukan" in html
    assert drive.open_tasks(number) == ["Activity_PutuskanKeberatan"]


# --------------------------------------------------------------------------- staff tasks

def test_officers_complete_the_request_through_task_pages(client, drive):
    number, _ = new_case()
    sign_in(client, "petugas")
    assert complete(client, drive, number, "Activity_PeriksaKelengkapan", {"kelengkapan": "lengkap"}).status_code == 302
    page = client.get(f"/tugas/{drive.task(number, 'Activity_TeruskanKeOPD').task_id}").get_data(as_text=True)
    assert "Dinas Pendidikan" in page  # OPD choices from the database
    assert "Hasil pemeriksaan" in page and "Lengkap" in page  # earlier answers, read-only
    response = complete(client, drive, number, "Activity_TeruskanKeOPD",
                        {"opd": "DISDIK", "catatan_disposisi": "Mohon dijawab"})
    assert response.status_code == 302 and response.headers["Location"] == WORKLIST

    switch(client, "opd")
    response = complete(client, drive, number, "Activity_JawabPermohonan", {
        "informasi_dikuasai": "ya", "usulan_keputusan": "diterima_seluruhnya", "jawaban_opd": "Data terlampir"})
    assert response.status_code == 302

    switch(client, "petugas")
    response = complete(client, drive, number, "Activity_TerbitkanPemberitahuan", {
        "keputusan": "diterima_seluruhnya", "isi_pemberitahuan": "Diberikan",
        "bentuk_informasi": "Salinan elektronik (PDF)", "rencana_tanggal_penyampaian": "2026-03-20", "rencana_cara_penyampaian": "email"})
    assert response.status_code == 302 and response.headers["Location"] == WORKLIST
    assert drive.case(number).status == "Diterima Seluruhnya"
    assert any("Diterima Seluruhnya" in m for m in flashes(client))
    assert drive.open_tasks(number) == ["Activity_AjukanKeberatan", "Activity_SerahkanInformasi"]


def test_a_staff_form_with_errors_is_shown_again_with_messages(client, drive):
    number, _ = new_case()
    sign_in(client, "petugas")
    response = complete(client, drive, number, "Activity_PeriksaKelengkapan",
                        {"kelengkapan": "tidak_lengkap", "catatan_kelengkapan": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "catatan_kelengkapan") == "Wajib diisi."
    assert 'value="tidak_lengkap" required checked' in html or 'value="tidak_lengkap" checked' in html
    assert drive.open_tasks(number) == ["Activity_PeriksaKelengkapan"]


def test_a_claimed_task_cannot_be_completed_by_another_officer(client, app, drive):
    number, _ = new_case()
    create_user("petugas2", "Dewi Lestari (Petugas PPID)", PASSWORD, now(), ["diskominfo"])
    db.session.commit()
    task_id = drive.task(number, "Activity_PeriksaKelengkapan").task_id
    db.session.remove()

    sign_in(client, "petugas")
    response = client.post(f"/tugas/{task_id}/ambil")
    assert response.status_code == 302 and response.headers["Location"] == f"/tugas/{task_id}"
    assert "Lepas tugas" in client.get(f"/tugas/{task_id}").get_data(as_text=True)

    other = app.test_client()
    sign_in(other, "petugas2")
    page = other.get(f"/tugas/{task_id}").get_data(as_text=True)
    assert "sedang dikerjakan oleh Budi Santoso" in page and f'action="/tugas/{task_id}"' not in page
    response = other.post(f"/tugas/{task_id}", data={"kelengkapan": "lengkap"}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == WORKLIST
    assert any("sedang dikerjakan oleh Budi Santoso" in m for m in flashes(other))
    assert drive.open_tasks(number) == ["Activity_PeriksaKelengkapan"]
    assert other.post(f"/tugas/{task_id}/ambil").status_code == 302
    assert any("sedang dikerjakan oleh" in m for m in flashes(other))

    assert client.post(f"/tugas/{task_id}/lepas").status_code == 302
    response = other.post(f"/tugas/{task_id}", data={"kelengkapan": "lengkap"}, content_type="multipart/form-data")
    assert response.status_code == 302 and drive.open_tasks(number) == ["Activity_TeruskanKeOPD"]
    gone = client.get(f"/tugas/{task_id}")  # the finished task: back to the worklist with the reason
    assert gone.status_code == 302 and gone.headers["Location"] == WORKLIST
    assert any("tidak terbuka" in m for m in flashes(client))


def test_tasks_are_forbidden_to_those_who_may_not_work_them(client, drive):
    number, _ = new_case()
    drive.do(number, "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="KTP buram")
    create_user("budi", "Budi Pemohon Lain", PASSWORD, now(), ["pemohon"], email="budi@contoh.id")
    db.session.commit()
    applicant_task = drive.task(number, "Activity_LengkapiPermohonan").task_id
    db.session.remove()
    sign_in(client, "budi")
    for path in (f"/tugas/{applicant_task}",):
        response = client.get(path)
        assert response.status_code == 403 and "Siti Aminah" not in response.get_data(as_text=True)
    response = client.post(f"/tugas/{applicant_task}", data={"keterangan_pelengkapan": "x"})
    assert response.status_code == 403
    switch(client, "petugas")
    assert client.get(f"/tugas/{applicant_task}").status_code == 403  # the applicant's own task
    assert drive.open_tasks(number) == ["Activity_LengkapiPermohonan"]


# --------------------------------------------------------------------------- who sees the KTP scan

def test_the_ktp_scan_is_shown_only_to_those_who_work_the_case(client, app, drive):
    number, ktp = new_case()
    link = f'href="/lampiran/{ktp}"'
    create_user("opd_dinsos", "Wati (PPID Pelaksana Dinsos)", PASSWORD, now(), ["opd"], opd_codes=["DINSOS"])
    db.session.commit()
    db.session.remove()

    sign_in(client, "petugas")
    page = client.get(f"/tugas/{drive.task(number, 'Activity_PeriksaKelengkapan').task_id}").get_data(as_text=True)
    assert link in page and "3514012301900001" in page
    download = client.get(f"/lampiran/{ktp}")
    assert download.status_code == 200 and download.data == png_bytes()
    drive.walk(number, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")  # to DISDIK
    opd_task = drive.task(number, "Activity_JawabPermohonan").task_id
    db.session.remove()

    switch(client, "opd")  # officer of DISDIK and DINKES
    page = client.get(f"/tugas/{opd_task}").get_data(as_text=True)
    assert link in page and "Lampiran identitas" in page
    assert client.get(f"/lampiran/{ktp}").status_code == 200

    switch(client, "opd_dinsos")  # an officer of another OPD sees nothing of the case
    for path in (f"/tugas/{opd_task}", f"/permohonan/{number}", f"/lampiran/{ktp}"):
        response = client.get(path)
        assert response.status_code in (403, 404), path  # a case one may not see answers 404
        assert "Siti Aminah" not in response.get_data(as_text=True)

    switch(client, "auditor")  # reads the case, but not the scan nor the full NIK
    page = client.get(f"/permohonan/{number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and number in html
    assert link not in html and "3514012301900001" not in html
    assert client.get(f"/lampiran/{ktp}").status_code == 403
    assert client.get(f"/tugas/{opd_task}").status_code == 403


def test_the_applicant_does_not_see_the_opds_internal_answer(app, client):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        reg = drive.start()
        drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
        drive.do(reg, "Activity_JawabPermohonan", jawaban_opd="Catatan internal OPD untuk Diskominfo")
        drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        task_id = drive.task(reg, "Activity_AjukanKeberatan").task_id
    db.session.remove()
    client.post("/masuk", data={"username": "pemohon", "password": PASSWORD})
    page = client.get(f"/tugas/{task_id}").get_data(as_text=True)
    assert "Catatan internal OPD" not in page and "Ajukan keberatan" in page


def test_staff_read_the_case_file_before_the_form_and_see_the_ktp_in_the_page(client, drive):
    number, ktp = new_case()
    drive.walk(number, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
    drive.do(number, "Activity_JawabPermohonan", jawaban_opd="Data anggaran ada di Bappeda")
    task_id = drive.task(number, "Activity_TerbitkanPemberitahuan").task_id
    db.session.remove()
    sign_in(client, "petugas")
    html = client.get(f"/tugas/{task_id}").get_data(as_text=True)
    form_at = html.index('enctype="multipart/form-data"')
    assert html.index("Data anggaran ada di Bappeda") < form_at  # the OPD's answer before the decision
    assert html.index("<h2>Berkas permohonan</h2>") < form_at
    preview = re.search(r'<img class="attachment-preview" src="([^"]+)"', html)
    assert preview and preview.group(1) == f"/lampiran/{ktp}?lihat=1"
    shown = client.get(preview.group(1))
    assert shown.status_code == 200 and shown.data == png_bytes()
    assert shown.headers["Content-Disposition"].startswith("inline;")
    assert client.get(f"/lampiran/{ktp}").headers["Content-Disposition"].startswith("attachment;")


def refused_and_signed_in_as_applicant(client, drive) -> tuple[str, str]:
    """A refused case whose applicant is signed in; returns (number, the objection task's id)."""
    number, _ = new_case()
    drive.walk(number, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
    drive.do(number, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    task_id = drive.task(number, "Activity_AjukanKeberatan").task_id
    db.session.remove()
    sign_in(client, "pemohon")
    return number, task_id


def test_the_applicant_sees_their_own_form_first(client, drive):
    _, task_id = refused_and_signed_in_as_applicant(client, drive)
    html = client.get(f"/tugas/{task_id}").get_data(as_text=True)
    assert html.index('enctype="multipart/form-data"') < html.index("<h2>Berkas permohonan</h2>")


def test_after_filing_an_objection_the_applicant_is_told_its_number(client, drive):
    number, task_id = refused_and_signed_in_as_applicant(client, drive)
    client.post(f"/tugas/{task_id}", data={"_nomor_pendaftaran": number, "ajukan_keberatan": "ya",
                                           "alasan_keberatan": ["a"], "uraian_keberatan": "Bukan rahasia"},
                content_type="multipart/form-data")
    message = " ".join(flashes(client))
    assert re.search(r"Keberatan Anda tercatat dengan Nomor KEB-\S+ untuk permohonan " + number, message), message
    assert "Tugas" not in message


def test_the_request_form_is_filled_with_the_accounts_name_and_email(client):
    sign_in(client, "pemohon")
    html = client.get("/permohonan/baru").get_data(as_text=True)
    assert re.search(r'name="email"[^>]*value="pemohon@contoh.pasuruankab.go.id"', html) or \
        re.search(r'value="pemohon@contoh.pasuruankab.go.id"[^>]*name="email"', html)
