"""The pages of a request brought to the counter, by phone or by letter (issue 13, items 7 and 11): the officer's
entry form, the receipt printed at once, a later step recorded on the applicant's behalf, the applicant's claim."""
from __future__ import annotations

import io
import re

import time_machine

from app.persistence.models import HumanTask, ProcessInstance, db
from tests.support import REFUSAL, REQUEST, Driver, sign_in, wib
from tests.web.test_portal import field_error, pdf_bytes, pdf_text, png_bytes

START = wib(2026, 3, 2, 10)
AT_COUNTER = {k: v for k, v in REQUEST.items() if k not in ("email", "lampiran_identitas")}


def _form_token(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def record_at_counter(client, **changes):
    html = client.get("/staf/permohonan-baru").get_data(as_text=True)
    data = {**AT_COUNTER, "kanal_permohonan": "loket", "form_token": _form_token(html), **changes,
            "lampiran_identitas": (io.BytesIO(png_bytes()), "ktp.png")}
    return client.post("/staf/permohonan-baru", data={k: v for k, v in data.items() if v is not None},
                       content_type="multipart/form-data")


def latest_case() -> ProcessInstance:
    db.session.expire_all()
    return db.session.scalar(db.select(ProcessInstance).order_by(ProcessInstance.id.desc()).limit(1))


def test_the_officer_records_a_counter_request_and_prints_the_receipt(app, client):
    with time_machine.travel(START, tick=False):
        sign_in(client, "petugas")
        html = client.get("/staf/permohonan-baru").get_data(as_text=True)
        # the channel is asked for, with only the ways a request reaches the counter; e-mail is not required
        assert 'name="kanal_permohonan" value="loket"' in html and 'value="daring"' not in html
        assert 'value="surat"' in html and 'value="telepon"' in html
        refused = record_at_counter(client, kanal_permohonan=None)
        assert refused.status_code == 422
        assert field_error(refused.get_data(as_text=True), "kanal_permohonan")
        assert latest_case() is None
        done = record_at_counter(client)
        assert done.status_code == 302
        instance = latest_case()
        assert done.headers["Location"].endswith(f"/staf/kasus/{instance.registration_number}")
        assert instance.applicant_id is None and instance.case_data["kanal_permohonan"] == "loket"
        page = client.get(done.headers["Location"]).get_data(as_text=True)
        assert "Cetak tanda terima" in page and instance.registration_number in page
        receipt = client.get(f"/permohonan/{instance.registration_number}/tanda-terima.pdf")
        assert receipt.status_code == 200 and instance.registration_number in pdf_text(receipt.data)
        # a double click sends the same form token: one case
        again = client.post("/staf/permohonan-baru", data={**AT_COUNTER, "kanal_permohonan": "loket",
                                                            "form_token": "sama",
                                                            "lampiran_identitas": (io.BytesIO(png_bytes()), "k.png")},
                            content_type="multipart/form-data")
        twice = client.post("/staf/permohonan-baru", data={**AT_COUNTER, "kanal_permohonan": "loket",
                                                            "form_token": "sama",
                                                            "lampiran_identitas": (io.BytesIO(png_bytes()), "k.png")},
                            content_type="multipart/form-data")
        assert again.status_code == twice.status_code == 302 and again.headers["Location"] == twice.headers["Location"]


def test_a_paper_objection_is_recorded_on_the_applicants_behalf(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, "petugas")
        record_at_counter(client)
        number = latest_case().registration_number
        drive = Driver(traveller)
        drive.walk(number, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        drive.do(number, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        db.session.remove()
        page = client.get(f"/staf/kasus/{number}").get_data(as_text=True)
        link = re.search(r'href="(/tugas/[^"?]+\?atas_nama=1)"', page)
        assert link and "Catat atas nama pemohon" in page
        task_page = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
        assert "atas nama pemohon" in task_page and 'name="_kanal" value="surat"' in task_page
        path = link.group(1).split("?")[0]
        form = {"_nomor_pendaftaran": number, "_atas_nama": "1", "ajukan_keberatan": "ya", "alasan_keberatan": "a",
                "uraian_keberatan": "Informasi ditolak tanpa uji konsekuensi"}
        no_channel = client.post(path, data=form)
        assert no_channel.status_code == 422 and 'id="err-_kanal"' in no_channel.get_data(as_text=True)
        assert db.session.scalar(db.select(HumanTask).filter_by(spec_id="Activity_AjukanKeberatan")) is not None
        done = client.post(path, data={**form, "_kanal": "surat"})
        assert done.status_code == 302 and done.headers["Location"].endswith(f"/staf/kasus/{number}")
        assert latest_case().case_data["status_keberatan"] == "Keberatan Diajukan"
        # the applicant's own page never offers it: the owner of another case is refused outright
        sign_in(client, "pemohon")
        assert client.get(link.group(1).replace("&amp;", "&")).status_code in (403, 404, 302)


def test_the_applicant_claims_the_counter_request(app, client):
    with time_machine.travel(START, tick=False):
        sign_in(client, "petugas")
        record_at_counter(client)
        number = latest_case().registration_number
        sign_in(client, "pemohon")
        assert "Tambahkan ke akun Anda" in client.get("/permohonan").get_data(as_text=True)
        wrong = client.post("/permohonan/klaim", data={"nomor": number, "nik": "3514000000000000"})
        assert wrong.status_code == 422 and "tidak cocok" in wrong.get_data(as_text=True)
        assert latest_case().applicant_id is None
        right = client.post("/permohonan/klaim", data={"nomor": number, "nik": REQUEST["nik"]})
        assert right.status_code == 302 and right.headers["Location"].endswith(f"/permohonan/{number}")
        # Back and send again (or a second tab): the case is already in this account, nothing else happens
        again = client.post("/permohonan/klaim", data={"nomor": number, "nik": REQUEST["nik"]})
        assert again.status_code == 302 and again.headers["Location"].endswith(f"/permohonan/{number}")
        assert number in client.get("/permohonan").get_data(as_text=True)
        assert client.get(f"/permohonan/{number}").status_code == 200


def test_the_applicant_withdraws_from_the_case_page_and_a_second_tab_is_told(app, client):
    from tests.support import Driver

    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        number = drive.start()
        db.session.remove()
        sign_in(client, "pemohon")
        page = client.get(f"/permohonan/{number}").get_data(as_text=True)
        assert "Cabut permohonan" in page
        empty = client.post(f"/permohonan/{number}/cabut", data={"alasan_pencabutan": ""})
        assert empty.status_code == 422 and field_error(empty.get_data(as_text=True), "alasan_pencabutan")
        done = client.post(f"/permohonan/{number}/cabut", data={"alasan_pencabutan": "Sudah tidak perlu"})
        assert done.status_code == 302
        after = client.get(f"/permohonan/{number}").get_data(as_text=True)
        assert "Ditarik" in after and "Cabut Permohonan</button>" not in after
        # the same form sent again from a tab left open: told, nothing changes
        again = client.post(f"/permohonan/{number}/cabut", data={"alasan_pencabutan": "Sudah tidak perlu"},
                            follow_redirects=True)
        assert "tidak dapat dicabut lagi" in again.get_data(as_text=True)
        assert latest_case().case_data["alasan_pencabutan"] == "Sudah tidak perlu"


def test_an_officer_records_a_withdrawal_by_letter(app, client):
    with time_machine.travel(START, tick=False):
        sign_in(client, "petugas")
        record_at_counter(client)
        number = latest_case().registration_number
        page = client.get(f"/staf/kasus/{number}").get_data(as_text=True)
        assert "Catat pencabutan atas nama pemohon" in page
        client.post(f"/staf/kasus/{number}/cabut", data={"kanal": "surat", "alasan_pencabutan": "Surat 3 Maret"})
        assert latest_case().status == "Ditarik"
        assert "Catat pencabutan atas nama pemohon" not in client.get(f"/staf/kasus/{number}").get_data(as_text=True)
