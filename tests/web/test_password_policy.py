"""Issue 15 item 12: passwords of 12 characters or more that are not guessed early (checked offline
against breached and common passwords, the service's words and the person's own name), and a
password someone else issued must be replaced by its owner before anything else opens."""
from __future__ import annotations

import pytest

from app.domain.passwords import TOO_EASY, TOO_SHORT, password_problems
from app.persistence.models import User, db
from app.services.people.accounts import change_password
from app.services.people.admin import create_account, reset_password

from tests.conftest import PASSWORD
from tests.support import actor, now

API = "/api/v1"


@pytest.mark.parametrize("password, problem", [
    ("aaaaaaaaaa", TOO_SHORT),            # what the penetration test got through: 10 x 'a'
    ("aaaaaaaaaaaa", TOO_EASY),           # long enough, but a repeat
    ("Password1234", TOO_EASY),           # breached-password list
    ("qwertyuiop12", TOO_EASY),           # keyboard walk
    ("bismillah123", TOO_EASY),           # common here
    ("pasuruan2026", TOO_EASY),           # the service's own words
    ("rudihartono1", TOO_EASY),           # the person's name
])
def test_weak_passwords_are_refused_with_the_reason(password, problem):
    assert password_problems(password, ("rudi", "Rudi Hartono", "rudi@contoh.id")) == [problem]


def test_a_long_unrelated_passphrase_passes():
    assert password_problems("kopi-sepeda-hujan-7", ("rudi", "Rudi Hartono", "rudi@contoh.id")) == []
    assert password_problems("x" * 129) == ["Kata sandi paling banyak 128 karakter."]


@pytest.mark.parametrize("path, fields", [
    ("/daftar", {"full_name": "Rudi Hartono", "email": "rudi@contoh.id", "username": "rudi",
                 "password": "aaaaaaaaaaaa"}),
])
def test_registration_refuses_a_weak_password_and_creates_nothing(client, path, fields):
    response = client.post(path, data=fields)
    assert response.status_code == 422 and "mudah ditebak" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).filter_by(username="rudi")) is None


def test_a_password_change_is_checked_the_same_way(client):
    from tests.support import sign_in

    sign_in(client, "pemohon")
    weak = client.post("/kata-sandi", data={"old_password": PASSWORD, "new_password": "Password1234"})
    assert weak.status_code == 422 and "mudah ditebak" in weak.get_data(as_text=True)
    same = client.post("/kata-sandi", data={"old_password": PASSWORD, "new_password": PASSWORD})
    assert same.status_code == 422 and "berbeda dari kata sandi lama" in same.get_data(as_text=True)
    assert client.post("/kata-sandi", data={"old_password": PASSWORD, "new_password": "kopi-sepeda-hujan-7"}
                       ).status_code == 302


def _issued(app, username="ppid.dishub") -> str:
    _, password = create_account(actor("admin"), {"username": username, "full_name": "Rahmat", "roles": ["opd"],
                                                  "opds": ["DISHUB"], "email": f"{username}@contoh.id"}, now())
    db.session.remove()
    return password


def test_an_issued_password_opens_nothing_but_the_password_page_until_changed(app):
    password = _issued(app)
    client = app.test_client()
    assert client.post("/masuk", data={"username": "ppid.dishub", "password": password}).status_code == 302
    for path in ("/staf/tugas", "/staf/kasus", "/", "/permohonan"):
        assert client.get(path).headers.get("Location") == "/kata-sandi", path
    assert client.post("/staf/tugas").headers.get("Location") == "/kata-sandi"
    assert "diberikan oleh administrator" in client.get("/kata-sandi").get_data(as_text=True)
    assert client.post("/kata-sandi", data={"old_password": password, "new_password": "kopi-sepeda-hujan-7"}
                       ).status_code == 302
    assert client.get("/staf/tugas").status_code == 200
    assert db.session.scalar(db.select(User).filter_by(username="ppid.dishub")).must_change_password is False


def test_the_api_gives_no_token_for_an_issued_password(app, client):
    password = _issued(app)
    response = client.post(f"{API}/auth/token", json={"username": "ppid.dishub", "password": password})
    assert response.status_code == 403 and "/kata-sandi" in response.get_json()["detail"]
    user = db.session.scalar(db.select(User).filter_by(username="ppid.dishub"))
    change_password(user.id, password, "kopi-sepeda-hujan-7", now())
    db.session.remove()
    assert client.post(f"{API}/auth/token", json={"username": "ppid.dishub",
                                                  "password": "kopi-sepeda-hujan-7"}).status_code == 201


def test_an_admin_reset_must_be_changed_again(app):
    target = db.session.scalar(db.select(User).filter_by(username="auditor"))
    _, password = reset_password(actor("admin"), target.id, now())
    db.session.remove()
    client = app.test_client()
    client.post("/masuk", data={"username": "auditor", "password": password})
    assert client.get("/audit/").headers.get("Location") == "/kata-sandi"


def test_passwords_are_stored_only_as_salted_slow_hashes(client):
    client.post("/daftar", data={"full_name": "Rudi Hartono", "email": "rudi@contoh.id", "username": "rudi",
                                 "password": "kopi-sepeda-hujan-7"})
    stored = db.session.scalar(db.select(User).filter_by(username="rudi")).password_hash
    other = db.session.scalar(db.select(User).filter_by(username="pemohon")).password_hash
    assert stored.startswith("scrypt:") and "kopi" not in stored
    assert stored.split("$")[1] != other.split("$")[1]  # a salt of its own
