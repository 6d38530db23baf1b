"""Hostile input: fuzzed form submissions, uploads that lie, other people's numbers and task ids,
and forms without (or with a wrong) CSRF token.

Brute-force sign-in is rate limited: tests/web/test_auth.py::test_sign_in_is_rate_limited and
tests/web/test_api.py::test_token_requests_are_rate_limited_like_the_sign_in_page.
"""
from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from app.domain import roles
from app.domain.errors import ValidationFailed
from app.persistence.models import Attachment, AuditEvent, HumanTask, ProcessInstance, db
from app.services.people.accounts import create_user
from app.services.casework.forms import clean_submission, resolve_schema
from app.services.modelling.processes import definition_of, latest_version
from tests.conftest import PASSWORD, csrf_token
from tests.reliability.procs import REQUEST, tiny_png
from tests.support import PROCESS, Driver, now, sign_in

FUZZ = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
#: text a browser can send: any character but lone surrogates (which cannot be encoded)
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
ANY_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                        max_leaves=6)


def _form(name: str) -> dict:
    definition = definition_of(latest_version(PROCESS))
    return definition.forms[name]


def _valid(schema: dict, data: dict) -> bool:
    return not list(Draft202012Validator(resolve_schema(schema), format_checker=FormatChecker()).iter_errors(data))


# ----------------------------------------------------------------------------- the form service

def test_clean_submission_takes_only_valid_data_or_refuses_with_messages(app):
    schema = _form("permohonan_informasi.schema.json")
    known = sorted(schema["properties"])

    @FUZZ
    @given(st.dictionaries(st.sampled_from(known) | TEXT, ANY_JSON | st.sampled_from(
        ["perorangan", "badan_hukum", "3514012301900001", "081234567890", "a@b.id", "email", "lampiran:x"]),
        max_size=14))
    def check(data):
        try:
            cleaned = clean_submission(schema, {**data})
        except ValidationFailed as exc:
            assert exc.errors and all(isinstance(m, list) and m for m in exc.errors.values())
            return
        assert set(cleaned) <= set(known)
        assert all(v not in ("", None, []) for v in cleaned.values())
        assert _valid(schema, cleaned)

    check()


# ----------------------------------------------------------------------------- the HTML forms

def _upload_dir(app) -> Path:
    return Path(app.config["PPID_UPLOAD_DIR"])


def test_the_request_form_never_fails_and_stores_only_valid_data(app, client):
    sign_in(client, "pemohon")
    schema = _form("permohonan_informasi.schema.json")
    png = tiny_png()
    free = ["nama_lengkap", "alamat", "pekerjaan", "rincian_informasi", "tujuan_penggunaan"]
    shaped = {"nik": ["3514012301900001", "35140123019000011", "3514 0123", "<script>"],
              "telepon": ["081234567890", "+6281234567890", "08-12", "١٢٣"],
              "email": ["siti@contoh.id", "siti@", "a@b.id\n"]}
    seen = {"stored": 0, "refused": 0}

    @FUZZ
    @example({**{k: REQUEST[k] for k in free}, **{k: v[0] for k, v in shaped.items()}}, "perorangan")
    @given(st.fixed_dictionaries({**{k: TEXT.filter(str.strip) | st.just(REQUEST[k]) for k in free},
                                  **{k: st.sampled_from(v[:1] * 3 + v[1:]) | TEXT for k, v in shaped.items()}}),
           st.sampled_from(["perorangan"] * 4 + ["kelompok", "badan_hukum", "", "<b>x</b>"]))
    def check(values, kind):
        form = {**REQUEST, **values, "jenis_pemohon": kind,
                "lampiran_identitas": (io.BytesIO(png), "ktp.png")}
        before = db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance))
        response = client.post("/permohonan/baru", data=form, content_type="multipart/form-data")
        if any("\x00" in v for v in values.values()):  # no database stores NUL: refused before any form
            assert response.status_code == 400
            return
        assert response.status_code in (302, 422), response.status_code
        db.session.rollback()
        after = db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance))
        if response.status_code == 422:
            assert after == before
            seen["refused"] += 1
            return
        assert after == before + 1
        seen["stored"] += 1
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.event_type == "task_completed")
                                  .order_by(AuditEvent.id.desc()).limit(1))
        submitted = json.loads(event.payload)["submitted"]
        assert _valid(schema, submitted), submitted

    check()
    assert seen["stored"] and seen["refused"], seen


def test_the_task_form_never_fails_and_stores_only_valid_data(app, client):
    sign_in(client, "petugas")
    schema = _form("periksa_kelengkapan.schema.json")
    state = {"task": None, "done": 0}

    def open_task() -> int:
        if state["task"] is None:
            reg = Driver(None).start()
            db.session.rollback()
            state["task"] = db.session.scalar(db.select(HumanTask.task_id).filter_by(
                registration_number=reg, spec_id="Activity_PeriksaKelengkapan"))
        return state["task"]

    @FUZZ
    @given(st.sampled_from(["lengkap", "tidak_lengkap", "", "ya", "<script>", "lengkap\x00"]), TEXT)
    def check(kelengkapan, catatan):
        task_id = open_task()
        response = client.post(f"/tugas/{task_id}", data={"kelengkapan": kelengkapan,
                                                          "catatan_kelengkapan": catatan})
        if "\x00" in kelengkapan + catatan:
            assert response.status_code == 400
            return
        assert response.status_code in (302, 422), response.status_code
        db.session.rollback()
        if response.status_code == 302:
            event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.event_type == "task_completed")
                                      .order_by(AuditEvent.id.desc()).limit(1))
            assert event.task_spec_id == "Activity_PeriksaKelengkapan"
            assert _valid(schema, json.loads(event.payload)["submitted"])
            state["task"], state["done"] = None, state["done"] + 1

    check()
    assert state["done"] >= 1


def test_nul_and_control_characters_are_refused_everywhere_not_stored(app, client):
    """PostgreSQL cannot store NUL in text, and XML exports cannot hold control characters: a NUL is a
    400 in an address, a form or a JSON body and dropped from a query; other control characters are a
    422 next to the field."""
    sign_in(client, "pemohon")
    png = tiny_png()
    form = {**REQUEST, "nama_lengkap": "Siti\x00Aminah", "lampiran_identitas": (io.BytesIO(png), "ktp.png")}
    assert client.post("/permohonan/baru", data=form, content_type="multipart/form-data").status_code == 400
    form = {**REQUEST, "alamat": "Jl. \x07Bangil", "lampiran_identitas": (io.BytesIO(png), "ktp.png")}
    response = client.post("/permohonan/baru", data=form, content_type="multipart/form-data")
    assert response.status_code == 422 and "karakter yang tidak diizinkan" in response.get_data(as_text=True)
    assert client.get("/cek/PPID%00-2026").status_code == 400
    assert client.get("/staf/tugas?opd=%00").status_code in (400, 403)
    assert client.post("/masuk", data={"username": "pemohon\x00", "password": "x"}).status_code == 400
    token = client.post("/api/v1/auth/token", json={"username": "pemohon", "password": PASSWORD}).get_json()["token"]
    for body in ({"username": "a\x00b", "password": "x"},):
        response = client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 400 and response.mimetype == "application/problem+json"
    body = {**REQUEST, "nama_lengkap": "Siti\x00", "lampiran": {"lampiran_identitas": {
        "filename": "ktp.png", "content_base64": base64.b64encode(png).decode()}}}
    response = client.post("/api/v1/requests", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    response = client.get("/api/v1/tasks?status=%00", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200  # a query value with NUL is dropped: the default applies
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)) == 0


# ----------------------------------------------------------------------------- uploads that lie

def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


LIES = {
    "pdf-named-png": ("ktp.png", _pdf()),
    "png-named-pdf": ("ktp.pdf", tiny_png()),
    "html-named-png": ("ktp.png", b"<html><script>alert(1)</script></html>"),
    "svg-named-png": ("ktp.png", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    "exe-named-jpg": ("ktp.jpg", b"MZ\x90\x00" + b"\x00" * 64),
    "empty": ("ktp.png", b""),
}


@pytest.mark.parametrize("name", sorted(LIES))
def test_an_upload_that_lies_about_its_type_is_refused_and_nothing_is_stored(app, client, name):
    filename, content = LIES[name]
    sign_in(client, "pemohon")
    response = client.post("/permohonan/baru", data={**REQUEST, "lampiran_identitas": (io.BytesIO(content), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
    folder = _upload_dir(app)
    assert not folder.exists() or not any(folder.iterdir())


def test_an_upload_over_the_limit_is_refused_by_the_page_and_the_api(app, client):
    big = tiny_png() + b"\x00" * (int(app.config["PPID_MAX_UPLOAD_MB"]) * 1024 * 1024 + 1)
    sign_in(client, "pemohon")
    response = client.post("/permohonan/baru", data={**REQUEST, "lampiran_identitas": (io.BytesIO(big), "ktp.png")},
                           content_type="multipart/form-data")
    assert response.status_code in (413, 422)
    token = client.post("/api/v1/auth/token", json={"username": "pemohon", "password": PASSWORD}).get_json()["token"]
    body = {**REQUEST, "lampiran": {"lampiran_identitas": {"filename": "ktp.png",
                                                           "content_base64": base64.b64encode(big).decode()}}}
    response = client.post("/api/v1/requests", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (413, 422) and response.mimetype == "application/problem+json"
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


PATH_NAMES = ["../../etc/passwd.png", "..\\..\\windows\\win.ini.png", "/etc/passwd.png", "ktp\x00.png",
              "....//....//ktp.png", "ktp.png/../../x.png", "\u202egnp.exe.png"]


@pytest.mark.parametrize("filename", PATH_NAMES)
def test_a_path_in_a_file_name_is_stored_safely(app, client, tmp_path, filename):
    sign_in(client, "pemohon")
    response = client.post("/permohonan/baru", data={**REQUEST, "lampiran_identitas": (io.BytesIO(tiny_png()), filename)},
                           content_type="multipart/form-data")
    assert response.status_code in (302, 422)
    db.session.remove()
    folder = _upload_dir(app).resolve()
    rows = list(db.session.scalars(db.select(Attachment)))
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{32}\.bin", row.storage_name)
        name = row.original_name  # a plain name: no separator, no NUL, not hidden, not a parent
        assert "/" not in name and "\\" not in name and "\x00" not in name and not name.startswith(".")
        assert (folder / row.storage_name).is_file()
    assert sorted(p.name for p in folder.iterdir()) == sorted(r.storage_name for r in rows)
    assert not (folder.parent.parent / "etc").exists() and not (tmp_path / "etc").exists()
    if rows:  # the download names a plain file, with no path in it
        sign_in(client, "petugas")
        download = client.get(f"/lampiran/{rows[0].token}")
        assert download.status_code == 200
        disposition = download.headers["Content-Disposition"]
        plain = re.search(r'filename="([^"]*)"', disposition).group(1)
        assert plain == rows[0].original_name.encode("ascii", "ignore").decode() or "/" not in plain
        assert "/" not in plain and "\\" not in plain and "%2F" not in disposition.upper()


def test_a_path_in_a_file_name_through_the_api(app, client):
    token = client.post("/api/v1/auth/token", json={"username": "pemohon", "password": PASSWORD}).get_json()["token"]
    body = {**REQUEST, "lampiran": {"lampiran_identitas": {
        "filename": "../../etc/passwd.png", "content_base64": base64.b64encode(tiny_png()).decode()}}}
    response = client.post("/api/v1/requests", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    db.session.remove()
    row = db.session.scalar(db.select(Attachment))
    assert row.original_name == "etc_passwd.png" and re.fullmatch(r"[0-9a-f]{32}\.bin", row.storage_name)


# ----------------------------------------------------------------------------- other people's cases

SECRET_VALUES = ("3514012301900001", "Siti Aminah", "Jl. Raya Bangil", "Daftar penerima beasiswa")


def _no_leak(response) -> None:
    assert response.status_code in (302, 403, 404), (response.status_code, response.request.path)
    text = response.get_data(as_text=True)
    for value in SECRET_VALUES:
        assert value not in text, (response.request.path, value)


def test_another_applicants_numbers_and_task_ids_give_nothing_away(app, client):
    reg = Driver(None).start()
    create_user("tetangga", "Tetangga Penasaran", PASSWORD, now(), [roles.PEMOHON], email="t@contoh.id")
    db.session.commit()
    staff_task = db.session.scalar(db.select(HumanTask.task_id).filter_by(registration_number=reg))
    db.session.remove()
    sign_in(client, "tetangga")
    for path in (f"/permohonan/{reg}", f"/permohonan/{reg}/tanda-terima.pdf", f"/permohonan/{reg}/pemberitahuan.pdf",
                 f"/permohonan/{reg}/berkas-sengketa.zip", f"/staf/kasus/{reg}", f"/tugas/{staff_task}"):
        _no_leak(client.get(path))
    for path in (f"/tugas/{staff_task}", f"/tugas/{staff_task}/ambil"):
        _no_leak(client.post(path, data={"kelengkapan": "lengkap"}))
    public = client.get(f"/cek/{reg}")
    assert public.status_code == 200
    for value in SECRET_VALUES:
        assert value not in public.get_data(as_text=True)
    token = client.post("/api/v1/auth/token", json={"username": "tetangga", "password": PASSWORD}).get_json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    for method, path in (("GET", f"/requests/{reg}"), ("GET", f"/requests/{reg}/history"),
                         ("GET", f"/tasks/{staff_task}"), ("POST", f"/tasks/{staff_task}/claim"),
                         ("POST", f"/tasks/{staff_task}/complete")):
        response = client.open(f"/api/v1{path}", method=method, headers=auth,
                               json={"data": {"kelengkapan": "lengkap"}} if method == "POST" else None)
        assert response.status_code in (403, 404) and response.mimetype == "application/problem+json"
        _no_leak(response)
    listed = client.get("/api/v1/tasks", headers=auth).get_json()
    assert listed["total"] == 0 and listed["items"] == []
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.event_type != "case_started", AuditEvent.event_type != "task_completed")) == 0


# ----------------------------------------------------------------------------- CSRF

def test_forms_without_or_with_a_wrong_csrf_token_are_refused(csrf_app):
    """Refused and sent back with 'Sesi formulir ini berakhir' (the typed fields kept, issue 12 item 8)."""
    client = csrf_app.test_client()
    reg = Driver(None).start()
    task = db.session.scalar(db.select(HumanTask.task_id).filter_by(registration_number=reg))
    db.session.remove()
    token = csrf_token(client)
    assert client.post("/masuk", data={"username": "petugas", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    forms = [(f"/tugas/{task}", {"kelengkapan": "lengkap"}), (f"/tugas/{task}/ambil", {}),
             ("/kata-sandi", {"old_password": PASSWORD, "new_password": "sandi-baru-panjang"}), ("/keluar", {})]
    for path, data in forms:
        for csrf in (None, "palsu", token + "x"):
            sent = {**data, **({"csrf_token": csrf} if csrf else {})}
            if not sent:  # no form at all: a plain 400
                assert client.post(path, data=sent).status_code == 400, path
                continue
            assert client.post(path, data=sent).status_code == 302, (path, csrf)
            with client.session_transaction() as session:
                said = [text for _, text in session.pop("_flashes", [])]
            assert any("Sesi formulir ini berakhir" in text for text in said), (path, csrf, said)
    assert client.get("/kata-sandi").status_code == 200  # still signed in: nothing above took effect
    row = db.session.scalar(db.select(HumanTask).filter_by(task_id=task))
    assert row is not None and row.claimed_by_id is None
