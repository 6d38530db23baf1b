"""The applicant portal through the pages: file a request with a KTP scan, follow it, download documents;
the public status page shows no personal data."""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest
import time_machine
from pypdf import PdfReader

from app.persistence.models import Attachment, ProcessInstance, db
from app.services.people.accounts import create_user
from app.services.casework.attachments import Upload
from app.services.casework.cases import start_case

from tests.conftest import PASSWORD
from tests.support import OBJECTION_REFUSED, PROCESS, REFUSAL, REQUEST, ComplaintDriver, Driver, actor, now, sign_in, wib

START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB
TO_NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real, valid PNG (grey pixels)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf_bytes() -> bytes:
    """A small, valid one-page PDF."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def form_token(client) -> str:
    page = client.get("/permohonan/baru")
    assert page.status_code == 200
    return re.search(r'name="form_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def request_form(token: str, upload=None, **changes) -> dict:
    data = {k: v for k, v in REQUEST.items() if k != "lampiran_identitas"}
    data.update(changes)
    data["form_token"] = token
    if upload is not None:
        data["lampiran_identitas"] = upload
    return {k: v for k, v in data.items() if v is not None}


def submit(client, token: str, upload=None, **changes):
    return client.post("/permohonan/baru", data=request_form(token, upload, **changes),
                       content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="err-{field}">([^<]*)</p>', html)
    assert found, f"no error shown next to {field}"
    return found.group(1)


def case_with_ktp(username: str = "pemohon") -> tuple[str, str]:
    """A case started through the service with a real KTP scan; returns (number, attachment token)."""
    data = {k: v for k, v in REQUEST.items() if k != "lampiran_identitas"}
    ref = start_case(actor(username), PROCESS, data, now(), {"lampiran_identitas": Upload("ktp.png", png_bytes())})
    token = db.session.scalar(db.select(Attachment.token).filter_by(instance_id=ref.id, field="lampiran_identitas"))
    db.session.remove()
    return ref.registration_number, token


@pytest.fixture
def applicant(client):
    sign_in(client, "pemohon")
    return client


# --------------------------------------------------------------------------- filing a request

@pytest.mark.parametrize("name, content, content_type", [
    ("ktp.png", png_bytes(), "image/png"), ("ktp-siti.pdf", pdf_bytes(), "application/pdf")])
def test_a_request_with_a_ktp_scan_gets_a_number_and_a_receipt(applicant, name, content, content_type):
    response = submit(applicant, form_token(applicant), (io.BytesIO(content), name))
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"PPID-\d{4}-\d{5}", number)
    page = applicant.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Nomor Pendaftaran: {number}" in page  # the flash
    assert "<h1>" + number + "</h1>" in page and "Diajukan" in page
    assert "Ajukan permohonan informasi" in page  # the timeline
    assert "Batas 10 hari kerja" in page and "hari kerja lagi" in page

    case = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=number))
    assert case.case_data["nama_lengkap"] == "Siti Aminah"
    receipt = applicant.get(f"/permohonan/{number}/tanda-terima.pdf")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")
    assert receipt.headers["Content-Type"] == "application/pdf"
    assert receipt.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(receipt.data)
    assert number in text and "3514012301900001" not in text  # the NIK is masked on the receipt

    link = re.search(r'href="(/lampiran/[^"]+)"', page).group(1)
    download = applicant.get(link)
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Type"] == content_type
    assert download.headers["Content-Disposition"].startswith(f'attachment; filename="{name}"')
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "private, no-store"


def test_the_form_shows_the_request_form_for_a_phone(applicant):
    html = applicant.get("/permohonan/baru").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="viewport"' in html
    assert 'type="file"' in html and 'name="lampiran_identitas"' in html
    assert "Formulir Permohonan Informasi Publik" in html and "10 hari kerja" in html


def test_a_fake_image_is_refused_next_to_the_field_and_creates_nothing(applicant):
    response = submit(applicant, form_token(applicant), (io.BytesIO(b"ini bukan gambar, hanya teks"), "ktp.png"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "PDF, JPG atau PNG" in field_error(html, "lampiran_identitas")
    assert 'value="Siti Aminah"' in html and "Daftar penerima beasiswa daerah tahun 2025" in html  # values kept
    assert count(ProcessInstance) == 0 and count(Attachment) == 0


def test_an_image_with_the_wrong_extension_is_refused(applicant):
    response = submit(applicant, form_token(applicant), (io.BytesIO(png_bytes()), "ktp.pdf"))
    assert response.status_code == 422
    assert "tidak sesuai" in field_error(response.get_data(as_text=True), "lampiran_identitas")
    assert count(ProcessInstance) == 0


def test_an_oversized_file_is_refused_next_to_the_field_and_creates_nothing(applicant, app):
    limit = app.config["PPID_MAX_UPLOAD_MB"] * 1024 * 1024
    big = png_bytes() + b"\x00" * (limit + 10)  # over the limit, still under the server's body limit
    response = submit(applicant, form_token(applicant), (io.BytesIO(big), "ktp.png"))
    assert response.status_code == 422
    assert f"lebih dari {app.config['PPID_MAX_UPLOAD_MB']} MB" in field_error(response.get_data(as_text=True),
                                                                               "lampiran_identitas")
    assert count(ProcessInstance) == 0 and count(Attachment) == 0


def test_a_body_over_the_server_limit_is_refused_with_the_form_shown_again(applicant, app):
    huge = png_bytes() + b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = submit(applicant, form_token(applicant), (io.BytesIO(huge), "ktp.png"))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "MB" in field_error(html, "lampiran_identitas") and 'name="form_token"' in html
    assert count(ProcessInstance) == 0


def test_a_body_over_the_server_limit_is_refused_on_the_form_with_csrf_on(csrf_app):
    """With CSRF on, the token check reads the body first: the refusal still lands on the form."""
    from tests.conftest import csrf_token

    app = csrf_app
    client = app.test_client()
    csrf = csrf_token(client)
    client.post("/masuk", data={"username": "pemohon", "password": PASSWORD, "csrf_token": csrf})
    data = request_form(form_token(client), (io.BytesIO(b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 10)), "ktp.png"))
    response = client.post("/permohonan/baru", data={**data, "csrf_token": csrf}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "MB" in field_error(response.get_data(as_text=True), "lampiran_identitas")
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)) == 0


def test_missing_fields_are_named_next_to_each_field_and_values_are_kept(applicant):
    response = submit(applicant, form_token(applicant), (io.BytesIO(png_bytes()), "ktp.png"),
                      nama_lengkap=None, email="bukan-email", rincian_informasi=None, nik="123")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "nama_lengkap") == "Wajib diisi."
    assert field_error(html, "rincian_informasi") == "Wajib diisi."
    assert "e-mail tidak valid" in field_error(html, "email")
    assert field_error(html, "nik") == "NIK harus 16 angka."
    assert "Pilih berkas ini lagi" in field_error(html, "lampiran_identitas")  # the file was not kept
    assert 'value="bukan-email"' in html and "Jl. Raya Bangil 12, Pasuruan" in html
    assert count(ProcessInstance) == 0 and count(Attachment) == 0


def test_a_missing_ktp_scan_is_required(applicant):
    response = submit(applicant, form_token(applicant))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "lampiran_identitas") == "Wajib diisi."
    assert count(ProcessInstance) == 0


def test_the_same_form_sent_twice_creates_one_case(applicant):
    token = form_token(applicant)
    first = submit(applicant, token, (io.BytesIO(png_bytes()), "ktp.png"))
    second = submit(applicant, token, (io.BytesIO(png_bytes()), "ktp.png"))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(ProcessInstance) == 1
    page = applicant.get(second.headers["Location"]).get_data(as_text=True)
    assert "sudah terkirim" in page
    # a new form with the same content soon after (Back, then Kirim): still the same case
    again = submit(applicant, form_token(applicant), (io.BytesIO(png_bytes()), "ktp.png"))
    assert again.headers["Location"] == first.headers["Location"] and count(ProcessInstance) == 1
    third = submit(applicant, form_token(applicant), (io.BytesIO(png_bytes()), "ktp.png"),
                   rincian_informasi="Permohonan yang lain")  # a new form saying something else: a new case
    assert third.headers["Location"] != first.headers["Location"] and count(ProcessInstance) == 2


def test_staff_and_visitors_cannot_file_through_the_portal(client):
    assert client.get("/permohonan/baru").status_code == 302  # to the sign-in page
    sign_in(client, "petugas")
    assert client.get("/permohonan/baru").status_code == 403


# --------------------------------------------------------------------------- following a case

def test_my_cases_lists_number_status_and_next_due(app, client):
    with time_machine.travel(START, tick=False):
        number, _ = case_with_ktp()
        sign_in(client, "pemohon")
        html = client.get("/permohonan").get_data(as_text=True)
    assert number in html and "Diajukan" in html
    assert "Batas 10 hari kerja" in html and "Senin, 16 Maret 2026" in html and "10 hari kerja lagi" in html
    assert "Senin, 2 Maret 2026" in html


def test_my_cases_say_what_was_asked_and_what_kind_of_case(app, client):
    long_text = "Data anggaran pendidikan " + "dan rincian belanja sekolah " * 20
    with time_machine.travel(START, tick=False):
        number = start_case(actor("pemohon"), PROCESS, {**REQUEST, "rincian_informasi": long_text}, now()) \
            .registration_number
        complaint = ComplaintDriver(None).start(uraian_pengaduan="Petugas tidak menjawab telepon layanan.")
        sign_in(client, "pemohon")
        html = client.get("/permohonan").get_data(as_text=True)
    assert number in html and complaint in html
    assert "Permohonan Informasi Publik" in html and "Pengaduan Layanan" in html
    assert "Data anggaran pendidikan dan rincian belanja sekolah" in html and "\u2026" in html
    assert long_text.strip() not in html  # shortened, not the whole text
    assert "Petugas tidak menjawab telepon layanan." in html
    assert REQUEST["alamat"] not in html


def test_the_case_page_shows_role_labels_not_staff_names_to_the_applicant(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        number, _ = case_with_ktp()
        drive.do(number, "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="KTP buram")
        db.session.remove()
        sign_in(client, "pemohon")
        html = client.get(f"/permohonan/{number}").get_data(as_text=True)
    assert "Perlu Dilengkapi" in html
    assert "Periksa kelengkapan permohonan" in html and "Petugas PPID Diskominfo" in html
    assert "Budi Santoso" not in html
    assert "Senin, 2 Maret 2026 09:00 WIB" in html  # timeline in WIB
    task_id = drive.task(number, "Activity_LengkapiPermohonan").task_id
    assert f'href="/tugas/{task_id}"' in html and "Lengkapi permohonan" in html
    assert "Batas melengkapi 3 hari kerja" in html and "Kamis, 5 Maret 2026" in html


def thread_steps(html: str) -> list[str]:
    """The text of each step of the applicant's thread, tags stripped."""
    thread = html.split('<ol class="timeline thread">', 1)[1].split("</ol>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", li).split()) for li in thread.split("<li>")[1:]]


def test_the_applicant_thread_says_why_at_each_step_without_internal_notes(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        number, _ = case_with_ktp()
        drive.do(number, "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap",
                 catatan_kelengkapan="Lampirkan KTP yang terbaca")
        drive.do(number, "Activity_LengkapiPermohonan")
        drive.walk(number, "Activity_PeriksaKelengkapan")
        drive.do(number, "Activity_TeruskanKeOPD", catatan_disposisi="Catatan internal disposisi")
        drive.do(number, "Activity_JawabPermohonan", usulan_keputusan="ditolak", jawaban_opd="Jawaban internal OPD")
        drive.do(number, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        db.session.remove()
        sign_in(client, "pemohon")
        html = client.get(f"/permohonan/{number}").get_data(as_text=True)
    steps = thread_steps(html)
    asked = next(s for s in steps if s.startswith("Periksa kelengkapan") and "Lampirkan KTP yang terbaca" in s)
    assert "Petugas PPID Diskominfo" in asked and "Senin, 2 Maret 2026" in asked
    refusal = next(s for s in steps if "Membuka rahasia pribadi" in s)  # the consequence test, in its step
    assert "Pasal 17 huruf h" in refusal and "5 tahun" in refusal and "Pemberitahuan Tertulis (PDF)" in refusal
    assert "Tanda bukti penerimaan (PDF)" in steps[0]
    assert "Catatan internal disposisi" not in html and "Jawaban internal OPD" not in html
    assert "Budi Santoso" not in html
    assert html.index("<h2>Riwayat</h2>") < html.index("<h2>Dokumen</h2>")


def test_staff_see_the_case_page_with_names(app, client):
    number, _ = case_with_ktp()
    sign_in(client, "petugas")
    html = client.get(f"/permohonan/{number}").get_data(as_text=True)
    assert number in html and "Siti Aminah" in html
    assert "Periksa kelengkapan permohonan" in html  # a task the officer may work, as a button
    assert re.search(r'class="btn btn-primary" href="/tugas/[0-9a-f-]{36}"', html)


def test_another_applicant_sees_nothing_of_someone_elses_case(app, client):
    number, ktp = case_with_ktp()
    create_user("budi", "Budi Pemohon Lain", PASSWORD, now(), ["pemohon"], email="budi@contoh.id")
    db.session.commit()
    db.session.remove()
    sign_in(client, "budi")
    for path in (f"/permohonan/{number}", f"/permohonan/{number}/tanda-terima.pdf",
                 f"/permohonan/{number}/pemberitahuan.pdf", f"/permohonan/{number}/berkas-sengketa.zip",
                 f"/lampiran/{ktp}"):
        response = client.get(path)
        assert response.status_code in (403, 404), path
        body = response.get_data(as_text=True)
        assert "Siti Aminah" not in body and "3514012301900001" not in body and "siti@contoh.id" not in body
        assert not response.data.startswith(b"%PDF")
    assert number not in client.get("/permohonan").get_data(as_text=True)


def test_visitors_are_sent_to_sign_in_for_case_pages_and_files(app, client):
    number, ktp = case_with_ktp()
    for path in (f"/permohonan/{number}", f"/permohonan/{number}/tanda-terima.pdf", f"/lampiran/{ktp}"):
        response = client.get(path)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_notice_and_dispute_bundle_appear_when_they_exist(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        number, _ = case_with_ktp()
        sign_in(client, "pemohon")
        assert client.get(f"/permohonan/{number}/pemberitahuan.pdf").status_code == 404
        assert "pemberitahuan.pdf" not in client.get(f"/permohonan/{number}").get_data(as_text=True)
        drive.walk(number, *TO_NOTICE)
        drive.do(number, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        db.session.remove()
        html = client.get(f"/permohonan/{number}").get_data(as_text=True)
        assert "pemberitahuan.pdf" in html and "berkas-sengketa.zip" not in html
        notice = client.get(f"/permohonan/{number}/pemberitahuan.pdf")
        assert notice.status_code == 200 and notice.data.startswith(b"%PDF") and number in pdf_text(notice.data)
        assert client.get(f"/permohonan/{number}/berkas-sengketa.zip").status_code == 404
        drive.do(number, "Activity_AjukanKeberatan")
        drive.do(number, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
        drive.do(number, "Activity_AjukanSengketa")
        db.session.remove()
        html = client.get(f"/permohonan/{number}").get_data(as_text=True)
        assert "berkas-sengketa.zip" in html and "Sengketa Diajukan" in html
        bundle = client.get(f"/permohonan/{number}/berkas-sengketa.zip")
    assert bundle.status_code == 200 and bundle.headers["Content-Type"] == "application/zip"
    assert bundle.headers["Content-Disposition"].startswith("attachment;")
    names = zipfile.ZipFile(io.BytesIO(bundle.data)).namelist()
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".png") for n in names)


# --------------------------------------------------------------------------- the public status page

def test_public_status_shows_progress_and_no_personal_data(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        number, _ = case_with_ktp()
        drive.walk(number, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
        db.session.remove()
        response = client.get(f"/cek/{number}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert number in html and "Diproses" in html and "Senin, 2 Maret 2026" in html
    assert "Periksa kelengkapan permohonan" in html and "Teruskan ke OPD" in html
    assert "Batas 10 hari kerja" in html and "Senin, 16 Maret 2026" in html
    assert "Target layanan" not in html  # the internal target is not a legal due date
    for secret in ("Siti Aminah", "3514012301900001", "3514", "siti@contoh.id", "081234567890",
                   "Jl. Raya Bangil", "Daftar penerima beasiswa", "Penelitian skripsi", "/lampiran/", "Budi"):
        assert secret not in html, secret


def test_public_status_from_the_home_page_form(app, client):
    number, _ = case_with_ktp()
    home = client.get("/").get_data(as_text=True)
    assert 'action="/cek"' in home and 'name="n"' in home and "onsubmit" not in home
    response = client.get(f"/cek?n=+{number.lower()}+")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cek/{number}")
    assert client.get("/cek?n=").status_code == 302
    missing = client.get("/cek/PPID-2099-99999")
    assert missing.status_code == 404 and "tidak ditemukan" in missing.get_data(as_text=True)


def test_a_complaint_is_filed_through_the_same_generic_page(applicant):
    page = applicant.get("/ajukan/pengaduan_layanan")
    assert page.status_code == 200 and "Formulir Pengaduan Layanan" in page.get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = applicant.post("/ajukan/pengaduan_layanan", data={
        "form_token": token, "kategori_pengaduan": "layanan_lambat", "uraian_pengaduan": "Belum dijawab",
        "nama_lengkap": "Siti Aminah", "email": "siti@contoh.id", "telepon": "081234567890"},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert re.search(r"/permohonan/ADU-\d{4}-\d{5}$", response.headers["Location"])
    assert applicant.get("/ajukan/tidak_ada").status_code == 404
