"""Back after sending, then Kirim again: the same content from the same applicant soon after is the
same case (the web form's token is new, so only the content can tell); anything else is a new case."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine

from app.persistence.models import ProcessInstance, db
from app.services.people.accounts import create_user
from app.services.casework.attachments import Upload
from app.services.casework.cases import start_case

from tests.conftest import PASSWORD
from tests.support import PROCESS, REQUEST, actor, now, sign_in, wib

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
       b"\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82")
DATA = {k: v for k, v in REQUEST.items() if k != "lampiran_identitas"}


@pytest.fixture
def clock(app):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        yield traveller


def send(data=DATA, username="pemohon", key=None, content=PNG):
    ref = start_case(actor(username), PROCESS, dict(data), now(), {"lampiran_identitas": Upload("ktp.png", content)},
                     submission_key=key, match_content=True)
    db.session.remove()
    return ref


def cases() -> int:
    return db.session.scalar(db.select(db.func.count(ProcessInstance.id)))


def test_the_same_content_sent_again_soon_is_the_same_case(clock):
    first = send(key="token-1")
    clock.shift(dt.timedelta(minutes=3))
    again = send(data={**DATA, "rincian_informasi": "  " + DATA["rincian_informasi"] + " "}, key="token-2")
    assert again.existing and again.registration_number == first.registration_number and cases() == 1


def test_other_content_another_file_or_another_applicant_is_a_new_case(clock):
    first = send(key="a")
    assert not send(data={**DATA, "rincian_informasi": "Data lain sama sekali"}, key="b").existing
    assert not send(key="c", content=PNG + b"\x00").existing  # another scan
    assert cases() == 3
    create_user("pemohon2", "Pemohon Kedua", PASSWORD, now(), ["pemohon"])
    db.session.commit()
    other = send(key="d", username="pemohon2")
    assert not other.existing and other.registration_number != first.registration_number


def test_after_the_window_the_same_content_is_a_new_request(clock, app):
    first = send(key="a")
    clock.shift(dt.timedelta(minutes=app.config["PPID_RESUBMIT_WINDOW_MINUTES"], seconds=1))
    later = send(key="b")
    assert not later.existing and later.registration_number != first.registration_number


def test_the_web_form_sent_again_says_it_was_sent(client, clock):
    sign_in(client, "pemohon")
    for _ in range(2):
        page = client.get("/permohonan/baru").get_data(as_text=True)
        form_token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)  # Back: a fresh token
        body = {**DATA, "form_token": form_token,
                "lampiran_identitas": (io.BytesIO(PNG), "ktp.png")}
        response = client.post("/permohonan/baru", data=body, content_type="multipart/form-data",
                               follow_redirects=True)
        html = response.get_data(as_text=True)
    assert "sudah terkirim dengan Nomor Pendaftaran" in html and cases() == 1
