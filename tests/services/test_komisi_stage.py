"""The Komisi Informasi stage (issue 13, items 8 and 11).

After a dispute is registered the case stays open in "Sengketa di Komisi Informasi": the office records
mediation and hearing dates (each with a reminder working days before), the outcome with its number, date
and uploaded document, and, when the Komisi orders the information given, a task to carry it out within the
time it sets. An applicant who goes to the Komisi directly is not closed out by the 14-day timer: staff record
the Komisi's summons and the case enters the same stage.
"""
from datetime import timedelta

import pytest

from app.domain.errors import ValidationFailed
from app.domain.timeutil import parse_iso
from app.persistence.models import Outbox, TimerJob, User, db
from app.services.casework.attachments import Upload
from app.services.infrastructure.calendar import current_calendar
from app.services.records.registers import request_register
from app.services.records.replay import replay_case

from tests.support import OBJECTION_REFUSED, REFUSAL, now, wib

START = wib(2026, 6, 1)  # Monday 1 June 2026
TO_NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
DECISION = {"berkas_putusan_komisi": Upload("putusan.pdf", PDF)}


def to_dispute_step(drive) -> str:
    """A refused request, an objection the Atasan refuses: the applicant's dispute step is open."""
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    drive.do(reg, "Activity_AjukanKeberatan")
    drive.do(reg, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
    assert drive.open_tasks(reg) == ["Activity_AjukanSengketa"]
    return reg


def record(drive, reg, **data):
    return drive.do(reg, "Activity_CatatProsesKomisi", "petugas", **data)


def mails(drive, reg, template):
    return list(db.session.scalars(db.select(Outbox).filter_by(instance_id=drive.case(reg).id, template=template)
                                   .order_by(Outbox.id)))


def timer(drive, reg, spec_id):
    return db.session.scalars(db.select(TimerJob.due_at).filter_by(instance_id=drive.case(reg).id, spec_id=spec_id)
                              .order_by(TimerJob.due_at)).all()


def staff_addresses(*role_keys):
    users = db.session.scalars(db.select(User).where(User.active.is_(True)))
    return {u.email for u in users if u.email and u.role_set & set(role_keys)}


def assert_replays(reg):
    report = replay_case(reg)
    assert report.ok, [str(m) for m in report.mismatches]


def test_hearings_are_recorded_with_reminders_then_the_order_is_carried_out(drive):
    reg = to_dispute_step(drive)
    drive.do(reg, "Activity_AjukanSengketa")
    case = drive.case(reg)
    assert case.status == "Sengketa di Komisi Informasi" and not case.finished
    assert drive.open_tasks(reg) == ["Activity_CatatProsesKomisi"]

    # two dates set by the Komisi: a mediation on Monday 15 June, a hearing on Monday 29 June
    record(drive, reg, tahap_komisi="jadwal", jenis_jadwal="mediasi", tanggal_jadwal="2026-06-15",
           tempat_jadwal="Kantor Komisi Informasi Provinsi Jawa Timur, Surabaya")
    record(drive, reg, tahap_komisi="jadwal", jenis_jadwal="ajudikasi", tanggal_jadwal="2026-06-29",
           tempat_jadwal="Daring")
    case = drive.case(reg)
    assert [j["tanggal_jadwal"] for j in case.case_data["jadwal_komisi"]] == ["2026-06-15", "2026-06-29"]
    assert case.status == "Sengketa di Komisi Informasi"
    assert drive.open_tasks(reg) == ["Activity_CatatProsesKomisi"]  # the task stays for the next record
    # each date has its reminder at the start of the 2nd working day before it (Thursday, WIB)
    calendar = current_calendar()
    assert timer(drive, reg, "Timer_PengingatSidang") == [wib(2026, 6, 11, 0), wib(2026, 6, 25, 0)]
    assert calendar.working_days_between(wib(2026, 6, 11, 0), wib(2026, 6, 15)) == 2
    schedule = mails(drive, reg, "jadwal_sengketa")
    assert len(schedule) == 2 and "Mediasi: Senin, 15 Juni 2026" in schedule[-1].body
    assert "Sidang ajudikasi: Senin, 29 Juni 2026, Daring" in schedule[-1].body

    drive.move_to(wib(2026, 6, 10, 23, 59))
    assert mails(drive, reg, "pengingat_sidang_komisi") == []
    drive.move_to(wib(2026, 6, 11, 0, 1))
    reminders = mails(drive, reg, "pengingat_sidang_komisi")
    assert {m.recipient for m in reminders} == staff_addresses("diskominfo", "atasan_ppid")
    assert all("Mediasi: Senin, 15 Juni 2026, Kantor Komisi Informasi" in m.body for m in reminders)
    assert timer(drive, reg, "Timer_PengingatSidang") == [wib(2026, 6, 25, 0)]

    # the adjudication decision orders the information given within 10 working days
    drive.traveller.move_to(wib(2026, 6, 30, 10))
    with pytest.raises(ValidationFailed) as refused:
        record(drive, reg, tahap_komisi="hasil", jenis_hasil="ajudikasi", nomor_putusan_komisi="12/KI-JTM/VI/2026",
               tanggal_putusan_komisi="2026-06-29", amar_putusan_komisi="informasi_diberikan")
    assert set(refused.value.errors) == {"berkas_putusan_komisi", "batas_pelaksanaan_komisi"}
    record(drive, reg, tahap_komisi="hasil", jenis_hasil="ajudikasi", nomor_putusan_komisi="12/KI-JTM/VI/2026",
           tanggal_putusan_komisi="2026-06-29", uploads=DECISION,
           amar_putusan_komisi="informasi_diberikan", batas_pelaksanaan_komisi=10)
    case = drive.case(reg)
    assert case.case_data["status_sengketa"] == "Diputus Komisi Informasi"
    assert case.case_data["berkas_putusan_komisi"].startswith("lampiran:")
    assert case.status == "Sengketa di Komisi Informasi" and not case.finished
    assert drive.open_tasks(reg) == ["Activity_LaksanakanPutusanKomisi"]
    # the outcome ends the hearing stage: the reminder of the hearing already held is gone with it
    assert timer(drive, reg, "Timer_PengingatSidang") == []
    due = calendar.add_working_days(wib(2026, 6, 29, 0), 10)
    assert timer(drive, reg, "Timer_BatasPelaksanaanKomisi") == [due]
    assert "paling lambat Senin, 13 Juli 2026" in mails(drive, reg, "hasil_sengketa")[0].body

    # late: staff, the head and the Atasan are told; the task stays open
    drive.move_to(due + timedelta(seconds=1))
    assert drive.case(reg).case_data["putusan_komisi_terlambat"] is True
    assert mails(drive, reg, "putusan_komisi_belum_dilaksanakan_staf")
    assert drive.open_tasks(reg) == ["Activity_LaksanakanPutusanKomisi"]
    drive.do(reg, "Activity_LaksanakanPutusanKomisi", "petugas", tanggal_pelaksanaan_komisi="2026-07-14",
             catatan_pelaksanaan_komisi="Salinan data diserahkan langsung")
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai"
    assert case.case_data["putusan_komisi_dilaksanakan"] is True
    assert mails(drive, reg, "putusan_komisi_dilaksanakan") and mails(drive, reg, "sengketa_selesai")
    assert_replays(reg)


def test_a_mediation_that_upholds_the_refusal_closes_the_case(drive):
    reg = to_dispute_step(drive)
    drive.do(reg, "Activity_AjukanSengketa")
    record(drive, reg, tahap_komisi="jadwal", jenis_jadwal="mediasi", tanggal_jadwal="2026-06-22", tempat_jadwal="Surabaya")
    with pytest.raises(ValidationFailed) as refused:  # an agreement that orders nothing has no execution period
        record(drive, reg, tahap_komisi="hasil", jenis_hasil="mediasi", nomor_putusan_komisi="M-3/2026",
               tanggal_putusan_komisi="2026-06-22", uploads=DECISION,
               amar_putusan_komisi="menguatkan_badan_publik", batas_pelaksanaan_komisi=5)
    assert set(refused.value.errors) == {"batas_pelaksanaan_komisi"}
    record(drive, reg, tahap_komisi="hasil", jenis_hasil="mediasi", nomor_putusan_komisi="M-3/2026",
           tanggal_putusan_komisi="2026-06-22", uploads=DECISION, amar_putusan_komisi="menguatkan_badan_publik")
    case = drive.case(reg)
    assert case.finished and case.case_data["status_sengketa"] == "Selesai dengan Mediasi"
    assert case.case_data["hasil_sengketa"] == "mediasi" and not case.case_data["perintah_komisi"]
    assert timer(drive, reg, "Timer_PengingatSidang") == []  # the pending reminder ended with the stage
    assert drive.open_tasks(reg) == []
    assert_replays(reg)


def test_a_past_hearing_is_recorded_without_a_reminder(drive):
    reg = to_dispute_step(drive)
    drive.do(reg, "Activity_AjukanSengketa")
    record(drive, reg, tahap_komisi="jadwal", jenis_jadwal="pemeriksaan_awal", tanggal_jadwal="2026-05-28",
           tempat_jadwal="Surabaya")
    assert timer(drive, reg, "Timer_PengingatSidang") == []
    assert mails(drive, reg, "pengingat_sidang_komisi") == []
    assert drive.open_tasks(reg) == ["Activity_CatatProsesKomisi"]


def test_the_applicant_went_to_the_komisi_directly_staff_record_the_summons(drive):
    reg = to_dispute_step(drive)
    window = timer(drive, reg, "Timer_JangkaSengketa14HK")[0]
    drive.move_to(window + timedelta(seconds=1))
    case = drive.case(reg)
    # the 14 days passed without a word from the applicant: the case is not closed, the office waits for a summons
    assert not case.finished and case.status != "Selesai"
    assert drive.open_tasks(reg) == ["Activity_CatatPanggilanKomisi"]
    wait = timer(drive, reg, "Timer_TungguPanggilanKomisi")[0]
    assert wait == current_calendar().add_working_days(window, 20)
    with pytest.raises(ValidationFailed) as refused:
        drive.do(reg, "Activity_CatatPanggilanKomisi", "petugas", panggilan_komisi="ya")
    assert set(refused.value.errors) == {"nomor_register_ki", "tanggal_panggilan_komisi"}
    drive.do(reg, "Activity_CatatPanggilanKomisi", "petugas", panggilan_komisi="ya",
             nomor_register_ki="KI-JTM/77/VII/2026", tanggal_panggilan_komisi="2026-07-20")
    case = drive.case(reg)
    assert case.status == "Sengketa di Komisi Informasi" and case.case_data["sengketa_atas_panggilan"] is True
    assert drive.open_tasks(reg) == ["Activity_CatatProsesKomisi"]
    assert {m.recipient for m in mails(drive, reg, "panggilan_komisi")}  # the Atasan and the head are told
    row = next(r for r in request_register(None, None) if r.nomor_pendaftaran == reg)
    assert row.status == "Sengketa di Komisi Informasi"
    record(drive, reg, tahap_komisi="hasil", jenis_hasil="dicabut")
    case = drive.case(reg)
    assert case.finished and case.case_data["status_sengketa"] == "Sengketa Dicabut"
    assert_replays(reg)


def test_no_summons_within_the_wait_closes_the_dispute_step(drive):
    reg = to_dispute_step(drive)
    drive.move_to(timer(drive, reg, "Timer_JangkaSengketa14HK")[0] + timedelta(seconds=1))
    drive.move_to(timer(drive, reg, "Timer_TungguPanggilanKomisi")[0] + timedelta(seconds=1))
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai" and drive.open_tasks(reg) == []
    assert_replays(reg)


def test_a_reminder_is_due_working_days_before_across_holidays():
    from app.domain.calendar import WorkingCalendar

    calendar = WorkingCalendar()
    # hearing on Tuesday 5 January 2027: two working days before skip New Year's Day and the weekend
    assert calendar.working_days_before(wib(2027, 1, 5), 2) == wib(2026, 12, 31, 0)
    assert calendar.working_days_before(parse_iso("2027-01-04"), 1) == wib(2026, 12, 31, 0)
    with pytest.raises(ValueError):
        calendar.working_days_before(wib(2027, 1, 5), 0)
