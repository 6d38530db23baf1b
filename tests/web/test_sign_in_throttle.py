"""Issue 15 item 7: throttling slows the attacker, not the owner, and no answer tells whether an
account exists.

The attacks: five wrong passwords used to lock an account hard (the owner's right password then got
429 for 15 minutes); twenty failures from one address locked everyone behind the TLS proxy (its
X-Forwarded-For was not believed); registration said which usernames and addresses exist.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from app import create_app
from app.persistence.models import Outbox, User, db
from app.services.people import throttle

from tests.conftest import PASSWORD
from tests.support import wib

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}


@pytest.fixture
def clock(app):
    with time_machine.travel(wib(2026, 3, 2, 9), tick=False) as traveller:
        yield traveller


def attempt(client, username, password, env=None, headers=None):
    return client.post("/masuk", data={"username": username, "password": password}, environ_base=env or {},
                       headers=headers or {})


def fail(client, username, times, env=ATTACKER):
    for _ in range(times):
        assert attempt(client, username, "tebakan-salah-999", env).status_code == 401


def test_delays_double_from_the_sixth_failure_and_are_capped():
    assert [throttle.delay_after(n, 5).total_seconds() for n in (0, 4, 5, 6, 7, 10)] == [0, 0, 1, 2, 4, 32]
    assert throttle.delay_after(40, 5) == throttle.MAX_DELAY == timedelta(minutes=15)


def test_wrong_passwords_slow_the_guesser_but_never_lock_the_account_for_good(app, clock):
    client = app.test_client()
    fail(client, "petugas", 5)
    refused = attempt(client, "petugas", "tebakan-salah-999", ATTACKER)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert "Coba lagi dalam 1 detik" in refused.get_data(as_text=True)
    clock.shift(timedelta(seconds=1))
    fail(client, "petugas", 1)  # the sixth failure: the next try waits 2 s
    assert attempt(client, "petugas", "tebakan-salah-999", ATTACKER).headers["Retry-After"] == "2"
    clock.shift(timedelta(seconds=2))
    assert attempt(client, "petugas", PASSWORD, OWNER).status_code == 302  # once the short wait is over: in


def test_the_owner_on_a_browser_that_signed_in_before_is_not_kept_out(app, clock):
    owner = app.test_client()
    assert attempt(owner, "petugas", PASSWORD, OWNER).status_code == 302  # the office browser, yesterday
    owner.post("/keluar")
    clock.shift(timedelta(hours=1))
    attacker = app.test_client()
    for _ in range(12):  # a patient guesser: each wrong password as soon as it may be tried
        response = attempt(attacker, "petugas", "tebakan-salah-999", ATTACKER)
        if response.status_code == 429:
            clock.shift(timedelta(seconds=int(response.headers["Retry-After"])))
            response = attempt(attacker, "petugas", "tebakan-salah-999", ATTACKER)
        assert response.status_code == 401
    assert attempt(attacker, "petugas", "tebakan-salah-999", ATTACKER).headers["Retry-After"] == "128"
    assert attempt(attacker, "petugas", PASSWORD, ATTACKER).status_code == 429  # even with the right password
    assert attempt(app.test_client(), "petugas", PASSWORD, OWNER).status_code == 429  # a new browser waits too
    assert attempt(owner, "petugas", PASSWORD, OWNER).status_code == 302  # its own browser goes straight in
    # the device cookie is for the accounts it signed in to, signed, and sent to the sign-in page only
    cookie = owner.get_cookie("ppid_perangkat", path="/masuk")
    assert cookie is not None and cookie.http_only and cookie.path == "/masuk"
    forged = app.test_client()
    forged.set_cookie("ppid_perangkat", cookie.value.replace(cookie.value[-3:], "AAA"), path="/masuk")
    assert attempt(forged, "petugas", PASSWORD, OWNER).status_code == 429
    assert attempt(owner, "kepala", PASSWORD, ATTACKER).status_code == 302  # another account: not slowed


def test_unknown_usernames_are_answered_and_slowed_like_known_ones(app, clock):
    client = app.test_client()
    known = attempt(client, "petugas", "tebakan-salah-999", ATTACKER)
    unknown = attempt(client, "tidak.ada.orangnya", "tebakan-salah-999", ATTACKER)
    assert known.status_code == unknown.status_code == 401
    strip = lambda r: re.sub(r'name="username" value="[^"]*"', "", r.get_data(as_text=True))
    assert strip(known).replace("petugas", "") == strip(unknown).replace("tidak.ada.orangnya", "")
    fail(client, "tidak.ada.orangnya", 4)
    assert attempt(client, "tidak.ada.orangnya", "x", ATTACKER).status_code == 429


def test_one_address_guessing_at_many_accounts_is_slowed_without_touching_other_addresses(app, clock):
    client = app.test_client()
    for number in range(20):
        attempt(client, f"nama{number}", "tebakan-salah-999", ATTACKER)
    assert attempt(client, "nama99", "tebakan-salah-999", ATTACKER).status_code == 429
    assert attempt(app.test_client(), "petugas", PASSWORD, OWNER).status_code == 302


def _proxied_app(app, hops: int):
    proxied = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "SECRET_KEY", "PPID_UPLOAD_DIR",
                                                           "PPID_MAIL_DIR")},
                          "TESTING": True, "PPID_TRUSTED_PROXIES": hops, "WTF_CSRF_ENABLED": False},
                         instance_path=app.instance_path)
    return proxied


def test_behind_the_tls_proxy_each_client_is_throttled_on_its_own_address(app, clock):
    proxied = _proxied_app(app, 1).test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for number in range(20):
        proxied.post("/masuk", data={"username": f"nama{number}", "password": "x"}, environ_base=proxy,
                     headers={"X-Forwarded-For": "203.0.113.66"})
    assert proxied.post("/masuk", data={"username": "nama99", "password": "x"}, environ_base=proxy,
                        headers={"X-Forwarded-For": "203.0.113.66"}).status_code == 429
    # everyone else behind the same proxy signs in as usual
    assert proxied.post("/masuk", data={"username": "petugas", "password": PASSWORD}, environ_base=proxy,
                        headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 302
    # a client cannot forge its way out: only the hop the proxy added is believed
    forged = proxied.post("/masuk", data={"username": "nama99", "password": "x"}, environ_base=proxy,
                          headers={"X-Forwarded-For": "10.0.0.1, 203.0.113.66"})
    assert forged.status_code == 429


def test_without_the_setting_forwarded_headers_are_not_believed(app, clock):
    client = app.test_client()
    for number in range(20):
        attempt(client, f"nama{number}", "x", ATTACKER, headers={"X-Forwarded-For": f"10.0.0.{number}"})
    assert attempt(client, "nama99", "x", ATTACKER, headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 429


REGISTRATION = {"full_name": "Rudi Hartono", "email": "rudi@contoh.id", "username": "rudi",
                "password": "sandi-panjang-1"}


def _answer(response) -> tuple[int, str | None]:
    return response.status_code, response.headers.get("Location")


@pytest.mark.parametrize("changes, expected_mail", [
    ({"username": "pemohon"}, 'Nama pengguna "pemohon" tidak dapat dipakai'),
    ({"email": "Pemohon@Contoh.Pasuruankab.go.id"}, 'akun dengan nama pengguna "pemohon"'),
])
def test_registration_never_tells_whether_a_name_or_address_is_taken(client, clock, changes, expected_mail):
    fresh = client.post("/daftar", data=REGISTRATION)
    taken = client.post("/daftar", data={**REGISTRATION, "username": "rudi3", "email": "lain@contoh.id", **changes})
    assert _answer(fresh) == _answer(taken) == (302, "/masuk")
    assert "Pendaftaran diterima" in client.get("/masuk").get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User).filter_by(username="rudi3")) == 0
    mail = db.session.scalars(db.select(Outbox).filter_by(template="pendaftaran_ganda")).one()
    assert mail.recipient == (changes.get("email", "lain@contoh.id")).lower() and expected_mail in mail.body
    assert REGISTRATION["password"] not in mail.body  # the mail never carries what was typed as a password


def test_registrations_from_one_address_are_limited_and_mails_to_one_address_too(client, clock):
    for number in range(5):  # the same taken name again and again: the address gets at most 3 mails an hour
        client.post("/daftar", data={**REGISTRATION, "username": "pemohon", "email": "korban@contoh.id"})
    assert len(db.session.scalars(db.select(Outbox).filter_by(recipient="korban@contoh.id")).all()) == 3
    for number in range(15):
        client.post("/daftar", data={**REGISTRATION, "username": f"orang{number}", "email": f"o{number}@contoh.id"})
    refused = client.post("/daftar", data={**REGISTRATION, "username": "orang99", "email": "o99@contoh.id"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "3600"
    assert db.session.scalar(db.select(User).filter_by(username="orang99")) is None
    clock.shift(timedelta(hours=1, seconds=1))
    assert client.post("/daftar", data={**REGISTRATION, "username": "orang99", "email": "o99@contoh.id"}
                       ).status_code == 302
    assert db.session.scalar(db.select(User).filter_by(username="orang99")) is not None
