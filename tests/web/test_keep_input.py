"""Nothing typed is lost (issue 12, item 8): a form sent after the session ended or with a stale
CSRF token comes back filled in after signing in; a file over the limit keeps the other fields."""
from __future__ import annotations

import re

import pytest
import time_machine

from app.persistence.models import AuditEvent, FormStash, ProcessInstance, db

from tests.conftest import PASSWORD, csrf_token
from tests.support import REQUEST, Driver, page, sign_in, wib

CHECK = "Activity_PeriksaKelengkapan"
ENDED = "Sesi Anda berakhir; masuk lagi lalu kirim ulang"
PNG_BYTES = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
             b"\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82")
FORM = {k: v for k, v in REQUEST.items() if k != "lampiran_identitas"}


def cases() -> int:
    db.session.remove()
    return db.session.scalar(db.select(db.func.count(ProcessInstance.id)))


def value_of(html: str, name: str) -> str | None:
    tag = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>(?:([^<]*)</textarea>)?', html)
    if tag is None:
        return None
    if tag.group(0).startswith("<textarea"):
        return tag.group(1).removeprefix("\n")
    found = re.search(r'value="([^"]*)"', tag.group(0))
    return found.group(1) if found else None


def sign_in_from(client, location: str, username: str = "pemohon"):
    """Follow the sign-in page we were sent to, sign in there, and return where it sends us."""
    assert location.startswith("/masuk")
    response = client.post(location, data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def test_a_request_sent_after_the_session_ended_comes_back_filled_in_after_signing_in(client, app):
    sign_in(client, "pemohon")
    client._cookies.clear()  # the session cookie is gone (expired, or the browser was closed)
    response = client.post("/permohonan/baru", data={**FORM, "form_token": "x"}, content_type="multipart/form-data")
    assert response.status_code == 302 and cases() == 0
    login = response.headers["Location"]
    assert login == "/masuk?next=/permohonan/baru"
    assert ENDED in page(client, login)
    back = sign_in_from(client, login)
    assert back == "/permohonan/baru"
    html = page(client, back)
    assert value_of(html, "rincian_informasi") == FORM["rincian_informasi"]
    assert value_of(html, "nik") == FORM["nik"]
    assert "Isian Anda sebelumnya telah dikembalikan" in html
    assert value_of(page(client, back), "rincian_informasi") != FORM["rincian_informasi"]  # given back once
    assert db.session.scalar(db.select(db.func.count()).select_from(FormStash)) == 0


def test_a_stale_csrf_token_keeps_the_task_form(csrf_app):
    client = csrf_app.test_client()
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        reg = Driver(traveller).start()
        task = Driver(traveller).task(reg, CHECK).task_id
    db.session.remove()
    token = csrf_token(client)
    assert client.post("/masuk", data={"username": "petugas", "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302
    before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    response = client.post(f"/tugas/{task}", data={"_nomor_pendaftaran": reg, "kelengkapan": "tidak_lengkap",
                                                   "catatan_kelengkapan": "KTP tidak terbaca", "csrf_token": "basi"})
    assert response.status_code == 302 and response.headers["Location"] == f"/tugas/{task}"  # still signed in
    html = page(client, f"/tugas/{task}")
    assert "Sesi formulir ini berakhir" in html and value_of(html, "catatan_kelengkapan") == "KTP tidak terbaca"
    assert 'value="tidak_lengkap" checked' in html or re.search(r'value="tidak_lengkap"[^>]*checked', html)
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == before


def test_passwords_and_tokens_are_never_kept(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/kata-sandi", data={"old_password": "rahasia-lama-1", "new_password": "rahasia-baru-1",
                                                "csrf_token": "basi"})
    assert response.status_code == 302
    stored = " ".join(row.pairs for row in db.session.scalars(db.select(FormStash)))
    assert "rahasia" not in stored and "basi" not in stored


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example/x", "https://evil.example/",
                                    "/%5C%5Cevil.example", "javascript:alert(1)"])
def test_signing_in_never_sends_anyone_to_another_site(client, target):
    response = client.post("/masuk?next=" + target, data={"username": "pemohon", "password": PASSWORD})
    location = response.headers["Location"]
    assert location == "/permohonan" or location == "/%5C%5Cevil.example"  # the start page, or a path here


def test_the_stash_of_one_browser_is_not_given_to_another(app):
    first, second = app.test_client(), app.test_client()
    first.post("/permohonan/baru", data=FORM, content_type="multipart/form-data")  # not signed in
    sign_in(second, "pemohon")
    html = page(second, "/permohonan/baru")
    assert value_of(html, "rincian_informasi") != FORM["rincian_informasi"]


def test_a_file_over_the_limit_keeps_the_other_fields(client, app):
    app.config["PPID_MAX_UPLOAD_MB"] = 1
    sign_in(client, "pemohon")
    big = PNG_BYTES + b"\0" * (1024 * 1024 + 10)
    from io import BytesIO

    response = client.post("/permohonan/baru", data={**FORM, "lampiran_identitas": (BytesIO(big), "ktp.png")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and cases() == 0
    assert "Berkas lebih dari 1 MB" in html
    assert value_of(html, "rincian_informasi") == FORM["rincian_informasi"] and value_of(html, "nik") == FORM["nik"]


def test_a_body_over_the_hard_cap_is_a_clear_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    sign_in(client, "pemohon")
    from io import BytesIO

    response = client.post("/permohonan/baru", data={**FORM, "lampiran_identitas": (BytesIO(b"x" * 100_000), "a.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "tidak dapat dibaca" in response.get_data(as_text=True)
    assert cases() == 0


COMPLAINT = {"kategori_pengaduan": "layanan_lambat", "uraian_pengaduan": "Belum dijawab sejak bulan lalu",
             "nama_lengkap": "Siti Aminah", "email": "siti@contoh.id", "telepon": "081234567890"}


def test_a_stale_csrf_token_keeps_the_generic_request_form(csrf_app):
    client = csrf_app.test_client()
    token = csrf_token(client)
    assert client.post("/masuk", data={"username": "pemohon", "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302
    response = client.post("/ajukan/pengaduan_layanan", data={**COMPLAINT, "form_token": "x", "csrf_token": "basi"},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == "/ajukan/pengaduan_layanan"
    assert cases() == 0
    html = page(client, "/ajukan/pengaduan_layanan")
    assert "Sesi formulir ini berakhir" in html
    assert value_of(html, "uraian_pengaduan") == COMPLAINT["uraian_pengaduan"]
    assert value_of(html, "telepon") == COMPLAINT["telepon"]


@pytest.mark.parametrize("referrer", ["https://evil.example//evil.example/x", "https://evil.example/\\evil.example",
                                      "javascript:alert(1)"])
def test_a_form_refused_for_its_session_never_sends_anyone_to_another_site(csrf_app, referrer):
    """A post to an address that shows no page goes back to the page it came from: a local path only."""
    client = csrf_app.test_client()
    response = client.post("/admin/kalender/2026-03-03/hapus", data={"csrf_token": "basi"},
                           headers={"Referer": referrer})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/masuk", location
    assert db.session.scalar(db.select(db.func.count()).select_from(FormStash)) == 0
    back = client.post(location, data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert back.status_code == 302 and back.headers["Location"].startswith("/") \
        and not back.headers["Location"].startswith("//")


def test_a_form_refused_for_its_session_goes_back_to_the_local_page_it_came_from(csrf_app):
    client = csrf_app.test_client()
    response = client.post("/admin/kalender/2026-03-03/hapus", data={"csrf_token": "basi"},
                           headers={"Referer": "http://localhost/admin/kalender?tahun=2026"})
    assert response.headers["Location"] == "/masuk?next=/admin/kalender"


def test_a_file_over_the_limit_on_a_task_form_keeps_the_other_fields(client, app):
    app.config["PPID_MAX_UPLOAD_MB"] = 1
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        reg = drive.start()
        drive.do(reg, CHECK, kelengkapan="tidak_lengkap", catatan_kelengkapan="KTP buram, unggah ulang")
        task = drive.task(reg, "Activity_LengkapiPermohonan").task_id
    db.session.remove()
    before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    sign_in(client, "pemohon")
    from io import BytesIO

    big = PNG_BYTES + b"\0" * (1024 * 1024 + 10)
    response = client.post(f"/tugas/{task}", content_type="multipart/form-data", data={
        "rincian_informasi": "Daftar penerima beasiswa 2025 per kecamatan", "tujuan_penggunaan": "Penelitian",
        "keterangan_pelengkapan": "KTP diunggah ulang", "lampiran_identitas": (BytesIO(big), "ktp-besar.png")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    message = re.search(r'<p class="field-error" id="err-lampiran_identitas">([^<]*)</p>', html)
    assert message is not None and "Berkas lebih dari 1 MB" in message.group(1)  # on the file's own field
    assert value_of(html, "rincian_informasi") == "Daftar penerima beasiswa 2025 per kecamatan"
    assert value_of(html, "keterangan_pelengkapan") == "KTP diunggah ulang"
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == before
    assert Driver(None).open_tasks(reg) == ["Activity_LengkapiPermohonan"]


def test_a_body_over_the_hard_cap_on_a_task_form_is_a_clear_413_on_that_form(client, app):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        reg = drive.start()
        drive.do(reg, CHECK, kelengkapan="tidak_lengkap", catatan_kelengkapan="KTP buram, unggah ulang")
        task = drive.task(reg, "Activity_LengkapiPermohonan").task_id
    db.session.remove()
    before = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    sign_in(client, "pemohon")
    from io import BytesIO

    response = client.post(f"/tugas/{task}", content_type="multipart/form-data", data={
        "keterangan_pelengkapan": "KTP diunggah ulang", "lampiran_identitas": (BytesIO(b"x" * 100_000), "a.png")})
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "tidak dapat dibaca" in html
    assert 'name="keterangan_pelengkapan"' in html  # the task's form, ready to be filled in again
    assert re.search(r'id="err-lampiran_identitas">Berkas lebih dari', html)
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == before
    assert Driver(None).open_tasks(reg) == ["Activity_LengkapiPermohonan"]


def test_a_form_that_does_not_take_its_values_back_promises_nothing_and_keeps_nothing(csrf_app):
    client = csrf_app.test_client()
    token = csrf_token(client)
    assert client.post("/masuk", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
                       ).status_code == 302
    response = client.post("/admin/kalender", data={"tanggal": "2026-03-03", "keterangan": "Libur daerah",
                                                    "csrf_token": "basi"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/kalender"
    with client.session_transaction() as session:
        said = [text for _, text in session.get("_flashes", [])]
    assert said == ["Sesi formulir ini berakhir; isi lalu kirim ulang formulir."]
    assert db.session.scalar(db.select(db.func.count()).select_from(FormStash)) == 0
