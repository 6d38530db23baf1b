"""Issue 15, items 5 and 8: sign-in sessions are held on the server and end for good (sign-out,
password change, deactivation, idle and absolute time limits), so a copied session cookie stops
opening pages; and the address a sign-in returns to is always a page of this site.

Each test performs the attack on SQLite, and on PostgreSQL with PPID_TEST_DB=postgres."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
import time_machine

from app.persistence.models import User, UserSession, db
from app.web.keep_input import safe_local_path

from tests.conftest import PASSWORD
from tests.support import Driver, page, sign_in

STAFF_CASE = "/staf/kasus/{reg}"


def _sign_in(client, username: str, password: str = PASSWORD) -> None:
    response = client.post("/masuk", data={"username": username, "password": password})
    assert response.status_code == 302 and not response.headers["Location"].startswith("/masuk"), response.headers


def _copy_of_cookie(app, client):
    """Another browser holding a copy of `client`'s session cookie (what an attacker would steal)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _opens(client, path: str) -> bool:
    response = client.get(path)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/masuk"), response.headers["Location"]
        return False
    assert response.status_code == 200, (path, response.status_code)
    return True


def _ended(username: str) -> list[str | None]:
    db.session.remove()
    user = db.session.scalar(db.select(User).filter_by(username=username))
    return sorted(r or "" for r in db.session.scalars(
        db.select(UserSession.ended_reason).filter_by(user_id=user.id)))


@pytest.fixture
def case_path(app):
    return STAFF_CASE.format(reg=Driver(None).start())  # start() does not move time


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(app, case_path):
    staff = app.test_client()
    _sign_in(staff, "petugas")
    thief = _copy_of_cookie(app, staff)
    assert _opens(thief, case_path)  # the copy works while the session lives: it is the same session
    assert "NIK" in page(staff, case_path)
    assert staff.post("/keluar").status_code == 302
    assert not _opens(thief, case_path)
    assert not _opens(staff, case_path)
    assert _ended("petugas") == ["keluar"]


def test_signing_in_again_ends_the_session_the_browser_had(app, case_path):
    staff = app.test_client()
    _sign_in(staff, "petugas")
    thief = _copy_of_cookie(app, staff)
    _sign_in(staff, "petugas")  # a new session (a new token): the old cookie is worth nothing
    assert _opens(staff, case_path)
    assert not _opens(thief, case_path)
    assert _ended("petugas") == ["", "masuk_lagi"]


def test_a_password_change_ends_every_other_session_of_the_account(app, case_path):
    first, second = app.test_client(), app.test_client()
    _sign_in(first, "petugas")
    _sign_in(second, "petugas")
    thief = _copy_of_cookie(app, second)
    response = first.post("/kata-sandi", data={"old_password": PASSWORD, "new_password": "sandi-baru-panjang"})
    assert response.status_code == 302
    assert _opens(first, case_path)  # the browser that changed it goes on
    assert not _opens(second, case_path) and not _opens(thief, case_path)
    assert _ended("petugas") == ["", "sandi_diganti"]


def test_deactivation_ends_every_session_and_reactivation_revives_none(app, case_path):
    staff, admin = app.test_client(), app.test_client()
    _sign_in(staff, "petugas")
    _sign_in(admin, "admin")
    thief = _copy_of_cookie(app, staff)
    target = db.session.scalar(db.select(User).filter_by(username="petugas"))
    form = {"full_name": target.full_name, "email": target.email or "", "roles": ["diskominfo"], "opds": []}
    assert admin.post(f"/admin/pengguna/{target.id}", data=form).status_code == 302  # no "active": deactivated
    assert not _opens(staff, case_path) and not _opens(thief, case_path)
    assert admin.post(f"/admin/pengguna/{target.id}", data={**form, "active": "1"}).status_code == 302
    assert not _opens(staff, case_path) and not _opens(thief, case_path)
    assert _ended("petugas") == ["dinonaktifkan"]


def test_a_staff_session_ends_after_30_idle_minutes(app, case_path):
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        staff = app.test_client()
        _sign_in(staff, "petugas")
        thief = _copy_of_cookie(app, staff)
        for _ in range(4):  # in use: each request moves the idle limit on
            traveller.shift(timedelta(minutes=29))
            assert _opens(staff, case_path)
        traveller.shift(timedelta(minutes=31))
        assert not _opens(thief, case_path)
        assert not _opens(staff, case_path)


def test_an_applicant_session_ends_after_120_idle_minutes(app):
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        applicant = app.test_client()
        _sign_in(applicant, "pemohon")
        traveller.shift(timedelta(minutes=119))
        assert _opens(applicant, "/permohonan")
        traveller.shift(timedelta(minutes=121))
        assert not _opens(applicant, "/permohonan")


@pytest.fixture
def short_idle_app(_template_db, tmp_path):
    from tests.conftest import _fresh_app

    yield from _fresh_app(_template_db, tmp_path, PPID_SESSION_IDLE_MINUTES=5)


def test_the_idle_limit_is_a_setting(short_idle_app):
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        staff = short_idle_app.test_client()
        _sign_in(staff, "petugas")
        traveller.shift(timedelta(minutes=4))
        assert _opens(staff, "/staf/kasus")
        traveller.shift(timedelta(minutes=6))
        assert not _opens(staff, "/staf/kasus")


def test_every_session_ends_after_12_hours_however_active(app, case_path):
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)  # not Flask's 31 days
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        staff = app.test_client()
        _sign_in(staff, "petugas")
        for _ in range(35):  # a request every 20 minutes for 11 h 40 min
            traveller.shift(timedelta(minutes=20))
            assert _opens(staff, case_path)
        traveller.shift(timedelta(minutes=21))
        assert not _opens(staff, case_path)


def test_last_use_is_written_at_most_once_a_minute(app):
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        start = datetime.now(timezone.utc)
        applicant = app.test_client()
        _sign_in(applicant, "pemohon")

        def last_seen():
            db.session.remove()
            return db.session.scalar(db.select(UserSession.last_seen_at))

        traveller.shift(timedelta(seconds=30))
        assert _opens(applicant, "/permohonan")
        assert last_seen() == start  # under a minute: no write
        traveller.shift(timedelta(seconds=31))
        assert _opens(applicant, "/permohonan")
        assert last_seen() == start + timedelta(seconds=61)


def test_a_form_typed_into_an_idle_ended_session_comes_back_after_signing_in(app):
    from tests.web.test_keep_input import FORM, value_of

    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        applicant = app.test_client()
        sign_in(applicant, "pemohon")
        traveller.shift(timedelta(minutes=121))
        response = applicant.post("/permohonan/baru", data={**FORM, "form_token": "x"},
                                  content_type="multipart/form-data")
        assert response.status_code == 302 and response.headers["Location"] == "/masuk?next=/permohonan/baru"
        back = applicant.post(response.headers["Location"], data={"username": "pemohon", "password": PASSWORD})
        assert back.headers["Location"] == "/permohonan/baru"
        assert value_of(page(applicant, "/permohonan/baru"), "rincian_informasi") == FORM["rincian_informasi"]


# --------------------------------------------------------------------------- item 8: open redirect

ATTACKS = ["/%09/evil.example/", "//evil.example", "/%5Cevil.example", "/%5C/evil.example", "https://evil.example",
           "javascript:alert(1)", "%2F%2Fevil", "%252F%252Fevil", "/%20/evil.example", "/%0D%0A/evil.example",
           "/%E2%80%8B/evil.example", "%09//evil.example", "http:evil.example", "/%7F/evil.example"]


def _same_site(location: str) -> bool:
    parts = urlsplit(location)
    return (location.startswith("/") and not location.startswith("//") and "\\" not in location
            and not parts.scheme and not parts.netloc)


@pytest.mark.parametrize("attack", ATTACKS)
def test_signing_in_never_sends_the_browser_to_another_site(client, attack):
    response = client.post(f"/masuk?next={attack}", data={"username": "pemohon", "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert _same_site(location) and "evil" not in location, location
    assert location == "/permohonan"  # the applicant's own start page


def test_a_page_of_this_site_is_still_where_signing_in_returns(client):
    response = client.post("/masuk?next=/permohonan/baru%3Fdari%3D1", data={"username": "pemohon",
                                                                           "password": PASSWORD})
    assert response.headers["Location"] == "/permohonan/baru?dari=1"


@pytest.mark.parametrize("raw", ["/\t/evil.example/", "//evil.example", "/\\evil.example", "https://evil.example",
                                 "javascript:alert(1)", "%2F%2Fevil", "/ /evil", "/\u3000/evil", "/\u200b/evil",
                                 "/\x00/evil", "\t//evil", "", None])
def test_the_one_check_of_next_refuses_every_form_of_another_site(raw):
    assert safe_local_path(raw) is None


def test_the_one_check_of_next_removes_invisible_characters_from_a_local_path():
    assert safe_local_path("/staf/\ttugas") == "/staf/tugas"
    assert safe_local_path("/staf/kasus/PPID-1?tab=2") == "/staf/kasus/PPID-1?tab=2"


def test_an_account_s_old_sessions_are_forgotten_after_30_days(app):
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        browser = app.test_client()
        _sign_in(browser, "pemohon")
        traveller.shift(timedelta(days=29))
        _sign_in(app.test_client(), "pemohon")
        assert len(_ended("pemohon")) == 2
        traveller.shift(timedelta(days=2))
        _sign_in(app.test_client(), "pemohon")
        assert len(_ended("pemohon")) == 2  # the first one (31 days old) is gone
