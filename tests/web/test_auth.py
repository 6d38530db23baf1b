"""Registration with e-mail confirmation, sign-in with rate limiting, password change, CSRF."""
import re
from pathlib import Path

import pytest

from app.persistence.models import Outbox, User, db
from app.services.infrastructure.notifications import deliver_pending

from tests.conftest import PASSWORD, csrf_token
from tests.support import now


def sign_in(client, username, password=PASSWORD):
    return client.post("/masuk", data={"username": username, "password": password})


def confirmation_link(address: str) -> str:
    mail = db.session.scalar(db.select(Outbox).filter_by(recipient=address, template="konfirmasi_email"))
    return re.search(r"/konfirmasi/\S+", mail.body).group(0)


def test_register_confirm_then_sign_in(client):
    form = {"full_name": "Rudi Hartono", "email": "rudi@contoh.id", "username": "rudi", "password": "sandi-panjang-1"}
    assert client.post("/daftar", data=form).status_code == 302
    response = sign_in(client, "rudi", "sandi-panjang-1")
    assert response.status_code == 401 and "belum dikonfirmasi" in response.get_data(as_text=True)
    assert client.get(confirmation_link("rudi@contoh.id")).status_code == 302
    assert sign_in(client, "rudi", "sandi-panjang-1").status_code == 302
    assert db.session.scalar(db.select(User).filter_by(username="rudi")).role_set == {"pemohon"}


@pytest.mark.parametrize("changes, field", [
    ({"password": "pendek"}, "password"), ({"email": "bukan-email"}, "email"),
    ({"username": "a b<script>"}, "username"), ({"full_name": "  "}, "full_name"),
])
def test_registration_errors_are_shown_next_to_the_field_and_create_nothing(client, changes, field):
    form = {"full_name": "Rudi", "email": "rudi@contoh.id", "username": "rudi2", "password": "sandi-panjang-1", **changes}
    before = db.session.scalar(db.select(db.func.count()).select_from(User))
    response = client.post("/daftar", data=form)
    assert response.status_code == 422
    assert f'id="err-{field}"' in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before


def test_a_forged_confirmation_link_is_refused(client):
    response = client.get("/konfirmasi/palsu.token", follow_redirects=True)
    assert "tidak valid" in response.get_data(as_text=True)


def test_sign_in_is_rate_limited(client):
    for _ in range(5):
        assert sign_in(client, "petugas", "salah").status_code == 401
    response = sign_in(client, "petugas")  # even the right password is refused for a while
    assert response.status_code == 429 and "Terlalu banyak percobaan" in response.get_data(as_text=True)


def test_password_change_ends_other_sessions(app):
    first, second = app.test_client(), app.test_client()
    sign_in(first, "pemohon")
    sign_in(second, "pemohon")
    assert second.get("/kata-sandi").status_code == 200
    response = first.post("/kata-sandi", data={"old_password": PASSWORD, "new_password": "sandi-baru-panjang"})
    assert response.status_code == 302
    assert first.get("/kata-sandi").status_code == 200
    assert second.get("/kata-sandi").status_code == 302  # sent back to the sign-in page


def test_sign_out_ends_the_session(client):
    sign_in(client, "pemohon")
    client.post("/keluar")
    assert client.get("/kata-sandi").status_code == 302


def test_csrf_is_required_on_forms(csrf_app):
    client = csrf_app.test_client()
    refused = sign_in(client, "pemohon")  # no token: sent back to the sign-in page, not signed in
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/masuk")
    assert client.get("/permohonan").status_code == 302
    token = csrf_token(client)
    assert client.post("/masuk", data={"username": "pemohon", "password": PASSWORD, "csrf_token": token}).status_code == 302


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_mail_is_delivered_from_the_outbox_to_the_folder(app, client):
    client.post("/daftar", data={"full_name": "Rudi", "email": "rudi@contoh.id", "username": "rudi3",
                                 "password": "sandi-panjang-1"})
    sent, failed = deliver_pending(now())
    assert (sent, failed) == (1, 0)
    files = list(Path(app.config["PPID_MAIL_DIR"]).glob("*.eml"))
    assert len(files) == 1 and "/konfirmasi/" in files[0].read_text()
    assert deliver_pending(now()) == (0, 0)


@pytest.mark.parametrize("username, start", [("pemohon", "/permohonan"), ("petugas", "/staf/tugas"),
                                             ("opd", "/staf/tugas"), ("atasan", "/staf/tugas"),
                                             ("auditor", "/audit/"), ("pemilik", "/proses"), ("admin", "/admin/pengguna")])
def test_after_signing_in_each_role_lands_on_its_own_start_page(client, username, start):
    response = client.post("/masuk", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == start


def test_a_safe_next_page_still_wins_after_signing_in(client):
    response = client.post("/masuk?next=/staf/kasus", data={"username": "petugas", "password": PASSWORD})
    assert response.headers["Location"] == "/staf/kasus"
    response = client.post("/masuk?next=//elsewhere.example", data={"username": "petugas", "password": PASSWORD})
    assert response.headers["Location"] == "/staf/tugas"
