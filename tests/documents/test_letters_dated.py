"""Every letter is dated, numbered and signed (issue 13, item 4).

Cases run through the services; the letters are read back from their PDFs with pypdf.
"""
from datetime import timedelta

from app.domain.timeutil import format_tanggal, parse_iso
from app.persistence.models import User, db
from app.services.people.admin import update_account
from app.services.views.case_documents import (notice_document, objection_decision_document, objection_receipt_document,
                                         receipt_document)

from tests.support import OBJECTION_REFUSED, REFUSAL, actor, now, pdf_text, wib

START = wib(2026, 6, 1)  # Monday 1 June 2026
TO_NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")


def test_the_notice_has_its_number_date_signer_and_the_delivery_plan(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.traveller.move_to(wib(2026, 6, 3, 10))
    drive.do(reg, "Activity_TerbitkanPemberitahuan", rencana_tanggal_penyampaian="2026-06-05",
             rencana_cara_penyampaian="email")
    data = drive.case(reg).case_data
    assert data["nomor_surat_pemberitahuan"] == "PT-2026-00001"
    assert (data["nama_ppid"], data["jabatan_ppid"]) == ("Budi Santoso (Petugas PPID)",
                                                         "Pejabat Pengelola Informasi dan Dokumentasi")
    letter = pdf_text(notice_document(actor("pemohon"), reg))
    for words in ("Nomor surat PT-2026-00001", "Tanggal surat Rabu, 3 Juni 2026", "Bangil, Rabu, 3 Juni 2026",
                  "Budi Santoso (Petugas PPID)", "Pejabat Pengelola Informasi dan Dokumentasi",
                  "Waktu penyampaian informasi Jumat, 5 Juni 2026", "Cara penyampaian informasi E-mail"):
        assert words in letter, words


def test_the_signer_is_the_account_that_issued_it_with_the_position_from_its_settings(drive):
    admin = actor("admin")
    petugas = db.session.scalar(db.select(User).filter_by(username="petugas"))
    update_account(admin, petugas.id, {"full_name": "Drs. Bambang Irawan", "jabatan": "Sekretaris Dinas selaku PPID",
                                       "email": petugas.email, "roles": ["diskominfo"], "active": True}, now())
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    letter = pdf_text(notice_document(actor("pemohon"), reg))
    assert "Drs. Bambang Irawan" in letter and "Sekretaris Dinas selaku PPID" in letter
    # whatever was typed for the signer is ignored: the letter names who issued it
    assert drive.case(reg).case_data["nama_ppid"] == "Drs. Bambang Irawan"


def test_the_extension_letter_has_its_own_number_date_signer_and_new_limit(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.traveller.move_to(wib(2026, 6, 4, 9))
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="perpanjang", alasan_perpanjangan="Arsip di gudang")
    data = drive.case(reg).case_data
    letter = pdf_text(notice_document(actor("pemohon"), reg))
    due = format_tanggal(parse_iso(data["batas_perpanjangan"]))
    for words in (f"Nomor surat {data['nomor_surat_perpanjangan']}", "Tanggal surat Kamis, 4 Juni 2026",
                  "Bangil, Kamis, 4 Juni 2026", f"paling lambat {due}", "Budi Santoso (Petugas PPID)"):
        assert words in letter, words
    assert data["nomor_surat_perpanjangan"].startswith("PP-2026-")


def test_the_receipt_states_its_due_dates(drive):
    reg = drive.start()
    receipt = pdf_text(receipt_document(actor("pemohon"), reg))
    assert "Senin, 15 Juni 2026" in receipt  # 10 working days from Monday 1 June (1 June is Pancasila day)


def test_the_objection_receipt_and_the_decision_are_numbered_and_dated(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    drive.traveller.move_to(wib(2026, 6, 8, 11))
    drive.do(reg, "Activity_AjukanKeberatan")
    data = drive.case(reg).case_data
    receipt = pdf_text(objection_receipt_document(actor("pemohon"), reg))
    assert data["nomor_keberatan"] in receipt and "Bangil, Senin, 8 Juni 2026" in receipt
    drive.traveller.move_to(now() + timedelta(days=2))
    drive.do(reg, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
    data = drive.case(reg).case_data
    decision = pdf_text(objection_decision_document(actor("pemohon"), reg))
    assert data["nomor_putusan_keberatan"].startswith("PK-2026-")
    for words in (f"Nomor putusan {data['nomor_putusan_keberatan']}", "Tanggal putusan Rabu, 10 Juni 2026",
                  "Bangil, Rabu, 10 Juni 2026", "Drs. Hadi Wibowo"):
        assert words in decision, words
