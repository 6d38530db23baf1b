"""Every way an e-mail address enters refuses a malformed one (issue 15 item 1, ASVS 4.0 V5.1.4, V5.2.3): registration,
the admin's account pages, form fields of `format: email` (web and API). The admin outbox page shows what
failed and sends a mail again."""
import json
import socket
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller

from app.domain.timeutil import format_waktu
from app.domain.addresses import InvalidAddress, normalize_address
from app.persistence.models import Outbox, ProcessInstance, User, db
from app.services.casework.forms import clean_submission
from app.services.infrastructure.notifications import MAX_ATTEMPTS, deliver_pending

from tests.conftest import PASSWORD
from tests.support import now, sign_in, wib
from tests.web.test_api import API, assert_problem, bearer, request_body, token

BAD = [
    "penyerang@contoh.id\r\nBcc: korban@contoh.id",
    "penyerang@contoh.id\nBcc: korban@contoh.id",
    "penyerang@contoh.id\rBcc: korban@contoh.id",
    "penyerang@contoh.id\x00",
    "penyerang@contoh.id\u2028Bcc: korban@contoh.id",
    "penyerang@contoh.id, korban@contoh.id",
    "Penyerang <penyerang@contoh.id>",
    "pe nyerang@contoh.id",
    "penyerang@@contoh.id",
    "penyerang@contoh",
    "penyerang@localhost",
    ".penyerang@contoh.id",
    "penyerang@contoh..id",
    "pényerang@contoh.id",
    "a" * 65 + "@contoh.id",
    "siti@" + "a" * 190 + ".id",
    '"siti aminah"@contoh.id',
    "siti@[127.0.0.1]",
    "bukan-email",
]


@pytest.mark.parametrize("address", BAD)
def test_the_address_check_refuses(address):
    with pytest.raises(InvalidAddress):
        normalize_address(address)


def test_the_address_check_keeps_good_addresses_in_normal_form():
    assert normalize_address("  Siti.Aminah+ppid@Contoh.Pasuruankab.GO.ID ") == "Siti.Aminah+ppid@contoh.pasuruankab.go.id"


#: NUL never reaches the check on the web: the request itself is refused (app/web/__init__.py, api_io.py)
WEB_BAD = [a for a in BAD if "\x00" not in a]


@pytest.mark.parametrize("address", WEB_BAD)
def test_registration_refuses_a_malformed_address_and_queues_nothing(client, address):
    form = {"full_name": "Penyerang", "email": address, "username": "penyerang", "password": "sandi-panjang-1"}
    response = client.post("/daftar", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="err-email"' in html and "Alamat e-mail" in html
    assert db.session.scalar(db.select(User).filter_by(username="penyerang")) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Outbox)) == 0


def test_registration_stores_the_address_in_normal_form(client):
    form = {"full_name": "Rudi", "email": "Rudi@Contoh.ID", "username": "rudi", "password": "sandi-panjang-1"}
    assert client.post("/daftar", data=form).status_code == 302
    assert db.session.scalar(db.select(User.email).filter_by(username="rudi")) == "Rudi@contoh.id"
    assert db.session.scalar(db.select(Outbox.recipient)) == "Rudi@contoh.id"


@pytest.mark.parametrize("address", WEB_BAD[:4])
def test_the_admin_cannot_give_an_account_a_malformed_address(client, address):
    sign_in(client, "admin")
    response = client.post("/admin/pengguna/baru", data={"username": "baru", "full_name": "Baru", "email": address,
                                                        "roles": ["diskominfo"], "opds": []})
    assert response.status_code == 422 and 'id="err-email"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(User).filter_by(username="baru")) is None
    target = db.session.scalar(db.select(User).filter_by(username="petugas"))
    before = target.email
    response = client.post(f"/admin/pengguna/{target.id}", data={
        "full_name": target.full_name, "email": address, "roles": ["diskominfo"], "opds": [], "active": "1"})
    assert response.status_code == 422 and 'id="err-email"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, target.id).email == before


@pytest.mark.parametrize("address", WEB_BAD[:4] + ["penyerang@contoh", "Penyerang <penyerang@contoh.id>"])
def test_the_api_refuses_a_request_whose_email_field_is_malformed(client, address):
    with time_machine.travel(wib(2026, 3, 2), tick=False):
        response = client.post(f"{API}/requests", json=request_body(email=address),
                               headers=bearer(token(client, "pemohon")))
        body = assert_problem(response, 422)
    assert body["errors"]["email"], body["errors"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)) == 0


@pytest.mark.parametrize("form_id", ["permohonan_informasi", "pengaduan", "keberatan_berkala"])
def test_every_form_email_field_is_checked_strictly(app, form_id):
    schema = json.loads((Path(__file__).parents[2] / "forms" / f"{form_id}.schema.json").read_text())
    fields = [k for k, v in schema.get("properties", {}).items() if v.get("format") == "email"]
    assert fields, form_id
    with pytest.raises(Exception) as refused:
        clean_submission(schema, {fields[0]: "penyerang@contoh"})
    assert fields[0] in getattr(refused.value, "errors", {}), refused.value


# ----------------------------------------------------------------------------- the admin outbox page

@pytest.fixture
def smtp_port(app):
    received = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.rcpt_tos)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


def _row(recipient: str) -> int:
    row = Outbox(instance_id=None, template="konfirmasi_email", recipient=recipient, subject="Konfirmasi e-mail",
                 body="Halo.\n", created_at=now(), next_attempt_at=now())
    db.session.add(row)
    db.session.commit()
    return row.id


def test_the_outbox_page_shows_failures_and_sends_a_given_up_mail_again(app, client, smtp_port):
    port, received = smtp_port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    app.config.update(PPID_MAIL_BACKEND="smtp", PPID_SMTP_HOST="127.0.0.1", PPID_SMTP_PORT=closed)
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        bad, good = _row("penyerang@contoh.id\r\nBcc: korban@contoh.id"), _row("siti@contoh.id")
        for _ in range(MAX_ATTEMPTS):
            deliver_pending(now())
            traveller.shift(timedelta(hours=13))
        db.session.expire_all()
        assert db.session.get(Outbox, good).failed_at is not None
        sign_in(client, "admin")
        html = client.get("/admin/surat?tampil=belum-terkirim").get_data(as_text=True)
        assert f"Dihentikan setelah {MAX_ATTEMPTS} kali gagal" in html and "Kirim ulang" in html
        assert "UnsafeHeader" in html and "penerima" in html  # the bad row's error, shown
        app.config.update(PPID_SMTP_PORT=port)
        response = client.post(f"/admin/surat/{good}/kirim-ulang", follow_redirects=True)
        assert "Surat terkirim." in response.get_data(as_text=True)
        response = client.post(f"/admin/surat/{bad}/kirim-ulang", follow_redirects=True)
        assert "tidak dapat dikirim ulang" in response.get_data(as_text=True)
        response = client.post(f"/admin/surat/{good}/kirim-ulang", follow_redirects=True)
        assert "sudah terkirim" in response.get_data(as_text=True)
        db.session.expire_all()
        sent = db.session.get(Outbox, good)
        assert sent.sent_at == now() and sent.failed_at is None and sent.attempts == MAX_ATTEMPTS
    assert received == [["siti@contoh.id"]]


def test_a_mail_in_back_off_shows_when_it_is_tried_again(app, client):
    app.config.update(PPID_MAIL_BACKEND="smtp", PPID_SMTP_HOST="127.0.0.1", PPID_SMTP_PORT=1)
    with time_machine.travel(wib(2026, 3, 2), tick=False):
        _row("siti@contoh.id\nBcc: korban@contoh.id")
        deliver_pending(now())
        sign_in(client, "admin")
        html = client.get("/admin/surat").get_data(as_text=True)
    assert "Gagal 1 kali" in html and f"Dicoba lagi {format_waktu(wib(2026, 3, 2, 9, 1))}" in html
