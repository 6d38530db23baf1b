"""The JSON API: tokens, requests, tasks, and every kind of error as application/problem+json."""
import base64
import hashlib
import json
from datetime import timedelta

import pytest
from openapi_spec_validator import validate

from app.persistence.models import ApiToken, Attachment, User, db
from app.services.people.accounts import change_password, create_user
from app.services.people.api_tokens import TOKEN_LIFETIME

from tests.conftest import PASSWORD
from tests.support import REQUEST, now, wib

START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB
PDF = b"%PDF-1.4\n% uji\n"
API = "/api/v1"
PROBLEM = "application/problem+json"


def token(client, username, password=PASSWORD, **kwargs):
    response = client.post(f"{API}/auth/token", json={"username": username, "password": password}, **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def bearer(tok):
    return {"Authorization": f"Bearer {tok}"}


def request_body(**changes):
    body = {k: v for k, v in REQUEST.items() if k != "lampiran_identitas"}
    body["lampiran"] = {"lampiran_identitas": {"filename": "ktp.pdf", "content_base64": base64.b64encode(PDF).decode()}}
    body.update(changes)
    return body


def create(client, tok, **changes):
    response = client.post(f"{API}/requests", json=request_body(**changes), headers=bearer(tok))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["registration_number"]


def assert_problem(response, status, text=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    if text:
        assert text in body["detail"], body["detail"]
    return body


def tasks_of(client, tok, **params):
    response = client.get(f"{API}/tasks", query_string=params, headers=bearer(tok))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def task_id(client, tok, reg, title_part=""):
    items = [t for t in tasks_of(client, tok)["items"] if t["registration_number"] == reg and title_part in t["title"]]
    assert len(items) == 1, items
    return items[0]["id"]


def complete(client, tok, tid, data, **extra):
    return client.post(f"{API}/tasks/{tid}/complete", json={"data": data, **extra}, headers=bearer(tok))


def dispatched(client, reg, opd="DISDIK"):
    """Walk a new request through the completeness check and the dispatch to an OPD, as petugas."""
    petugas = token(client, "petugas")
    assert complete(client, petugas, task_id(client, petugas, reg), {"kelengkapan": "lengkap"}).status_code == 200
    response = complete(client, petugas, task_id(client, petugas, reg), {"opd": opd, "catatan_disposisi": "Mohon"})
    assert response.status_code == 200, response.get_json()
    return petugas


# --- tokens ------------------------------------------------------------------------------------

def test_a_token_lasts_twelve_hours_and_only_its_hash_is_stored(client, drive):
    response = client.post(f"{API}/auth/token", json={"username": "opd", "password": PASSWORD})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["user"] == {"username": "opd", "full_name": "Agus Prasetyo (PPID Pelaksana)", "roles": ["opd"],
                            "opd_codes": ["DINKES", "DISDIK"]}
    row = db.session.scalar(db.select(ApiToken))
    assert row.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert row.expires_at == START + TOKEN_LIFETIME == START + timedelta(hours=12)
    assert body["expires_at"] == row.expires_at.isoformat()
    assert client.get(f"{API}/tasks", headers=bearer(body["token"])).status_code == 200
    drive.traveller.move_to(START + timedelta(hours=11, minutes=59))
    assert client.get(f"{API}/tasks", headers=bearer(body["token"])).status_code == 200
    drive.traveller.move_to(START + timedelta(hours=12))
    response = client.get(f"{API}/tasks", headers=bearer(body["token"]))
    assert_problem(response, 401, "tidak berlaku")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_wrong_password_is_401_with_a_bearer_challenge(client, drive):
    response = client.post(f"{API}/auth/token", json={"username": "petugas", "password": "salah"})
    assert_problem(response, 401, "Nama pengguna atau kata sandi salah")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_requests_are_rate_limited_like_the_sign_in_page(client, drive):
    new_user("kepala2", "kepala_diskominfo")
    env = {"REMOTE_ADDR": "10.9.8.7"}
    for _ in range(5):
        response = client.post(f"{API}/auth/token", json={"username": "kepala2", "password": "salah"}, environ_base=env)
        assert response.status_code == 401
    response = client.post(f"{API}/auth/token", json={"username": "kepala2", "password": PASSWORD}, environ_base=env)
    assert_problem(response, 429, "Terlalu banyak percobaan")
    assert response.headers["Retry-After"] == "1"  # slowed down, not locked: the wait doubles per failure


@pytest.mark.parametrize("kwargs, text", [
    ({}, "kosong"),
    ({"data": "username=petugas", "content_type": "application/x-www-form-urlencoded"}, "harus JSON"),
    ({"data": "{\"username\": ", "content_type": "application/json"}, "bukan JSON"),
    ({"data": "[1, 2]", "content_type": "application/json"}, "objek JSON"),
    ({"data": "{\"username\": NaN, \"password\": \"x\"}", "content_type": "application/json"}, "bukan JSON"),
    ({"data": "[" * 100000 + "]" * 100000, "content_type": "application/json"}, "bukan JSON"),
    ({"data": b"\xff\xfe\x00", "content_type": "application/json"}, "bukan JSON"),
    ({"json": {"username": 12, "password": "x"}}, "wajib diisi"),
    ({"json": {"username": "petugas"}}, "wajib diisi"),
    ({"json": {"username": "petugas", "password": PASSWORD, "role": "admin"}}, "tidak dikenal"),
])
def test_unreadable_token_requests_are_400(client, drive, kwargs, text):
    assert_problem(client.post(f"{API}/auth/token", **kwargs), 400, text)


def new_user(username, role="pemohon", opd_codes=()):
    """An account of this test alone (the demo accounts are shared by every test on PostgreSQL)."""
    user = create_user(username, username.title(), PASSWORD, now(), [role], opd_codes=list(opd_codes))
    db.session.commit()
    user_id = user.id
    db.session.remove()
    return user_id


def test_a_deactivated_account_loses_its_tokens(client, drive):
    user_id = new_user("auditor2", "auditor")
    tok = token(client, "auditor2")
    db.session.get(User, user_id).active = False
    db.session.commit()
    db.session.remove()
    assert_problem(client.get(f"{API}/tasks", headers=bearer(tok)), 401)


def test_a_password_change_ends_every_token_issued_before(client, drive):
    user_id = new_user("pemohon3")
    tok = token(client, "pemohon3")
    change_password(user_id, PASSWORD, "kata-sandi-baru-99", now())
    db.session.remove()
    assert_problem(client.get(f"{API}/tasks", headers=bearer(tok)), 401, "kata sandi telah diganti")
    fresh = token(client, "pemohon3", "kata-sandi-baru-99")
    assert client.get(f"{API}/tasks", headers=bearer(fresh)).status_code == 200


def test_revoking_a_token(client, drive):
    tok, other = token(client, "petugas"), token(client, "petugas")
    response = client.delete(f"{API}/auth/token", headers=bearer(tok))
    assert response.status_code == 204 and response.data == b""
    assert_problem(client.get(f"{API}/tasks", headers=bearer(tok)), 401)
    assert_problem(client.delete(f"{API}/auth/token", headers=bearer(tok)), 401)
    assert client.get(f"{API}/tasks", headers=bearer(other)).status_code == 200


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer"}, {"Authorization": "Bearer tidak-ada"}, {"Authorization": "Bearer 0.tidak-ada"},
    {"Authorization": "Basic cGV0dWdhczpyYWhhc2lh"}, {"Authorization": "Bearer 9999999999999999999999.x"},
])
def test_every_endpoint_but_token_and_description_needs_a_bearer_token(client, drive, headers):
    for method, path in [("get", "/tasks"), ("get", "/tasks/00000000-0000-4000-8000-000000000001"), ("post", "/tasks/00000000-0000-4000-8000-000000000001/claim"),
                         ("post", "/tasks/00000000-0000-4000-8000-000000000001/unclaim"),
                         ("post", "/tasks/00000000-0000-4000-8000-000000000001/complete"), ("get", "/requests/PPID-2026-00001"), ("post", "/requests"),
                         ("get", "/requests/PPID-2026-00001/history"), ("get", "/requests/form"),
                         ("delete", "/auth/token")]:
        response = getattr(client, method)(API + path, headers=headers)
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="ppid"')


def test_a_signed_in_browser_session_does_not_authenticate_the_api(client, drive):
    assert client.post("/masuk", data={"username": "petugas", "password": PASSWORD}).status_code == 302
    assert_problem(client.get(f"{API}/tasks"), 401)


# --- requests ----------------------------------------------------------------------------------

def test_the_start_form(client, drive):
    response = client.get(f"{API}/requests/form", headers=bearer(token(client, "pemohon")))
    body = response.get_json()
    assert response.status_code == 200 and body["process_id"] == "permohonan_informasi"
    assert "lampiran_identitas" in body["schema"]["properties"] and "ui:order" in body["ui_schema"]


def test_an_applicant_creates_a_request_and_reads_it(client, drive):
    tok = token(client, "pemohon")
    response = client.post(f"{API}/requests", json=request_body(), headers=bearer(tok))
    assert response.status_code == 201
    body = response.get_json()
    reg = body["registration_number"]
    assert reg.startswith("PPID-2026-") and body["status"] == "Diajukan"
    assert response.headers["Location"] == body["links"]["self"] == f"{API}/requests/{reg}"
    assert body["links"]["history"] == f"{API}/requests/{reg}/history"
    attachment = db.session.scalar(db.select(Attachment).filter_by(field="lampiran_identitas"))
    assert attachment.personal and attachment.original_name == "ktp.pdf" and attachment.instance_id is not None

    case = client.get(body["links"]["self"], headers=bearer(tok)).get_json()
    assert case["status"] == "Diajukan" and case["finished"] is False and case["late"] is False
    assert case["received_at"] == START.isoformat()
    assert case["data"]["nik"] == REQUEST["nik"]  # the applicant sees their own NIK
    assert case["data"]["lampiran_identitas"] == f"lampiran:{attachment.token}"
    assert [t["title"] for t in case["open_tasks"]] == ["Periksa kelengkapan permohonan"]
    assert case["open_tasks"][0]["lane"] == "diskominfo" and case["open_tasks"][0]["due_at"]
    assert case["timers"] and all(t["due_at"] for t in case["timers"])

    audited = client.get(body["links"]["self"], headers=bearer(token(client, "auditor"))).get_json()
    assert audited["data"]["nik"] != REQUEST["nik"] and "*" in audited["data"]["nik"]
    assert audited["data"]["lampiran_identitas"] == "(disembunyikan)"


def test_the_history_of_a_request(client, drive):
    tok = token(client, "pemohon")
    reg = create(client, tok)
    response = client.get(f"{API}/requests/{reg}/history", headers=bearer(tok))
    body = response.get_json()
    assert response.status_code == 200 and body["chain_ok"] is True and body["registration_number"] == reg
    assert [e["event_type"] for e in body["entries"]][:2] == ["case_started", "task_completed"]
    assert [e["seq"] for e in body["entries"]] == sorted(e["seq"] for e in body["entries"])
    assert body["entries"][1]["payload"]["submitted"]["nama_lengkap"] == "Siti Aminah"
    masked = client.get(f"{API}/requests/{reg}/history", headers=bearer(token(client, "auditor"))).get_json()
    assert REQUEST["nik"] not in json.dumps(masked)


@pytest.mark.parametrize("changes, field, message", [
    ({"email": "bukan-email"}, "email", "e-mail"),
    ({"nama_lengkap": None}, "nama_lengkap", "Wajib diisi"),
    ({"lampiran": None}, "lampiran_identitas", "Wajib diisi"),
    ({"telepon": "12"}, "telepon", "Format"),
    ({"cara_memperoleh": "terbang"}, "cara_memperoleh", "Pilihan"),
    ({"warna_favorit": "biru"}, "warna_favorit", "tidak dikenal"),
    ({"lampiran_identitas": "lampiran:punya-orang-lain"}, "lampiran_identitas", "lampiran"),
    ({"lampiran": {"lampiran_identitas": {"filename": "ktp.pdf", "content_base64": "!!bukan base64!!"}}},
     "lampiran_identitas", "base64"),
    ({"lampiran": {"lampiran_identitas": {"filename": "ktp.exe", "content_base64": base64.b64encode(b"MZ").decode()}}},
     "lampiran_identitas", "PDF, JPG atau PNG"),
    ({"lampiran": {"lampiran_identitas": {"filename": "ktp.png", "content_base64": base64.b64encode(PDF).decode()}}},
     "lampiran_identitas", "tidak sesuai"),
    ({"lampiran": {"lampiran_identitas": {"filename": " ", "content_base64": base64.b64encode(PDF).decode()}}},
     "lampiran_identitas", "Nama berkas"),
    ({"lampiran": {"nik": {"filename": "ktp.pdf", "content_base64": base64.b64encode(PDF).decode()}}},
     "nik", "Bukan isian berkas"),
])
def test_invalid_requests_are_422_with_errors_per_field_and_create_nothing(client, drive, changes, field, message):
    tok = token(client, "pemohon")
    response = client.post(f"{API}/requests", json=request_body(**changes), headers=bearer(tok))
    body = assert_problem(response, 422)
    assert any(message in m for m in body["errors"][field]), body["errors"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
    assert tasks_of(client, token(client, "petugas"))["total"] == 0


@pytest.mark.parametrize("changes, field", [
    ({"nama_lengkap": 42}, "nama_lengkap"),
    ({"rincian_informasi": ["a", "b"]}, "rincian_informasi"),
    ({"jenis_pemohon": {"x": 1}}, "jenis_pemohon"),
    ({"email": True}, "email"),
    ({"lampiran": "ktp.pdf"}, "lampiran"),
    ({"lampiran": {"lampiran_identitas": "ktp.pdf"}}, "lampiran.lampiran_identitas"),
    ({"lampiran": {"lampiran_identitas": {"filename": "ktp.pdf"}}}, "lampiran.lampiran_identitas"),
    ({"lampiran": {"lampiran_identitas": {"filename": 1, "content_base64": "JVBE"}}}, "lampiran.lampiran_identitas"),
])
def test_wrong_json_types_in_a_request_are_400(client, drive, changes, field):
    response = client.post(f"{API}/requests", json=request_body(**changes), headers=bearer(token(client, "pemohon")))
    assert field in assert_problem(response, 400)["errors"]


def test_unreadable_request_bodies_are_400(client, drive):
    headers = bearer(token(client, "pemohon"))
    assert_problem(client.post(f"{API}/requests", headers=headers), 400, "kosong")
    assert_problem(client.post(f"{API}/requests", data="{", content_type="application/json", headers=headers), 400)
    assert_problem(client.post(f"{API}/requests", json=["a"], headers=headers), 400)


def test_an_oversized_body_is_413_problem_json(client, drive, app):
    limit = app.config["PPID_MAX_UPLOAD_MB"] * 1024 * 1024
    big = base64.b64encode(PDF + b"0" * (limit + 300 * 1024)).decode()  # beyond the body limit
    body = request_body(lampiran={"lampiran_identitas": {"filename": "ktp.pdf", "content_base64": big}})
    response = client.post(f"{API}/requests", json=body, headers=bearer(token(client, "pemohon")))
    assert_problem(response, 413, "terlalu besar")
    # a file just over the upload limit but inside the body limit is refused by the upload check
    body = request_body(lampiran={"lampiran_identitas": {
        "filename": "ktp.pdf", "content_base64": base64.b64encode(PDF + b"0" * (limit - len(PDF) + 1)).decode()}})
    response = client.post(f"{API}/requests", json=body, headers=bearer(token(client, "pemohon")))
    assert "MB" in assert_problem(response, 422)["errors"]["lampiran_identitas"][0]


def test_only_applicants_create_requests(client, drive):
    response = client.post(f"{API}/requests", json=request_body(), headers=bearer(token(client, "petugas")))
    assert_problem(response, 403, "pemohon")


def test_who_may_read_a_request(client, drive, app):
    reg = create(client, token(client, "pemohon"))
    new_user("pemohon2")
    new_user("opd2", "opd", ["DPUPR"])
    # a case one may not read is answered as a number never given (issue 15: no telling which exist)
    assert_problem(client.get(f"{API}/requests/{reg}", headers=bearer(token(client, "pemohon2"))), 404)
    assert_problem(client.get(f"{API}/requests/{reg}/history", headers=bearer(token(client, "pemohon2"))), 404)
    assert_problem(client.get(f"{API}/requests/{reg}", headers=bearer(token(client, "opd"))), 404)  # not dispatched yet
    assert_problem(client.get(f"{API}/requests/PPID-2026-99999", headers=bearer(token(client, "petugas"))), 404,
                   "tidak ditemukan")
    dispatched(client, reg, "DISDIK")
    opd = client.get(f"{API}/requests/{reg}", headers=bearer(token(client, "opd")))
    assert opd.status_code == 200 and opd.get_json()["opd"] == "DISDIK"
    assert_problem(client.get(f"{API}/requests/{reg}", headers=bearer(token(client, "opd2"))), 404)
    assert client.get(f"{API}/requests/{reg}", headers=bearer(token(client, "kepala"))).status_code == 200


# --- tasks -------------------------------------------------------------------------------------

def test_worklists_show_only_the_tasks_one_may_work(client, drive):
    pemohon = token(client, "pemohon")
    first, second = create(client, pemohon), create(client, pemohon)
    petugas = token(client, "petugas")
    page = tasks_of(client, petugas)
    assert page["total"] == 2 and page["page"] == 1 and page["per_page"] == 50
    row = page["items"][0]
    assert row["title"] == "Periksa kelengkapan permohonan" and row["lane"] == "diskominfo"
    assert row["status"] == "Diajukan" and row["late"] is False and row["claimed_by"] is None
    assert row["links"]["self"] == f"{API}/tasks/{row['id']}"
    assert tasks_of(client, pemohon)["items"] == []
    assert tasks_of(client, token(client, "opd"))["items"] == []
    assert tasks_of(client, token(client, "auditor"))["items"] == []

    dispatched(client, first, "DISDIK")
    new_user("opd2", "opd", ["DPUPR"])  # dispatch offers only OPDs with an officer
    dispatched(client, second, "DPUPR")
    opd = tasks_of(client, token(client, "opd"))
    assert [(t["registration_number"], t["opd"]) for t in opd["items"]] == [(first, "DISDIK")]
    assert tasks_of(client, token(client, "opd"), opd="DPUPR")["items"] == []
    assert tasks_of(client, petugas)["total"] == 0


def test_worklist_paging_and_filters(client, drive):
    pemohon = token(client, "pemohon")
    regs = [create(client, pemohon) for _ in range(3)]
    petugas = token(client, "petugas")
    pages = [tasks_of(client, petugas, per_page=2, page=n) for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [2, 1, 0] and {p["total"] for p in pages} == {3}
    assert sorted(t["registration_number"] for p in pages for t in p["items"]) == regs
    numbers = [t["registration_number"] for t in tasks_of(client, petugas, sort="number", descending="true")["items"]]
    assert numbers == sorted(regs, reverse=True)
    assert tasks_of(client, petugas, late_only="true")["total"] == 0
    assert tasks_of(client, petugas, lane="opd")["total"] == 0
    assert tasks_of(client, petugas, status="Diajukan")["total"] == 3
    drive.traveller.move_to(START + timedelta(days=10))
    late = tasks_of(client, token(client, "petugas"), late_only="1")  # the first token has expired
    assert late["total"] == 3 and all(t["late"] for t in late["items"])


@pytest.mark.parametrize("params, name", [
    ({"page": "0"}, "page"), ({"page": "satu"}, "page"), ({"per_page": "101"}, "per_page"),
    ({"per_page": "-1"}, "per_page"), ({"late_only": "mungkin"}, "late_only"), ({"sort": "acak"}, "sort"),
    ({"lane": "Tamu!"}, "lane"), ({"opd": "X" * 40}, "opd"),
])
def test_bad_worklist_parameters_are_400(client, drive, params, name):
    response = client.get(f"{API}/tasks", query_string=params, headers=bearer(token(client, "petugas")))
    assert name in assert_problem(response, 400)["errors"]


def test_a_task_with_its_form(client, drive):
    reg = create(client, token(client, "pemohon"))
    petugas = token(client, "petugas")
    tid = task_id(client, petugas, reg)
    response = client.get(f"{API}/tasks/{tid}", headers=bearer(petugas))
    body = response.get_json()
    assert response.status_code == 200 and body["id"] == tid and body["registration_number"] == reg
    assert body["form"]["schema"]["required"] == ["kelengkapan"]
    assert isinstance(body["form"]["ui_schema"], dict)
    assert body["defaults"] == {} and body["case_data"]["nik"] == REQUEST["nik"]
    complete(client, petugas, tid, {"kelengkapan": "lengkap"})
    dispatch = client.get(f"{API}/tasks/{task_id(client, petugas, reg)}", headers=bearer(petugas)).get_json()
    assert {"const": "DISDIK", "title": "Dinas Pendidikan"} in dispatch["form"]["schema"]["properties"]["opd"]["oneOf"]


def test_task_access_by_lane_and_opd(client, drive):
    pemohon = token(client, "pemohon")
    reg = create(client, pemohon)
    petugas = token(client, "petugas")
    tid = task_id(client, petugas, reg)
    for who in ("pemohon", "opd", "auditor"):
        tok = token(client, who)
        assert_problem(client.get(f"{API}/tasks/{tid}", headers=bearer(tok)), 403)
        assert_problem(client.post(f"{API}/tasks/{tid}/claim", headers=bearer(tok)), 403)
        assert_problem(complete(client, tok, tid, {"kelengkapan": "lengkap"}), 403)
    new_user("opd2", "opd", ["DPUPR"])
    dispatched(client, reg, "DPUPR")
    dpupr = token(client, "opd2")
    answer = task_id(client, dpupr, reg)
    assert_problem(client.get(f"{API}/tasks/{answer}", headers=bearer(token(client, "opd"))), 403)  # DISDIK, DINKES
    assert_problem(client.get(f"{API}/tasks/{answer}", headers=bearer(petugas)), 403)
    assert client.get(f"{API}/tasks/{answer}", headers=bearer(dpupr)).status_code == 200


def test_unknown_tasks_are_404_to_read_and_409_to_act_on(client, drive):
    petugas = token(client, "petugas")
    unknown = "00000000-0000-4000-8000-000000000001"
    assert_problem(client.get(f"{API}/tasks/{unknown}", headers=bearer(petugas)), 404, "Tugas tidak ditemukan")
    for response in (client.post(f"{API}/tasks/{unknown}/claim", headers=bearer(petugas)),
                     client.post(f"{API}/tasks/{unknown}/unclaim", headers=bearer(petugas)),
                     complete(client, petugas, unknown, {})):
        assert_problem(response, 409, "sudah tidak terbuka")
    assert_problem(client.get(f"{API}/tasks/abc", headers=bearer(petugas)), 404)


def test_claim_and_unclaim(client, drive):
    reg = create(client, token(client, "pemohon"))
    new_user("petugas2", "diskominfo")
    petugas, other = token(client, "petugas"), token(client, "petugas2")
    tid = task_id(client, petugas, reg)
    response = client.post(f"{API}/tasks/{tid}/claim", headers=bearer(petugas))
    assert response.status_code == 200
    assert response.get_json()["claimed_by"] == "Budi Santoso (Petugas PPID)"
    assert response.get_json()["claimed_at"] == START.isoformat()
    assert client.post(f"{API}/tasks/{tid}/claim", headers=bearer(petugas)).status_code == 200  # again: no change
    assert_problem(client.post(f"{API}/tasks/{tid}/claim", headers=bearer(other)), 409, "Budi Santoso")
    assert_problem(complete(client, other, tid, {"kelengkapan": "lengkap"}), 409, "Budi Santoso")
    assert_problem(client.post(f"{API}/tasks/{tid}/unclaim", headers=bearer(other)), 409, "tidak sedang Anda kerjakan")
    response = client.post(f"{API}/tasks/{tid}/unclaim", headers=bearer(petugas))
    assert response.status_code == 200 and response.get_json()["claimed_by"] is None
    assert client.post(f"{API}/tasks/{tid}/claim", headers=bearer(other)).status_code == 200
    history = client.get(f"{API}/requests/{reg}/history", headers=bearer(petugas)).get_json()["entries"]
    assert [e["event_type"] for e in history][-3:] == ["task_claimed", "task_unclaimed", "task_claimed"]


def test_completing_a_task(client, drive):
    reg = create(client, token(client, "pemohon"))
    petugas = token(client, "petugas")
    tid = task_id(client, petugas, reg)
    body = assert_problem(complete(client, petugas, tid, {"catatan_kelengkapan": "x"}), 422)
    assert body["errors"] == {"kelengkapan": ["Wajib diisi."]}
    assert_problem(complete(client, petugas, tid, {"kelengkapan": "mungkin"}), 422)
    assert "kelengkapan" in assert_problem(complete(client, petugas, tid, {"kelengkapan": 1}), 400)["errors"]
    assert_problem(client.post(f"{API}/tasks/{tid}/complete", json={"kelengkapan": "lengkap"}, headers=bearer(petugas)),
                   400, "tidak dikenal")
    assert_problem(client.post(f"{API}/tasks/{tid}/complete", json={"data": "lengkap"}, headers=bearer(petugas)), 400)
    assert_problem(client.post(f"{API}/tasks/{tid}/complete", headers=bearer(petugas)), 400)
    response = complete(client, petugas, tid, {"kelengkapan": "lengkap"})
    assert response.status_code == 200
    links = {"self": f"{API}/requests/{reg}", "history": f"{API}/requests/{reg}/history"}
    assert response.get_json() == {"registration_number": reg, "status": "Diajukan", "finished": False, "links": links}
    assert_problem(complete(client, petugas, tid, {"kelengkapan": "lengkap"}), 409, "sudah tidak terbuka")


def test_an_answer_with_an_attachment_and_an_applicant_task_sending_back_its_defaults(client, drive):
    pemohon = token(client, "pemohon")
    reg = create(client, pemohon)
    petugas = token(client, "petugas")
    complete(client, petugas, task_id(client, petugas, reg), {"kelengkapan": "tidak_lengkap",
                                                              "catatan_kelengkapan": "Tujuan kurang jelas"})
    tid = task_id(client, pemohon, reg)
    task = client.get(f"{API}/tasks/{tid}", headers=bearer(pemohon)).get_json()
    assert task["defaults"]["lampiran_identitas"].startswith("lampiran:")
    data = {**task["defaults"], "tujuan_penggunaan": "Penelitian skripsi di Universitas Brawijaya",
            "keterangan_pelengkapan": "Tujuan diperjelas"}
    assert complete(client, pemohon, tid, data).status_code == 200
    dispatched(client, reg, "DISDIK")
    opd = token(client, "opd")
    answer = {"informasi_dikuasai": "ya", "usulan_keputusan": "diterima_seluruhnya", "jawaban_opd": "Terlampir"}
    lampiran = {"lampiran_jawaban": {"filename": "data.pdf", "content_base64": base64.b64encode(PDF).decode()}}
    response = complete(client, opd, task_id(client, opd, reg), answer, lampiran=lampiran)
    assert response.status_code == 200, response.get_json()
    case = client.get(f"{API}/requests/{reg}", headers=bearer(petugas)).get_json()
    assert case["data"]["tujuan_penggunaan"] == "Penelitian skripsi di Universitas Brawijaya"
    assert case["data"]["lampiran_jawaban"].startswith("lampiran:")
    stored = db.session.scalar(db.select(Attachment).filter_by(field="lampiran_jawaban"))
    assert stored.original_name == "data.pdf" and not stored.personal


def test_unknown_paths_and_methods_are_problem_json(client, drive):
    assert_problem(client.get(f"{API}/tidak-ada"), 404)
    assert_problem(client.put(f"{API}/tasks", headers=bearer(token(client, "petugas"))), 405)


def test_the_description_is_a_valid_openapi_31_document(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    operations = {op["operationId"] for item in document["paths"].values() for op in item.values()
                  if isinstance(op, dict) and "operationId" in op}
    assert operations == {"createToken", "revokeToken", "getRequestForm", "createRequest", "getRequest",
                          "getRequestHistory", "listTasks", "getTask", "claimTask", "unclaimTask", "completeTask",
                          "getOpenApi"}


def test_the_description_lists_every_api_route(app):
    from app.web.openapi import SERVER, document

    paths = document()["paths"]
    documented = {(SERVER + path, method.upper()) for path, item in paths.items() for method in item
                  if method in ("get", "post", "put", "delete", "patch")}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            template = rule.rule.replace("<uuid:task_id>", "{task_id}").replace("<registration_number>",
                                                                              "{registration_number}")
            routed |= {(template, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented


def test_the_same_idempotency_key_creates_one_request(client):
    from app.persistence.models import ProcessInstance, db

    token = client.post("/api/v1/auth/token", json={"username": "pemohon", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "kunci-123"}
    body = request_body()
    first = client.post("/api/v1/requests", json=body, headers=headers)
    again = client.post("/api/v1/requests", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["registration_number"] == again.get_json()["registration_number"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)) == 1
