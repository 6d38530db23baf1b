"""Refusals and partial grants carry their reasons (issue 13, item 5)."""

import pytest

from app.domain.errors import ValidationFailed
from app.persistence.models import db
from app.services.views.case_documents import notice_document
from app.services.records.registers import request_register
from app.services.records.reports import annual_report
from app.services.casework.tasks import get_task

from tests.support import actor, pdf_text, wib

START = wib(2026, 6, 1)
TO_ANSWER = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
NOTICE = "Activity_TerbitkanPemberitahuan"


def test_not_held_tells_applicant_and_staff_the_same_holder(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER)
    drive.do(reg, "Activity_JawabPermohonan", informasi_dikuasai="tidak", usulan_keputusan="tidak_dikuasai",
             badan_penguasa_informasi="BPS Kabupaten Pasuruan")
    task = drive.task(reg, NOTICE)
    # the officer's form starts from the OPD's (internal) answer
    assert get_task(actor("petugas"), task.task_id).form_values["badan_publik_lain"] == "BPS Kabupaten Pasuruan"
    with pytest.raises(ValidationFailed) as refused:
        drive.do(reg, NOTICE, keputusan="tidak_dikuasai")
    assert refused.value.errors == {"badan_publik_lain": ["Wajib diisi."]}
    db.session.rollback()
    drive.do(reg, NOTICE, keputusan="tidak_dikuasai", badan_publik_lain="BPS Kabupaten Pasuruan")
    for who in ("pemohon", "petugas"):
        assert "Badan publik yang menguasai informasi BPS Kabupaten Pasuruan" in pdf_text(notice_document(actor(who), reg))


def test_an_unknown_holder_reads_the_same_for_everyone(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER)
    drive.do(reg, "Activity_JawabPermohonan", informasi_dikuasai="tidak", usulan_keputusan="tidak_dikuasai",
             badan_penguasa_informasi="BPS Kabupaten Pasuruan")
    drive.do(reg, NOTICE, keputusan="tidak_dikuasai", badan_publik_lain="Tidak diketahui")
    pages = {who: pdf_text(notice_document(actor(who), reg)) for who in ("pemohon", "petugas")}
    assert all("menguasai informasi Tidak diketahui" in t and "BPS" not in t for t in pages.values())


def test_a_refusal_on_several_grounds_states_each_and_counts_under_each(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER, "Activity_JawabPermohonan")
    drive.do(reg, NOTICE, keputusan="ditolak", dasar_penolakan=["h", "i"], uji_konsekuensi="Data pribadi dan memo",
             jangka_waktu_pengecualian="5 tahun", isi_pemberitahuan="Ditolak")
    letter = pdf_text(notice_document(actor("pemohon"), reg))
    assert "Pasal 17 huruf h" in letter and "Pasal 17 huruf i" in letter
    assert "kecuali atas putusan Komisi Informasi atau pengadilan" in letter
    row = next(r for r in request_register() if r.nomor_pendaftaran == reg)
    assert row.alasan_penolakan.startswith("Pasal 17 huruf h:") and "; Pasal 17 huruf i:" in row.alasan_penolakan
    total = next(r for r in annual_report(2026).rows if r.semester is None and r.opd == "SEMUA")
    assert total.refused == 1 and total.refused_by_ground == {"h": 1, "i": 1}


def test_a_partial_grant_states_its_exemption_period(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER, "Activity_JawabPermohonan")
    partial = dict(keputusan="diterima_sebagian", dasar_penolakan=["h"], uji_konsekuensi="Data pribadi",
                   bagian_dihitamkan="NIK penerima")
    with pytest.raises(ValidationFailed) as refused:
        drive.do(reg, NOTICE, **partial)
    assert refused.value.errors == {"jangka_waktu_pengecualian": ["Wajib diisi."]}
    db.session.rollback()
    drive.do(reg, NOTICE, **partial, jangka_waktu_pengecualian="Selama penerima masih hidup")
    letter = pdf_text(notice_document(actor("pemohon"), reg))
    assert "Jangka waktu pengecualian Selama penerima masih hidup" in letter and "Uji konsekuensi" in letter
