"""A legal limit does not end the duty to answer (issue 13, items 1 and 2).

The 10 and 17 working-day limits and the Atasan's 30 days alert and open the applicant's next right;
they no longer cancel the office's tasks. A step taken after a limit meets the late case even when
the timer worker has not swept yet. Every case here replays clean.
"""
from datetime import timedelta

import pytest

from app.domain.errors import ValidationFailed
from app.persistence.models import AuditEvent, HumanTask, Outbox, TimerJob, db
from app.services.infrastructure.calendar import current_calendar
from app.services.records.replay import replay_case

from tests.support import OBJECTION_REFUSED, REFUSAL, wib

START = wib(2026, 3, 2)  # Monday 2 March 2026; the 10th working day ends Monday 16 March
TO_ANSWER = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
LIMIT_10 = wib(2026, 3, 16, 23, 59) + timedelta(seconds=59)  # the 10th working day ends (its timer row is gone once fired)
STAFF = {"petugas@contoh.pasuruankab.go.id", "kepala@contoh.pasuruankab.go.id"}


def limit(drive, reg, spec_id):
    return db.session.scalar(db.select(TimerJob.due_at).filter_by(instance_id=drive.case(reg).id, spec_id=spec_id))


def mails(drive, reg, template):
    return sorted(db.session.scalars(db.select(Outbox.recipient).filter_by(instance_id=drive.case(reg).id,
                                                                             template=template)))


def late_case(drive) -> str:
    """A case whose OPD has not answered when the 10 working days end (the sweep runs a minute later)."""
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER)
    drive.move_to(limit(drive, reg, "Timer_Batas10HK") + timedelta(minutes=1))
    return reg


def assert_replays(reg):
    report = replay_case(reg)
    assert report.ok, [str(m) for m in report.mismatches]


def test_the_10_day_limit_marks_the_case_late_alerts_staff_and_keeps_the_answer_open(drive):
    reg = late_case(drive)
    case = drive.case(reg)
    assert case.status == "Melewati Batas Waktu" and case.late and not case.finished
    assert case.case_data["melewati_batas_waktu"] is True and case.case_data["alasan_keberatan"] == ["g"]
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan", "Activity_JawabPermohonan"]
    assert mails(drive, reg, "batas_waktu_terlewati") == ["pemohon@contoh.pasuruankab.go.id"]
    staff = mails(drive, reg, "batas_waktu_terlewati_staf")
    assert STAFF <= set(staff) and any("atasan" in m for m in staff), staff
    body = db.session.scalar(db.select(Outbox.body).filter_by(instance_id=case.id, template="batas_waktu_terlewati_staf"))
    assert "Senin, 16 Maret 2026" in body and "tetap terbuka" in body
    # the worklist marks the answer task: its case is late and its legal limit has passed
    row = drive.task(reg, "Activity_JawabPermohonan")
    assert row.case_status == "Melewati Batas Waktu" and row.deadline_at == LIMIT_10
    # the answer given late still produces the notice; the objection already open covers it
    drive.do(reg, "Activity_JawabPermohonan")
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    case = drive.case(reg)
    assert case.status == "Ditolak" and case.case_data["melewati_batas_waktu"] is True
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan"]  # one objection, not two
    drive.do(reg, "Activity_AjukanKeberatan", alasan_keberatan=["g"], uraian_keberatan="Terlambat dan ditolak")
    drive.do(reg, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
    drive.do(reg, "Activity_AjukanSengketa")
    case = drive.case(reg)
    # the dispute keeps the case open in the Komisi stage (tests/services/test_komisi_stage.py)
    assert not case.finished and case.status == "Sengketa di Komisi Informasi"
    assert drive.open_tasks(reg) == ["Activity_CatatProsesKomisi"]
    assert_replays(reg)


def test_declining_the_late_objection_does_not_close_a_case_without_a_notice(drive):
    reg = late_case(drive)
    drive.do(reg, "Activity_AjukanKeberatan", ajukan_keberatan="tidak")
    case = drive.case(reg)
    assert not case.finished and case.status == "Melewati Batas Waktu"
    assert drive.open_tasks(reg) == ["Activity_JawabPermohonan"]
    drive.walk(reg, "Activity_JawabPermohonan")
    # the notice refuses: the applicant, who let the lateness go, may object to the refusal
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan"]
    drive.do(reg, "Activity_AjukanKeberatan", ajukan_keberatan="tidak")
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai"
    assert_replays(reg)


def test_a_late_grant_in_full_ends_the_case_once_delivered(drive):
    reg = late_case(drive)
    drive.walk(reg, "Activity_JawabPermohonan", "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
    case = drive.case(reg)
    assert case.status == "Selesai" and not case.finished  # the applicant's objection right is still open
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan"]
    drive.do(reg, "Activity_AjukanKeberatan", ajukan_keberatan="tidak")
    assert drive.case(reg).finished and drive.case(reg).status == "Selesai"
    assert_replays(reg)


def test_the_17_day_limit_keeps_the_extended_answer_open(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER, "Activity_JawabPermohonan")
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="perpanjang", alasan_perpanjangan="Data di arsip")
    drive.move_to(limit(drive, reg, "Timer_Batas17HK") + timedelta(minutes=1))
    case = drive.case(reg)
    assert case.status == "Melewati Batas Waktu"
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan", "Activity_LengkapiJawabanPerpanjangan"]
    assert "17 hari kerja" in db.session.scalar(db.select(Outbox.body).filter_by(
        instance_id=case.id, template="batas_waktu_terlewati_staf"))
    drive.walk(reg, "Activity_LengkapiJawabanPerpanjangan", "Activity_TerbitkanPemberitahuanAkhir",
               "Activity_SerahkanInformasi")
    drive.do(reg, "Activity_AjukanKeberatan", ajukan_keberatan="tidak")
    assert drive.case(reg).finished and drive.case(reg).status == "Selesai"
    assert_replays(reg)


def test_an_extension_after_day_10_is_refused_although_no_sweep_has_run(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER, "Activity_JawabPermohonan")
    # Tuesday 17 March, 08:00: the limit ended at midnight; the timer worker has not run since
    drive.traveller.move_to(wib(2026, 3, 17, 8))
    with pytest.raises(ValidationFailed) as refused:
        drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="perpanjang", alasan_perpanjangan="Arsip")
    assert "sebelum batas" in refused.value.errors["keputusan"][0]
    db.session.rollback()
    case = drive.case(reg)
    assert case.status == "Diproses" and "batas_perpanjangan" not in case.case_data  # nothing written
    # a decision sent at the same moment is taken, and the case is recorded late first
    drive.do(reg, "Activity_TerbitkanPemberitahuan")
    case = drive.case(reg)
    assert case.case_data["melewati_batas_waktu"] is True and case.status == "Diterima Seluruhnya"
    kinds = list(db.session.scalars(db.select(AuditEvent.event_type).filter_by(instance_id=case.id)
                                    .order_by(AuditEvent.id)))[-2:]
    assert kinds == ["timer_fired", "task_completed"]
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan", "Activity_SerahkanInformasi"]
    assert_replays(reg)


def test_an_extension_before_day_10_states_its_new_date(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER, "Activity_JawabPermohonan")
    drive.traveller.move_to(wib(2026, 3, 16, 23, 30))  # the last half hour of day 10
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="perpanjang", alasan_perpanjangan="Arsip")
    case = drive.case(reg)
    assert case.status == "Diperpanjang" and not case.case_data.get("melewati_batas_waktu")
    # 17 working days from Monday 2 March, past Nyepi, Idul Fitri and its cuti bersama
    assert case.case_data["batas_perpanjangan"] == current_calendar().add_working_days(START, 17).isoformat()
    assert_replays(reg)


def test_the_atasan_may_still_decide_after_30_days_and_the_dispute_opens_once(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER, "Activity_JawabPermohonan")
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    drive.do(reg, "Activity_AjukanKeberatan")
    drive.move_to(limit(drive, reg, "Timer_BatasPutusan30HK") + timedelta(minutes=1))
    case = drive.case(reg)
    assert case.case_data["status_keberatan"] == "Tidak Ditanggapi"
    assert drive.open_tasks(reg) == ["Activity_AjukanSengketa", "Activity_PutuskanKeberatan"]
    staff = mails(drive, reg, "keberatan_tidak_ditanggapi_staf")
    assert "kepala@contoh.pasuruankab.go.id" in staff and any("atasan" in m for m in staff), staff
    assert mails(drive, reg, "keberatan_tidak_ditanggapi") == ["pemohon@contoh.pasuruankab.go.id"]
    # the late decision is recorded; the dispute step already open covers it
    drive.do(reg, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
    case = drive.case(reg)
    assert case.case_data["status_keberatan"] == "Ditolak" and not case.finished
    assert drive.open_tasks(reg) == ["Activity_AjukanSengketa"]
    drive.do(reg, "Activity_AjukanSengketa")
    case = drive.case(reg)
    # the dispute keeps the case open in the Komisi stage (tests/services/test_komisi_stage.py)
    assert not case.finished and case.status == "Sengketa di Komisi Informasi"
    assert drive.open_tasks(reg) == ["Activity_CatatProsesKomisi"]
    assert_replays(reg)


def test_a_dispute_declined_before_the_late_decision_does_not_close_the_objection(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER, "Activity_JawabPermohonan")
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    drive.do(reg, "Activity_AjukanKeberatan")
    drive.move_to(limit(drive, reg, "Timer_BatasPutusan30HK") + timedelta(minutes=1))
    drive.do(reg, "Activity_AjukanSengketa", ajukan_sengketa="tidak")
    case = drive.case(reg)
    assert not case.finished and case.status == "Ditolak"  # not "Selesai": the objection awaits its decision
    assert drive.open_tasks(reg) == ["Activity_PutuskanKeberatan"]
    drive.do(reg, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
    assert drive.open_tasks(reg) == ["Activity_AjukanSengketa"]  # a refusal opens the dispute right again
    drive.do(reg, "Activity_AjukanSengketa", ajukan_sengketa="tidak")
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai"
    assert_replays(reg)


def test_the_open_task_shows_the_passed_legal_limit_as_its_deadline(drive):
    reg = late_case(drive)
    rows = {r.spec_id: r for r in db.session.scalars(db.select(HumanTask).filter_by(instance_id=drive.case(reg).id))}
    # the answer task keeps the limit it was given; the applicant's objection has its own 30-day window
    assert rows["Activity_JawabPermohonan"].deadline_at == LIMIT_10
    assert rows["Activity_AjukanKeberatan"].deadline_at > LIMIT_10


# -- the office's own completeness check (item 10) and a granted objection not carried out (item 11) --

def test_the_completeness_check_has_its_own_limit_and_a_lapsed_request_is_gugur(drive):
    reg = drive.start()
    check = drive.task(reg, "Activity_PeriksaKelengkapan")
    assert check.due_at == wib(2026, 3, 5, 23, 59) + timedelta(seconds=59)  # 3 working days: the worklist due date
    drive.move_to(check.due_at + timedelta(minutes=1))
    case = drive.case(reg)
    assert case.case_data["pemeriksaan_terlambat"] is True
    assert drive.open_tasks(reg) == ["Activity_PeriksaKelengkapan"]  # still to do, now late
    assert STAFF <= set(mails(drive, reg, "pemeriksaan_terlambat"))
    drive.do(reg, "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="KTP buram")
    drive.move_to(limit(drive, reg, "Timer_BatasMelengkapi3HK") + timedelta(minutes=1))
    case = drive.case(reg)
    assert case.finished and case.status == "Gugur" and case.case_data["hasil"] == "gugur"
    assert_replays(reg)


def test_a_granted_objection_not_carried_out_in_time_opens_the_dispute(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER, "Activity_JawabPermohonan")
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    drive.do(reg, "Activity_AjukanKeberatan")
    drive.do(reg, "Activity_PutuskanKeberatan", batas_hari_kerja_tindak_lanjut=5)
    row = drive.task(reg, "Activity_LaksanakanPutusan")
    assert row.deadline_at is not None  # "Batas pelaksanaan putusan" is the task's deadline on the worklist
    drive.move_to(row.deadline_at + timedelta(minutes=1))
    case = drive.case(reg)
    assert case.case_data["putusan_terlambat"] is True and case.status != "Selesai"
    assert drive.open_tasks(reg) == ["Activity_AjukanSengketa", "Activity_LaksanakanPutusan"]
    assert mails(drive, reg, "putusan_belum_dilaksanakan") == ["pemohon@contoh.pasuruankab.go.id"]
    assert "kepala@contoh.pasuruankab.go.id" in mails(drive, reg, "putusan_belum_dilaksanakan_staf")
    drive.do(reg, "Activity_AjukanSengketa", ajukan_sengketa="tidak")
    assert drive.case(reg).status != "Selesai" and not drive.case(reg).finished  # the execution is still owed
    drive.do(reg, "Activity_LaksanakanPutusan")
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai"
    assert_replays(reg)


# -- an OPD hands a case back (item 6, in part) ----------------------------------------------------------

def test_an_opd_hands_a_case_back_and_diskominfo_sends_it_on(drive):
    reg = drive.start()
    drive.walk(reg, *TO_ANSWER)
    assert drive.case(reg).opd_code == "DISDIK"
    drive.do(reg, "Activity_JawabPermohonan", informasi_dikuasai="tidak", usulan_keputusan="bukan_kewenangan",
             jawaban_opd="Data penerima beasiswa dikelola Dinas Kesehatan")
    case = drive.case(reg)
    assert drive.open_tasks(reg) == ["Activity_TeruskanKeOPD"] and case.case_data["opd_sebelumnya"] == "DISDIK"
    body = db.session.scalar(db.select(Outbox.body).filter_by(instance_id=case.id, template="dikembalikan_opd"))
    assert "Dinas Kesehatan" in body and "bukan" in body
    drive.do(reg, "Activity_TeruskanKeOPD", opd="DINKES", catatan_disposisi="Dikembalikan DISDIK: bukan kewenangannya")
    assert drive.case(reg).opd_code == "DINKES"
    drive.walk(reg, "Activity_JawabPermohonan", "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
    drive.decline_objection(reg)
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai" and case.opd_code == "DINKES"
    assert_replays(reg)
