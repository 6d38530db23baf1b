"""Issue 15 item 12 (parts): personal pages and API answers are never cached (ASVS 8.2.1), a case one may
not see answers exactly like a number never given (ASVS 4.2.1: no telling which registration numbers
exist), and an applicant never reads a Python exception's name (ASVS 7.4.1: details stay in the incident)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import time_machine

from app.persistence.models import HumanTask, Incident, db
from app.services.people.accounts import create_user
from app.services.casework.cases import start_case

from tests.conftest import PASSWORD
from tests.incident_models import CHECK, PROCESS_ID, REQUEST as SMALL_REQUEST, broken, deploy
from tests.support import Driver, actor, now, sign_in, wib

API = "/api/v1"
MADE_UP = "PPID-2026-99999"
PYTHON_NAMES = re.compile(r"ZeroDivisionError|division by zero|Traceback|Error\b|Exception\b|\.py\b")


@pytest.fixture
def case(app):
    """A request of `pemohon` at DISDIK, and a second applicant and an officer of another OPD."""
    create_user("pemohon2", "Pemohon Lain", PASSWORD, now(), ["pemohon"], email="lain@contoh.id")
    create_user("opd_lain", "Petugas Dinsos", PASSWORD, now(), ["opd"], opd_codes=["DINSOS"])
    db.session.commit()
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        reg = drive.start()
        drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
    db.session.remove()
    return reg


def _token(client, username: str) -> dict:
    answer = client.post(f"{API}/auth/token", json={"username": username, "password": PASSWORD}).get_json()
    return {"Authorization": f"Bearer {answer['token']}"}


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "") and response.headers.get("Pragma") == "no-cache"


def test_signed_in_pages_and_every_api_answer_are_not_cached(app, client, case):
    anonymous = client.get("/")
    assert anonymous.status_code == 200 and not _no_store(anonymous)  # public pages may be cached
    static = client.get("/static/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    assert _no_store(client.get(f"{API}/openapi.json"))  # every API answer, signed in or not
    assert _no_store(client.get(f"{API}/requests/{case}"))  # refused: 401
    sign_in(client, "pemohon")
    for path in ("/", "/permohonan", f"/permohonan/{case}", f"/permohonan/{MADE_UP}", "/akun/data-saya.zip"):
        response = client.get(path)
        assert _no_store(response), (path, response.status_code, dict(response.headers))
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")
    client.post("/keluar")
    sign_in(client, "petugas")
    for path in ("/staf/tugas", "/staf/kasus", f"/staf/kasus/{case}", "/audit/register/permohonan?format=csv"):
        response = client.get(path)
        assert response.status_code == 200 and _no_store(response), path
    headers = _token(client, "pemohon")
    for path in (f"/requests/{case}", f"/requests/{case}/history", "/tasks"):
        response = client.get(API + path, headers=headers)
        assert _no_store(response), path


def _same_answer(client, template: str, reg: str, headers=None) -> tuple[int, int, bytes, bytes]:
    real = client.get(template.format(reg=reg), headers=headers)
    fake = client.get(template.format(reg=MADE_UP), headers=headers)
    return real.status_code, fake.status_code, real.get_data(), fake.get_data()


@pytest.mark.parametrize("stranger", ["pemohon2", "opd_lain"])
def test_a_strangers_case_answers_like_a_made_up_number(app, client, case, stranger):
    sign_in(client, stranger)
    client.get("/")  # shows (and so clears) what the sign-in flashed
    pages = ["/permohonan/{reg}", "/permohonan/{reg}/tanda-terima.pdf", "/audit/kasus/{reg}/riwayat.pdf"]
    if stranger == "opd_lain":
        pages += ["/staf/kasus/{reg}", "/audit/kasus/{reg}", "/audit/kasus/{reg}/langkah/2"]
    for template in pages:
        real, fake, real_body, fake_body = _same_answer(client, template, case)
        assert real == fake == 404, (template, real, fake)
        assert real_body == fake_body, template
    headers = _token(client, stranger)
    for template in (API + "/requests/{reg}", API + "/requests/{reg}/history"):
        real, fake, real_body, fake_body = _same_answer(client, template, case, headers)
        assert real == fake == 404, (template, real, fake)
        assert real_body == fake_body, template


def test_a_stranger_cannot_withdraw_and_learns_nothing(app, client, case):
    sign_in(client, "pemohon2")
    client.get("/")
    real = client.post(f"/permohonan/{case}/cabut", data={"alasan_pencabutan": "x"})
    fake = client.post(f"/permohonan/{MADE_UP}/cabut", data={"alasan_pencabutan": "x"})
    assert real.status_code == fake.status_code == 404 and real.get_data() == fake.get_data()


def test_the_applicant_never_reads_a_python_exception_name(app, client):
    """The office's step fails in a script (ZeroDivisionError): the applicant's case page, PDF history and
    API answers name the incident, never the exception; the process owners' list keeps it."""
    with time_machine.travel(wib(2026, 3, 2), tick=False):
        deploy(broken("Activity_Tutup", "status = 1 / 0"), note="skrip rusak")
        reg = start_case(actor("pemohon"), PROCESS_ID, SMALL_REQUEST, now()).registration_number
        task = db.session.scalar(sa.select(HumanTask.task_id).filter_by(registration_number=reg,
                                                                         spec_id="Activity_Periksa"))
        db.session.commit()
        sign_in(client, "petugas")
        failed = client.post(f"/tugas/{task}", data={**CHECK, "_nomor_pendaftaran": reg})
        assert failed.status_code == 503 and not PYTHON_NAMES.search(failed.get_data(as_text=True))
        client.post("/keluar")
        assert "ZeroDivisionError" in db.session.scalar(sa.select(Incident.error))

        sign_in(client, "pemohon")
        html = client.get(f"/permohonan/{reg}").get_data(as_text=True)
        assert reg in html and not PYTHON_NAMES.search(html), PYTHON_NAMES.search(html)
        answer = client.get(f"{API}/requests/{reg}/history", headers=_token(client, "pemohon"))
        assert answer.status_code == 200
        assert "ZeroDivisionError" not in answer.get_data(as_text=True)
