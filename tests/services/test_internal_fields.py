"""Fields marked "x-internal" (the disposition note, the OPD's answer to Diskominfo) are the office's
working: the applicant never sees them, on any page, in the API or in the files; staff and auditors do."""
from __future__ import annotations

import base64
import json

import pytest

from app.persistence.models import Attachment, db
from app.services.casework.attachments import Upload
from app.services.casework.cases import get_case
from app.services.casework.tasks import complete_task
from tests.conftest import PASSWORD
from tests.support import STEPS, Driver, actor, now, sign_in

NOTE = "Catatan internal disposisi 7c1f"
ANSWER = "Jawaban internal OPD 9d2e"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==")


@pytest.fixture
def case(app):
    driver = Driver(None)
    reg = driver.start()
    driver.do(reg, "Activity_PeriksaKelengkapan")
    driver.do(reg, "Activity_TeruskanKeOPD", catatan_disposisi=NOTE)
    row = driver.task(reg, "Activity_JawabPermohonan")
    complete_task(actor("opd"), row.task_id, {**STEPS["Activity_JawabPermohonan"][1], "jawaban_opd": ANSWER}, now(),
                  uploads={"lampiran_jawaban": Upload("bahan.png", PNG)})
    driver.do(reg, "Activity_TerbitkanPemberitahuan")
    db.session.remove()
    return reg


def _texts(view) -> str:
    return json.dumps({"data": view.data, "history": [e.payload for e in view.history]}, default=str)


def test_the_applicant_does_not_get_internal_fields_from_the_service(case):
    mine = _texts(get_case(actor("pemohon"), case))
    assert NOTE not in mine and ANSWER not in mine
    assert "catatan_disposisi" not in mine and "usulan_keputusan" not in mine
    assert "Diberikan" in mine  # the written notice is theirs
    for staff in ("petugas", "opd", "auditor"):
        theirs = _texts(get_case(actor(staff), case))
        assert NOTE in theirs and ANSWER in theirs, staff


def api_token(app, username) -> str:
    answer = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 201
    return answer.get_json()["token"]


def test_no_page_api_answer_or_file_gives_the_applicant_an_internal_field(app, case):
    token = db.session.scalar(db.select(Attachment.token).filter_by(field="lampiran_jawaban"))
    assert token
    applicant = app.test_client()
    sign_in(applicant, "pemohon")
    api = {"Authorization": "Bearer " + api_token(app, "pemohon")}
    pages = [applicant.get(f"/permohonan/{case}"), applicant.get(f"/api/v1/requests/{case}", headers=api),
             applicant.get(f"/api/v1/requests/{case}/history", headers=api)]
    for page in pages:
        assert page.status_code == 200, page.request.path
        body = page.get_data(as_text=True)
        assert NOTE not in body and ANSWER not in body and token not in body, page.request.path
    assert applicant.get(f"/lampiran/{token}").status_code == 403
    officer = app.test_client()
    sign_in(officer, "petugas")
    staff_api = {"Authorization": "Bearer " + api_token(app, "petugas")}
    assert ANSWER in officer.get(f"/api/v1/requests/{case}/history", headers=staff_api).get_data(as_text=True)
    assert NOTE in officer.get(f"/staf/kasus/{case}").get_data(as_text=True)
    assert officer.get(f"/lampiran/{token}").status_code == 200
