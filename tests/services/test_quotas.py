"""Per-account limits (issue 15, item 10; ASVS 11.1.2-11.1.4): requests per hour and day, stored upload bytes.

The attack: one applicant account filed 15 requests with 4 MB scans in 1.8 s. Now the 6th request within an hour is
refused with an Indonesian message and nothing stored (no case, no file), through the services, the portal form and
the API (429 with Retry-After); an hour later it passes; an upload that would take the account over its storage is
refused; requests an officer records at the counter are never limited.
"""
import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from app.config import SETTINGS
from app.domain.errors import ValidationFailed
from app.persistence.models import Attachment, ProcessInstance, db
from app.services.casework.attachments import Upload
from app.services.casework.cases import start_case
from app.services.casework.quotas import RequestLimitReached

from tests.support import PROCESS, REQUEST, Driver, actor, now, sign_in, wib
from tests.web.test_api import API, assert_problem, bearer, request_body, token
from tests.web.test_portal import form_token, pdf_bytes, submit

START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB
PER_HOUR = SETTINGS["PPID_REQUESTS_PER_HOUR"][0]
PER_DAY = SETTINGS["PPID_REQUESTS_PER_DAY"][0]


def scan(kb: int = 40) -> dict:
    return {"lampiran_identitas": Upload("ktp.pdf", b"%PDF-1.4\n" + b"0" * (kb * 1024))}


@pytest.fixture
def limited(app):
    """The shipped limits (tests/conftest.py switches them off for the other tests)."""
    app.config.update(PPID_REQUESTS_PER_HOUR=PER_HOUR, PPID_REQUESTS_PER_DAY=PER_DAY,
                      PPID_STORAGE_PER_ACCOUNT_MB=SETTINGS["PPID_STORAGE_PER_ACCOUNT_MB"][0])
    return app


@pytest.fixture
def drive(limited):
    with time_machine.travel(START, tick=False) as traveller:
        yield Driver(traveller)


def cases() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance))


def files(app) -> int:
    folder = Path(app.config["PPID_UPLOAD_DIR"])
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def own_request(i: int, uploads=None, key=None):
    return start_case(actor("pemohon"), PROCESS, {**REQUEST, "rincian_informasi": f"Data ke-{i}"}, now(),
                      uploads, submission_key=key)


def test_the_sixth_request_within_an_hour_is_refused_and_stores_nothing(limited, drive):
    assert PER_HOUR == 5
    for i in range(PER_HOUR):
        own_request(i, scan())
        drive.traveller.shift(timedelta(minutes=1))
    stored, on_disk = cases(), files(limited)
    with pytest.raises(RequestLimitReached) as refused:
        own_request(99, scan())
    assert "batasnya 5 permohonan per jam" in refused.value.message
    assert "Coba lagi dalam 55 menit" in refused.value.message  # the first of the five leaves the hour then
    assert refused.value.http_status == 429 and refused.value.retry_after == 55 * 60
    assert (cases(), files(limited)) == (stored, on_disk)
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == stored
    drive.traveller.shift(timedelta(minutes=55))
    own_request(100, scan())
    assert cases() == stored + 1


def test_the_daily_limit_counts_24_hours(limited, drive):
    limited.config.update(PPID_REQUESTS_PER_DAY=7)
    for i in range(7):
        own_request(i)
        drive.traveller.shift(timedelta(hours=2))
    with pytest.raises(RequestLimitReached, match="per hari"):
        own_request(8)
    drive.traveller.shift(timedelta(hours=10, minutes=1))  # the first is now more than 24 hours old
    own_request(9)


def test_the_same_form_sent_again_returns_its_case_not_a_limit_error(limited, drive):
    first = [own_request(i, key=f"token-{i}") for i in range(PER_HOUR)]
    again = own_request(0, key="token-4")
    assert again.existing and again.registration_number == first[4].registration_number


def test_the_counter_is_not_limited(limited, drive):
    for i in range(PER_HOUR):
        own_request(i)
    officer = actor("petugas")
    counter = {k: v for k, v in REQUEST.items() if k not in ("email", "lampiran_identitas")}
    numbers = {start_case(officer, PROCESS, {**counter, "rincian_informasi": f"Loket {i}"}, now(), scan(),
                          on_behalf="loket").registration_number for i in range(PER_HOUR + 3)}
    assert len(numbers) == PER_HOUR + 3


def test_an_upload_over_the_account_storage_is_refused(limited, drive):
    limited.config.update(PPID_STORAGE_PER_ACCOUNT_MB=1)
    own_request(1, scan(600))
    stored, on_disk = cases(), files(limited)
    with pytest.raises(ValidationFailed) as refused:
        own_request(2, scan(600))
    assert "batasnya 1 MB per akun" in refused.value.errors["lampiran_identitas"][0]
    assert (cases(), files(limited)) == (stored, on_disk)
    own_request(3, scan(300))  # what still fits is accepted


def test_uploads_in_a_later_task_count_toward_storage(limited, drive):
    limited.config.update(PPID_STORAGE_PER_ACCOUNT_MB=1)
    reg = own_request(1, scan(500)).registration_number
    drive.do(reg, "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="KTP buram")
    on_disk = files(limited)
    with pytest.raises(ValidationFailed, match="Ruang berkas akun Anda tidak cukup"):
        drive.do(reg, "Activity_LengkapiPermohonan", uploads={
            "lampiran_pelengkapan": Upload("surat.pdf", b"%PDF-1.4\n" + b"0" * 600 * 1024)})
    assert files(limited) == on_disk
    assert drive.open_tasks(reg) == ["Activity_LengkapiPermohonan"]


def test_the_portal_says_so_beside_the_form(limited, client, drive):
    for i in range(PER_HOUR):
        own_request(i)
    db.session.remove()
    sign_in(client, "pemohon")
    stored = cases()
    response = submit(client, form_token(client), (io.BytesIO(pdf_bytes()), "ktp.pdf"))
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and response.headers["Retry-After"] == str(60 * 60)
    assert "batasnya 5 permohonan per jam per akun" in html and "Coba lagi dalam 60 menit" in html
    assert 'name="rincian_informasi"' in html  # the form again, with what was typed
    assert cases() == stored and files(limited) == 0


def test_the_api_answers_429_with_retry_after(limited, client, drive):
    tok = token(client, "pemohon")
    for i in range(PER_HOUR):
        response = client.post(f"{API}/requests", json=request_body(rincian_informasi=f"API {i}"),
                               headers={**bearer(tok), "Idempotency-Key": f"k{i}"})
        assert response.status_code == 201
    response = client.post(f"{API}/requests", json=request_body(rincian_informasi="API 6"),
                           headers={**bearer(tok), "Idempotency-Key": "k6"})
    body = assert_problem(response, 429, "batasnya 5 permohonan per jam")
    assert response.headers["Retry-After"] == str(60 * 60) and body["status"] == 429
    again = client.post(f"{API}/requests", json=request_body(rincian_informasi="API 0"),
                        headers={**bearer(tok), "Idempotency-Key": "k0"})
    assert again.status_code == 200  # the same request sent again: its case, not a limit error
