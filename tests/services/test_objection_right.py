"""The objection right is whole (issue 13, item 3; UU 14/2008 art. 35(1) a-g).

It opens after every written notice (a grant in full or in part, a refusal, "not held"), its 30 working
days run from the notice (not from when staff record the delivery), and one objection may give several
reasons at once ("dan/atau").
"""
from datetime import timedelta

import pytest
from pypdf import PdfReader

from app.domain.errors import ValidationFailed
from app.persistence.models import TimerJob, db
from app.services.infrastructure.calendar import current_calendar
from app.services.views.case_documents import objection_receipt_document
from app.services.records.registers import objection_register
from app.services.records.replay import replay_case

from tests.support import OBJECTION_REFUSED, actor, now, wib

START = wib(2026, 6, 1)  # Monday 1 June 2026
TO_NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
PARTIAL = dict(keputusan="diterima_sebagian", bagian_dihitamkan="NIK penerima", jangka_waktu_pengecualian="selamanya",
               dasar_penolakan=["h"], uji_konsekuensi="Data pribadi")


def window(drive, reg):
    return db.session.scalar(db.select(TimerJob.due_at).filter_by(instance_id=drive.case(reg).id,
                                                                  spec_id="Timer_JangkaKeberatan30HK"))


def assert_replays(reg):
    report = replay_case(reg)
    assert report.ok, [str(m) for m in report.mismatches]


def test_a_grant_in_full_opens_the_objection_right_beside_the_delivery(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE, "Activity_TerbitkanPemberitahuan")
    notice = now()
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan", "Activity_SerahkanInformasi"]
    assert window(drive, reg) == current_calendar().add_working_days(notice, 30)
    # the applicant got the file but not what was asked (art. 35(1)(d)): an objection after a grant
    drive.traveller.move_to(notice + timedelta(days=3))
    drive.do(reg, "Activity_SerahkanInformasi")
    assert drive.case(reg).status == "Selesai" and not drive.case(reg).finished
    drive.do(reg, "Activity_AjukanKeberatan", alasan_keberatan=["d"], uraian_keberatan="Data tidak per kecamatan")
    case = drive.case(reg)
    assert case.status == "Selesai" and case.case_data["status_keberatan"] == "Keberatan Diajukan"
    assert drive.open_tasks(reg) == ["Activity_PutuskanKeberatan"]
    drive.do(reg, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
    drive.do(reg, "Activity_AjukanSengketa", ajukan_sengketa="tidak")
    assert drive.case(reg).finished
    assert_replays(reg)


def test_an_objection_filed_before_the_delivery_keeps_the_case_open_after_it(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE, "Activity_TerbitkanPemberitahuan")
    drive.do(reg, "Activity_AjukanKeberatan", alasan_keberatan=["f"], uraian_keberatan="Biaya salinan tidak wajar")
    drive.do(reg, "Activity_SerahkanInformasi")
    case = drive.case(reg)
    assert case.status == "Diterima Seluruhnya" and not case.finished  # not "Selesai": the objection awaits
    drive.do(reg, "Activity_PutuskanKeberatan", batas_hari_kerja_tindak_lanjut=3)
    drive.do(reg, "Activity_LaksanakanPutusan")
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai"
    assert_replays(reg)


def test_declining_before_the_delivery_leaves_the_case_to_the_delivery(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE, "Activity_TerbitkanPemberitahuan")
    drive.do(reg, "Activity_AjukanKeberatan", ajukan_keberatan="tidak")
    case = drive.case(reg)
    assert case.status == "Diterima Seluruhnya" and not case.finished
    drive.do(reg, "Activity_SerahkanInformasi")
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai"
    assert_replays(reg)


def test_a_partial_grant_counts_the_window_from_the_notice_not_from_the_delivery(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **PARTIAL)
    notice = now()
    drive.traveller.move_to(notice + timedelta(days=7))  # staff record the delivery a week later
    drive.do(reg, "Activity_SerahkanInformasi")
    assert window(drive, reg) == current_calendar().add_working_days(notice, 30)
    drive.move_to(window(drive, reg) + timedelta(minutes=1))
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai"
    assert_replays(reg)


def test_not_held_opens_the_objection_right(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE[:2])
    drive.do(reg, "Activity_JawabPermohonan", informasi_dikuasai="tidak", usulan_keputusan="tidak_dikuasai")
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="tidak_dikuasai", badan_publik_lain="BPS Kab. Pasuruan")
    case = drive.case(reg)
    assert case.status == "Informasi Tidak Dikuasai" and not case.finished
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan"]
    drive.do(reg, "Activity_AjukanKeberatan", alasan_keberatan=["e"], uraian_keberatan="Dinas ini pasti menyimpannya")
    assert drive.open_tasks(reg) == ["Activity_PutuskanKeberatan"]
    assert_replays(reg)


def test_one_objection_gives_several_reasons(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    # the limit passes, then the refusal comes: refused (a) and late (g) in one objection
    drive.traveller.move_to(current_calendar().add_working_days(now(), 10) + timedelta(hours=10))
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="ditolak", dasar_penolakan=["h"],
             uji_konsekuensi="Data pribadi", jangka_waktu_pengecualian="selamanya",
             isi_pemberitahuan="Ditolak")
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan"]
    with pytest.raises(ValidationFailed) as refused:
        drive.do(reg, "Activity_AjukanKeberatan", alasan_keberatan=[])
    assert refused.value.errors["alasan_keberatan"] == ["Wajib diisi."]
    db.session.rollback()
    drive.do(reg, "Activity_AjukanKeberatan", alasan_keberatan=["a", "g"], uraian_keberatan="Ditolak dan terlambat")
    data = drive.case(reg).case_data
    assert data["alasan_keberatan"] == ["a", "g"]
    row = next(r for r in objection_register() if r.nomor_keberatan == data["nomor_keberatan"])
    assert row.alasan_keberatan.startswith("Pasal 35 ayat (1) huruf a:") and "; Pasal 35 ayat (1) huruf g:" in row.alasan_keberatan
    import io
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        objection_receipt_document(actor("pemohon"), reg))).pages)
    assert "huruf a" in text and "huruf g" in text
    assert_replays(reg)
