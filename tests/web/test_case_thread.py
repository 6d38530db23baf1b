"""The applicant's thread on the case page: each step with its date, the office that acted, what it said to
the applicant and the documents of that step; a line saying what is awaited now, from whom, by when."""
from __future__ import annotations

import time_machine

from app.domain.timeutil import format_tanggal
from app.persistence.models import HumanTask, ProcessInstance, TimerJob, db
from app.services.people.accounts import create_user
from tests.support import REFUSAL, Driver, sign_in, wib
from tests.web.test_portal import TO_NOTICE, case_with_ktp, pdf_text, thread_steps

START = wib(2026, 3, 2)


def _granted_objection(drive) -> str:
    number, _ = case_with_ktp()
    drive.walk(number, *TO_NOTICE)
    drive.do(number, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    drive.do(number, "Activity_AjukanKeberatan")
    drive.do(number, "Activity_PutuskanKeberatan", tindak_lanjut_keberatan="Berikan salinan RKA Dinas PU 2025",
             batas_hari_kerja_tindak_lanjut=5)
    db.session.remove()
    return number


def _step(steps: list[str], starts: str) -> str:
    return next(s for s in steps if s.startswith(starts))


def test_each_document_is_listed_beside_its_own_step(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        number = _granted_objection(Driver(traveller))
        sign_in(client, "pemohon")
        html = client.get(f"/permohonan/{number}").get_data(as_text=True)
    steps = thread_steps(html)
    objection = _step(steps, "Ajukan keberatan")
    decision = _step(steps, "Putuskan keberatan")
    notice = _step(steps, "Terbitkan pemberitahuan tertulis")
    assert "Tanda bukti pengajuan keberatan (PDF)" in objection and "Tanggapan Atasan PPID" not in objection
    assert "Tanggapan Atasan PPID atas keberatan (PDF)" in decision and "Pemberitahuan Tertulis" not in decision
    assert "Pemberitahuan Tertulis (PDF)" in notice and "keberatan (PDF)" not in notice
    assert "Senin, 2 Maret 2026" in decision and "Atasan PPID" in decision
    assert "Berikan salinan RKA Dinas PU 2025" in decision  # what is to be done, in the applicant's thread


def test_objection_documents_are_served_to_the_owner_only(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        number = _granted_objection(Driver(traveller))
    create_user("pemohon2", "Pemohon Lain", "rahasia-sekali-12", START, ["pemohon"], email="lain@contoh.id")
    db.session.commit()
    sign_in(client, "pemohon")
    receipt = client.get(f"/permohonan/{number}/tanda-terima-keberatan.pdf")
    answer = client.get(f"/permohonan/{number}/tanggapan-keberatan.pdf")
    assert receipt.status_code == 200 and "TANDA BUKTI PENGAJUAN KEBERATAN" in pdf_text(receipt.data)
    text = " ".join(pdf_text(answer.data).split())
    assert answer.status_code == 200 and "Berikan salinan RKA Dinas PU 2025" in text and "5 hari kerja" in text
    sign_in(client, "pemohon2", "rahasia-sekali-12")
    for path in ("tanda-terima-keberatan.pdf", "tanggapan-keberatan.pdf"):
        assert client.get(f"/permohonan/{number}/{path}").status_code in (403, 404)


def test_objection_documents_do_not_exist_before_their_step(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        number, _ = case_with_ktp()
        Driver(traveller).walk(number, *TO_NOTICE)
        sign_in(client, "pemohon")
        assert client.get(f"/permohonan/{number}/tanda-terima-keberatan.pdf").status_code == 404
        assert client.get(f"/permohonan/{number}/tanggapan-keberatan.pdf").status_code == 404


def test_the_page_says_what_is_awaited_from_which_office_by_when(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        number, _ = case_with_ktp()
        drive.walk(number, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
        db.session.remove()
        task = db.session.scalar(db.select(HumanTask).join(ProcessInstance).filter(
            ProcessInstance.registration_number == number, HumanTask.spec_id == "Activity_JawabPermohonan"))
        due = task.due_at or db.session.scalar(db.select(db.func.min(TimerJob.due_at)).filter(
            TimerJob.instance_id == task.instance_id, TimerJob.interrupting.is_(True)))
        sign_in(client, "pemohon")
        html = client.get(f"/permohonan/{number}").get_data(as_text=True)
    line = html.split('<p class="awaited">', 1)[1].split("</p>", 1)[0]
    assert "Menunggu PPID Pelaksana Dinas Pendidikan: Jawab permohonan" in line
    assert f"paling lambat {format_tanggal(due)}" in line
    assert "Agus Prasetyo" not in html  # the office, never the officer


def test_the_applicant_is_told_when_the_step_is_theirs(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        number, _ = case_with_ktp()
        drive.walk(number, *TO_NOTICE)
        drive.do(number, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        sign_in(client, "pemohon")
        html = client.get(f"/permohonan/{number}").get_data(as_text=True)
    assert "Menunggu Anda: Ajukan keberatan" in html


def test_internal_answers_stay_out_of_the_thread(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        drive = Driver(traveller)
        number, _ = case_with_ktp()
        drive.walk(number, "Activity_PeriksaKelengkapan")
        drive.do(number, "Activity_TeruskanKeOPD", catatan_disposisi="Disposisi rahasia kantor")
        drive.do(number, "Activity_JawabPermohonan", jawaban_opd="Jawaban internal dinas")
        sign_in(client, "pemohon")
        html = client.get(f"/permohonan/{number}").get_data(as_text=True)
        sign_in(client, "petugas")
        staff_html = client.get(f"/permohonan/{number}").get_data(as_text=True)
    assert "Disposisi rahasia kantor" not in html and "Jawaban internal dinas" not in html
    assert "Jawaban internal dinas" in staff_html  # the staff do see it: the test can fail


def test_a_legal_entity_must_upload_its_deed_which_is_kept_personal(app, client):
    import io

    from app.persistence.models import Attachment
    from tests.web.test_portal import field_error, form_token, pdf_bytes, png_bytes, submit

    sign_in(client, "pemohon")
    entity = {"jenis_pemohon": "badan_hukum", "nik": None, "nomor_akta": "AHU-0012345.AH.01.04"}
    refused = submit(client, form_token(client), (io.BytesIO(png_bytes()), "ktp.png"), **entity)
    assert refused.status_code == 422
    assert field_error(refused.get_data(as_text=True), "lampiran_kuasa") == "Wajib diisi."
    data = {**entity, "lampiran_kuasa": (io.BytesIO(pdf_bytes()), "akta.pdf")}
    accepted = submit(client, form_token(client), (io.BytesIO(png_bytes()), "ktp.png"), **data)
    assert accepted.status_code == 302
    deed = db.session.scalar(db.select(Attachment).filter_by(field="lampiran_kuasa"))
    assert deed is not None and deed.personal and deed.content_type == "application/pdf"
    fake = {**entity, "lampiran_kuasa": (io.BytesIO(b"not a pdf"), "akta.pdf")}
    wrong = submit(client, form_token(client), (io.BytesIO(png_bytes()), "ktp.png"), **fake)
    assert wrong.status_code == 422 and field_error(wrong.get_data(as_text=True), "lampiran_kuasa")


def test_after_a_granted_objection_the_page_awaits_its_execution_by_the_decided_date(app, client):
    with time_machine.travel(START, tick=False) as traveller:
        number = _granted_objection(Driver(traveller))
        data = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=number)).case_data
        sign_in(client, "pemohon")
        html = client.get(f"/permohonan/{number}").get_data(as_text=True)
    line = html.split('<p class="awaited">', 1)[1].split("</p>", 1)[0]
    assert "Menunggu PPID Diskominfo: Laksanakan putusan keberatan" in line
    from datetime import datetime
    assert f"paling lambat {format_tanggal(datetime.fromisoformat(data['batas_tindak_lanjut_keberatan']))}" in line
