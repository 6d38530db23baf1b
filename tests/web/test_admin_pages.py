"""Administration pages: accounts, OPDs, the working-day calendar, the outbox; admins only."""
import re
from datetime import date

import pytest

from app.persistence.models import Opd, Outbox, User, db
from app.services.infrastructure.calendar import current_calendar
from app.services.casework.forms import option_sources
from app.services.infrastructure.notifications import deliver_pending

from tests.conftest import PASSWORD
from tests.support import Driver, now

ADMIN_GETS = ["/admin/", "/admin/pengguna", "/admin/pengguna/baru", "/admin/pengguna/1", "/admin/opd",
              "/admin/kalender", "/admin/surat"]
ADMIN_POSTS = ["/admin/pengguna/baru", "/admin/pengguna/1", "/admin/pengguna/1/sandi", "/admin/opd",
               "/admin/opd/DISDIK/nama", "/admin/opd/DISDIK/status", "/admin/kalender",
               "/admin/kalender/2026-04-15/hapus", "/admin/kalender/cuti-bersama"]


def sign_in(client, username, password=PASSWORD):
    response = client.post("/masuk", data={"username": username, "password": password})
    return response.status_code == 302


@pytest.fixture
def admin(client):
    assert sign_in(client, "admin")
    return client


def user(username):
    db.session.expire_all()
    return db.session.scalar(db.select(User).filter_by(username=username))


def shown_password(html):
    return re.search(r'<span class="secret" data-password>([^<]+)</span>', html).group(1)


@pytest.mark.parametrize("username", ["pemohon", "petugas", "auditor", "pemilik", "opd"])
def test_non_admins_get_403_everywhere(client, username):
    assert sign_in(client, username)
    for url in ADMIN_GETS:
        assert client.get(url).status_code == 403, url
    for url in ADMIN_POSTS:
        assert client.post(url, data={"name": "x", "active": "0"}).status_code == 403, url
    assert db.session.get(Opd, "DISDIK").active and db.session.get(Opd, "DISDIK").name == "Dinas Pendidikan"


def test_guests_are_sent_to_sign_in(client):
    response = client.get("/admin/pengguna")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_every_admin_page_renders(admin):
    for url in ADMIN_GETS:
        response = admin.get(url, follow_redirects=True)
        assert response.status_code == 200, url
    html = admin.get("/admin/pengguna").get_data(as_text=True)
    assert "petugas" in html and "Petugas PPID Diskominfo" in html and "Dinas Kesehatan, Dinas Pendidikan" in html
    assert 'name="csrf_token"' in admin.get("/admin/pengguna/baru").get_data(as_text=True)


def test_create_user_shows_the_password_once_and_it_works(admin, app):
    form = {"username": "ppid.dishub", "full_name": "Rahmat (PPID Dishub)", "email": "dishub@contoh.id",
            "roles": ["opd"], "opds": ["DISHUB"], "active": "1"}
    response = admin.post("/admin/pengguna/baru", data=form)
    assert response.status_code == 200
    password = shown_password(response.get_data(as_text=True))
    created = user("ppid.dishub")
    assert created.role_set == {"opd"} and [o.code for o in created.opds] == ["DISHUB"]
    assert created.email_confirmed_at is not None and created.active
    assert password not in admin.get("/admin/pengguna").get_data(as_text=True)
    db.session.remove()
    other = app.test_client()
    assert sign_in(other, "ppid.dishub", password)
    assert other.get("/staf/tugas").headers["Location"] == "/kata-sandi"  # its owner chooses a password first
    assert other.post("/kata-sandi", data={"old_password": password, "new_password": "kopi-sepeda-hujan-7"}
                      ).status_code == 302
    assert other.get("/staf/tugas").status_code == 200


@pytest.mark.parametrize("changes, field, message", [
    ({"roles": []}, "roles", "Pilih paling sedikit satu peran"),
    ({"roles": ["opd"], "opds": []}, "opds", "paling sedikit satu OPD"),
    ({"roles": ["raja"]}, "roles", "Peran tidak dikenal"),
    ({"opds": ["TIDAKADA"]}, "opds", "OPD tidak dikenal"),
    ({"username": "petugas"}, "username", "sudah dipakai"),
    ({"username": "a b"}, "username", "3-80 huruf"),
    ({"full_name": " "}, "full_name", "Wajib diisi"),
    ({"email": "bukan-email"}, "email", "tidak valid"),
])
def test_create_user_errors_are_shown_and_create_nothing(admin, changes, field, message):
    form = {"username": "baru", "full_name": "Pengguna Baru", "email": "", "roles": ["diskominfo"], "opds": [],
            **changes}
    before = db.session.scalar(db.select(db.func.count()).select_from(User))
    response = admin.post("/admin/pengguna/baru", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and f'id="err-{field}"' in html and message in html
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before


def test_edit_roles_opds_and_deactivate(admin, app):
    target = user("petugas")
    form = {"full_name": target.full_name, "email": target.email, "roles": ["diskominfo", "atasan_ppid"],
            "opds": [], "active": "1"}
    response = admin.post(f"/admin/pengguna/{target.id}", data=form)
    assert response.status_code == 302
    assert user("petugas").role_set == {"diskominfo", "atasan_ppid"}
    officer = user("opd")
    form = {"full_name": officer.full_name, "email": officer.email, "roles": ["opd"], "opds": ["DINSOS"], "active": "1"}
    assert admin.post(f"/admin/pengguna/{officer.id}", data=form).status_code == 302
    assert [o.code for o in user("opd").opds] == ["DINSOS"]
    # deactivated: the account can no longer sign in
    form = {"full_name": "Budi", "email": "", "roles": ["diskominfo"], "opds": []}
    assert admin.post(f"/admin/pengguna/{target.id}", data=form).status_code == 302
    assert not user("petugas").active and user("petugas").email is None
    db.session.remove()
    assert not sign_in(app.test_client(), "petugas")


def test_admins_cannot_lock_themselves_out(admin):
    me = user("admin")
    form = {"full_name": me.full_name, "email": me.email, "roles": ["auditor"], "opds": [], "active": "1"}
    response = admin.post(f"/admin/pengguna/{me.id}", data=form)
    assert response.status_code == 422 and "Administrator" in response.get_data(as_text=True)
    form = {"full_name": me.full_name, "email": me.email, "roles": ["admin"], "opds": []}
    assert admin.post(f"/admin/pengguna/{me.id}", data=form).status_code == 422
    assert user("admin").role_set == {"admin"} and user("admin").active


def test_reset_password(admin, app):
    target = user("auditor")
    response = admin.post(f"/admin/pengguna/{target.id}/sandi")
    assert response.status_code == 200
    password = shown_password(response.get_data(as_text=True))
    db.session.remove()
    assert not sign_in(app.test_client(), "auditor")
    assert sign_in(app.test_client(), "auditor", password)
    assert admin.get("/admin/pengguna/9999").status_code == 404


def test_opds_add_rename_deactivate(admin):
    response = admin.post("/admin/opd", data={"code": "disperkim", "name": "Dinas Perumahan dan Kawasan Permukiman"})
    assert response.status_code == 302
    assert db.session.get(Opd, "DISPERKIM").name == "Dinas Perumahan dan Kawasan Permukiman"
    response = admin.post("/admin/opd", data={"code": "DISPERKIM", "name": "Lagi"})
    assert response.status_code == 422 and "sudah dipakai" in response.get_data(as_text=True)
    assert admin.post("/admin/opd", data={"code": "a b", "name": "X"}).status_code == 422
    assert admin.post("/admin/opd/DISPERKIM/nama", data={"name": "Dinas Perkim"}).status_code == 302
    assert admin.post("/admin/opd/DISPERKIM/nama", data={"name": ""}).status_code == 422
    db.session.expire_all()
    assert db.session.get(Opd, "DISPERKIM").name == "Dinas Perkim"
    assert admin.post("/admin/opd/DISDIK/status", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(Opd, "DISDIK").active
    assert "DISDIK" not in {o["const"] for o in option_sources()["opd"]}  # no longer offered when dispatching
    html = admin.get("/admin/opd").get_data(as_text=True)
    assert re.search(r'data-opd="DISDIK">.*?Nonaktif.*?Aktifkan', html, re.S)
    assert admin.post("/admin/opd/DISDIK/status", data={"active": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Opd, "DISDIK").active
    assert admin.post("/admin/opd/TIDAKADA/status", data={"active": "0"}).status_code == 404


def test_calendar_edits_change_the_days_off(admin):
    day = date(2026, 4, 15)  # an ordinary Wednesday
    assert day not in current_calendar().days_off(2026)
    response = admin.post("/admin/kalender?tahun=2026", data={"day": "2026-04-15", "name": "Hari Jadi Kabupaten",
                                                              "kind": "libur"})
    assert response.status_code == 302
    db.session.remove()
    assert current_calendar().days_off(2026)[day] == "Hari Jadi Kabupaten"
    html = admin.get("/admin/kalender?tahun=2026").get_data(as_text=True)
    assert 'data-edit="2026-04-15"' in html and 'data-day-off="2026-04-15"' in html and "Rabu, 15 April 2026" in html
    # an official holiday worked
    assert admin.post("/admin/kalender", data={"day": "2026-03-19", "name": "", "kind": "kerja"}).status_code == 302
    db.session.remove()
    assert date(2026, 3, 19) not in current_calendar().days_off(2026)
    assert current_calendar().is_working_day(date(2026, 3, 19))
    # removing an edit restores the official calendar
    assert admin.post("/admin/kalender/2026-04-15/hapus").status_code == 302
    db.session.remove()
    assert day not in current_calendar().days_off(2026)
    # cuti bersama as working days
    assert date(2026, 3, 18) in current_calendar().days_off(2026)
    assert admin.post("/admin/kalender/cuti-bersama", data={"mode": "kerja"}).status_code == 302
    db.session.remove()
    assert date(2026, 3, 18) not in current_calendar().days_off(2026)
    assert "hari kerja" in admin.get("/admin/kalender?tahun=2026").get_data(as_text=True)


@pytest.mark.parametrize("form, field", [
    ({"day": "2026-13-01", "name": "X", "kind": "libur"}, "day"),
    ({"day": "", "name": "X", "kind": "libur"}, "day"),
    ({"day": "2026-04-15", "name": "", "kind": "libur"}, "name"),
    ({"day": "2026-04-15", "name": "X", "kind": "lain"}, "kind"),
])
def test_calendar_errors(admin, form, field):
    response = admin.post("/admin/kalender", data=form)
    assert response.status_code == 422 and "Periksa kembali" in response.get_data(as_text=True)
    assert admin.get("/admin/kalender?tahun=abc").status_code == 200
    assert admin.post("/admin/kalender/bukan-tanggal/hapus").status_code == 404


def test_outbox_lists_mail_and_shows_one_message(admin, app):
    import time_machine

    with time_machine.travel(now(), tick=False) as traveller:
        reg = Driver(traveller).start()
    db.session.remove()
    html = admin.get("/admin/surat").get_data(as_text=True)
    assert "pemohon@contoh.pasuruankab.go.id" in html and reg in html and "Menunggu" in html
    mail_id = db.session.scalar(db.select(Outbox.id).filter_by(template="tanda_terima"))
    html = admin.get(f"/admin/surat/{mail_id}").get_data(as_text=True)
    assert "Permohonan informasi Anda telah kami terima" in html and "belum dikirim" in html
    deliver_pending(now())
    db.session.remove()
    assert "Terkirim" in admin.get("/admin/surat").get_data(as_text=True)
    html = admin.get(f"/admin/surat/{mail_id}").get_data(as_text=True)
    assert "Berkas surat (.eml)" in html and "Message-ID" in html and "kami terima" in html
    assert admin.get("/admin/surat/99999").status_code == 404
