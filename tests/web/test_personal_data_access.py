"""Views of personal data in full are recorded (issue 15 item 9; UU 27/2022; ASVS 4.0 V8.3.5): the staff case
page, the task page, a KTP scan download, the API's case and task answers, the dispute bundle; the applicant's
own views and masked views are not; auditors read the log per case and per officer, nobody else."""
from __future__ import annotations

import pytest
import time_machine

from app.persistence.models import Attachment, PersonalDataAccess, db
from app.services.casework.attachments import Upload
from app.services.casework.cases import start_case

from tests.conftest import PASSWORD
from tests.reliability.procs import tiny_png
from tests.support import PROCESS, REQUEST, Driver, actor, now, sign_in, wib

NIK = REQUEST["nik"]
API = "/api/v1"


@pytest.fixture
def case(app):
    """A request with a KTP scan, sent on to the OPD DISDIK: its number, the scan's token, the OPD's task."""
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        reg = start_case(actor("pemohon"), PROCESS, REQUEST, now(),
                         uploads={"lampiran_identitas": Upload("ktp-siti.png", tiny_png())}).registration_number
        drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
        task = drive.task(reg, "Activity_JawabPermohonan").task_id
    token = db.session.scalar(db.select(Attachment.token).filter_by(field="lampiran_identitas"))
    db.session.remove()
    return {"reg": reg, "ktp": token, "task": task}


def rows() -> list[PersonalDataAccess]:
    db.session.remove()
    return list(db.session.scalars(db.select(PersonalDataAccess).order_by(PersonalDataAccess.id)))


def test_an_officer_opening_the_case_file_with_the_full_nik_writes_one_row(client, case):
    with time_machine.travel(wib(2026, 3, 3, 10, 15), tick=False):
        sign_in(client, "petugas")
        page = client.get(f"/staf/kasus/{case['reg']}")
        assert page.status_code == 200 and NIK in page.get_data(as_text=True)
        [row] = rows()  # one row for the view, not one per field
        assert (row.username, row.role, row.registration_number, row.kind) == ("petugas", "diskominfo",
                                                                               case["reg"], "halaman")
        assert row.what == "nik" and row.path == f"/staf/kasus/{case['reg']}"
        assert row.at == wib(2026, 3, 3, 10, 15) and row.user_id is not None
        client.get(f"/staf/kasus/{case['reg']}")
        assert len(rows()) == 2  # every view is recorded


def test_the_task_page_of_the_opd_officer_is_recorded(client, case):
    sign_in(client, "opd")
    page = client.get(f"/tugas/{case['task']}")
    assert page.status_code == 200 and NIK in page.get_data(as_text=True)
    [row] = rows()
    assert (row.username, row.kind, row.what, row.registration_number) == ("opd", "halaman", "nik", case["reg"])


def test_downloading_the_ktp_scan_writes_a_row_naming_the_file(client, case):
    sign_in(client, "petugas")
    response = client.get(f"/lampiran/{case['ktp']}")
    assert response.status_code == 200 and response.data == tiny_png()
    [row] = rows()
    assert (row.username, row.kind, row.registration_number) == ("petugas", "unduhan", case["reg"])
    assert row.what == "ktp-siti.png (lampiran_identitas)" and row.path == f"/lampiran/{case['ktp']}"


def test_the_api_answers_with_the_nik_are_recorded(client, case):
    tok = client.post(f"{API}/auth/token", json={"username": "opd", "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {tok}"}
    task = client.get(f"{API}/tasks/{case['task']}", headers=headers)
    assert task.status_code == 200 and task.get_json()["case_data"]["nik"] == NIK
    answer = client.get(f"{API}/requests/{case['reg']}", headers=headers)
    assert answer.status_code == 200 and answer.get_json()["data"]["nik"] == NIK
    found = rows()
    assert [(r.username, r.kind, r.what, r.path) for r in found] == [
        ("opd", "api", "nik", f"{API}/tasks/{case['task']}"),
        ("opd", "api", "nik", f"{API}/requests/{case['reg']}")]
    client.get(f"{API}/tasks", headers=headers)  # the worklist carries no personal data: nothing recorded
    assert len(rows()) == 2


def test_the_applicant_viewing_their_own_data_is_not_recorded(client, case):
    sign_in(client, "pemohon")
    page = client.get(f"/permohonan/{case['reg']}")
    assert page.status_code == 200 and NIK in page.get_data(as_text=True)
    assert client.get(f"/lampiran/{case['ktp']}").status_code == 200
    tok = client.post(f"{API}/auth/token", json={"username": "pemohon", "password": PASSWORD}).get_json()["token"]
    assert client.get(f"{API}/requests/{case['reg']}",
                      headers={"Authorization": f"Bearer {tok}"}).get_json()["data"]["nik"] == NIK
    assert rows() == []


def test_masked_views_and_refusals_are_not_recorded(client, case):
    sign_in(client, "auditor")  # reads every case, the NIK masked, never the scan
    page = client.get(f"/staf/kasus/{case['reg']}")
    assert page.status_code == 200 and NIK not in page.get_data(as_text=True)
    assert client.get(f"/lampiran/{case['ktp']}").status_code == 403
    assert rows() == []


def test_staff_reading_the_applicants_page_and_the_history_pdf_are_recorded(client, case):
    sign_in(client, "petugas")
    assert client.get(f"/permohonan/{case['reg']}").status_code == 200
    assert client.get(f"/audit/kasus/{case['reg']}").status_code == 200
    assert client.get(f"/audit/kasus/{case['reg']}/riwayat.pdf").status_code == 200
    assert [(r.kind, r.path) for r in rows()] == [
        ("halaman", f"/permohonan/{case['reg']}"), ("halaman", f"/audit/kasus/{case['reg']}"),
        ("ekspor", f"/audit/kasus/{case['reg']}/riwayat.pdf")]


def test_the_auditor_reads_the_log_per_case_and_per_officer(client, case):
    with time_machine.travel(wib(2026, 3, 3, 10), tick=False):
        sign_in(client, "petugas")
        client.get(f"/staf/kasus/{case['reg']}")
        client.get(f"/lampiran/{case['ktp']}")
        sign_in(client, "opd")
        client.get(f"/tugas/{case['task']}")
    sign_in(client, "auditor")
    history = client.get(f"/audit/kasus/{case['reg']}").get_data(as_text=True)
    section = history[history.index("Akses data pribadi"):]
    assert "petugas" in section and "opd" in section and "ktp-siti.png" in section and "Unduhan berkas" in section
    assert NIK not in history  # the log names fields and files, never their values

    everyone = client.get("/audit/akses-data").get_data(as_text=True)
    assert "3 catatan akses" in everyone and case["reg"] in everyone
    officer = client.get("/audit/akses-data?petugas=petugas").get_data(as_text=True)
    assert "2 catatan akses" in officer and "ktp-siti.png" in officer and f"/tugas/{case['task']}" not in officer
    by_case = client.get(f"/audit/akses-data?kasus={case['reg'].lower()}&petugas=opd").get_data(as_text=True)
    assert "1 catatan akses" in by_case and f"/tugas/{case['task']}" in by_case
    assert "0 catatan akses" in client.get("/audit/akses-data?dari=2026-03-04").get_data(as_text=True)
    assert "0 catatan akses" in client.get("/audit/akses-data?sampai=2026-03-02").get_data(as_text=True)
    assert "3 catatan akses" in client.get("/audit/akses-data?dari=2026-03-03&sampai=2026-03-03").get_data(as_text=True)
    bad = client.get("/audit/akses-data?dari=kemarin&sampai=2026-01-01")
    assert bad.status_code == 422 and "Tanggal tidak valid" in bad.get_data(as_text=True)


def test_an_officer_does_not_see_the_log_section(client, case):
    sign_in(client, "petugas")
    page = client.get(f"/audit/kasus/{case['reg']}").get_data(as_text=True)
    assert 'id="akses-data-pribadi"' not in page
    assert client.get("/audit/akses-data").status_code == 403


def test_the_log_pages_newest_first(client, case):
    sign_in(client, "petugas")
    for _ in range(53):
        client.get(f"/lampiran/{case['ktp']}")
    client.get(f"/staf/kasus/{case['reg']}")
    sign_in(client, "auditor")
    first = client.get("/audit/akses-data").get_data(as_text=True)
    assert "54 catatan akses" in first and "Halaman 1 dari 2" in first
    assert first.index(f"/staf/kasus/{case['reg']}") < first.index(f"/lampiran/{case['ktp']}")
    second = client.get("/audit/akses-data?page=2").get_data(as_text=True)
    assert "Halaman 2 dari 2" in second and second.count(f"/lampiran/{case['ktp']}") == 4
