"""Every path of the information-request procedure, run through the services with time moved."""
from datetime import datetime, timedelta

import pytest
import time_machine

from app.domain.errors import Forbidden
from app.persistence.models import AuditEvent, Outbox, TimerJob, User, db
from app.services.people.accounts import create_user
from app.services.infrastructure.calendar import current_calendar
from app.services.records.registers import objection_register, wib_day

from tests.support import OBJECTION_REFUSED, REFUSAL, Driver, now, wib

START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB
TO_NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")


def test_request_gets_a_registration_number_and_receipt_at_once(drive):
    reg = drive.start()
    case = drive.case(reg)
    assert reg.startswith("PPID-2026-")
    assert case.status == "Diajukan"
    assert case.case_data["nomor_pendaftaran"] == reg
    assert drive.open_tasks(reg) == ["Activity_PeriksaKelengkapan"]
    receipt = db.session.scalar(db.select(Outbox).filter_by(instance_id=case.id, template="tanda_terima"))
    assert receipt.recipient == "pemohon@contoh.pasuruankab.go.id" and reg in receipt.subject


def test_granted_in_full(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE, "Activity_TerbitkanPemberitahuan")
    assert drive.case(reg).status == "Diterima Seluruhnya"
    drive.do(reg, "Activity_SerahkanInformasi")
    case = drive.case(reg)
    assert case.status == "Selesai" and not case.finished  # the objection right runs from the notice
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan"]
    drive.decline_objection(reg)
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai" and not case.late
    assert drive.open_tasks(reg) == [] and drive.timers(reg) == {}


def test_granted_in_part_then_no_objection(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="diterima_sebagian",
             bagian_dihitamkan="NIK penerima", jangka_waktu_pengecualian="selamanya",
             dasar_penolakan=["h"], uji_konsekuensi="Data pribadi")
    assert drive.case(reg).status == "Diterima Sebagian"
    drive.do(reg, "Activity_SerahkanInformasi")
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan"]
    drive.do(reg, "Activity_AjukanKeberatan", ajukan_keberatan="tidak")
    assert drive.case(reg).finished and drive.case(reg).status == "Selesai"


def test_not_held(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE[:2])
    drive.do(reg, "Activity_JawabPermohonan", informasi_dikuasai="tidak", usulan_keputusan="tidak_dikuasai")
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="tidak_dikuasai", badan_publik_lain="BPS Kab. Pasuruan")
    assert drive.case(reg).status == "Informasi Tidak Dikuasai"
    drive.decline_objection(reg)
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai"


def test_incomplete_then_completed_goes_back_to_the_check(drive):
    reg = drive.start()
    drive.do(reg, "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="KTP buram")
    assert drive.case(reg).status == "Perlu Dilengkapi"
    assert drive.open_tasks(reg) == ["Activity_LengkapiPermohonan"]
    drive.do(reg, "Activity_LengkapiPermohonan")
    assert drive.open_tasks(reg) == ["Activity_PeriksaKelengkapan"]
    assert drive.case(reg).case_data["rincian_informasi"] == "Daftar penerima beasiswa 2025 per kecamatan"


def test_incomplete_and_lapsed(drive):
    reg = drive.start()
    drive.do(reg, "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="KTP buram")
    due = drive.timers(reg)["Timer_BatasMelengkapi3HK"]
    assert due == wib(2026, 3, 5, 23, 59) + timedelta(seconds=59)  # Mon + 3 working days = Thursday
    drive.move_to(due - timedelta(minutes=1))
    assert drive.open_tasks(reg) == ["Activity_LengkapiPermohonan"]
    drive.move_to(due + timedelta(seconds=1))
    case = drive.case(reg)
    assert case.finished and case.status == "Gugur"  # lapsed, not withdrawn
    assert drive.open_tasks(reg) == [] and drive.timers(reg) == {}


def test_refused_then_objection_granted(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    assert drive.case(reg).status == "Ditolak"
    drive.do(reg, "Activity_AjukanKeberatan")
    data = drive.case(reg).case_data
    assert data["status_keberatan"] == "Keberatan Diajukan" and data["nomor_keberatan"].startswith("KEB-2026-")
    drive.do(reg, "Activity_PutuskanKeberatan", batas_hari_kerja_tindak_lanjut=3)
    data = drive.case(reg).case_data
    assert data["status_keberatan"] == "Dikabulkan"
    decided = datetime.fromisoformat(data["tanggal_putusan_keberatan"])
    assert datetime.fromisoformat(data["batas_tindak_lanjut_keberatan"]) == current_calendar().add_working_days(decided, 3)
    row = next(r for r in objection_register() if r.nomor_keberatan == data["nomor_keberatan"])
    assert row.tindak_lanjut == data["tindak_lanjut_keberatan"]
    assert row.batas_pelaksanaan == wib_day(data["batas_tindak_lanjut_keberatan"])
    drive.do(reg, "Activity_LaksanakanPutusan")
    assert drive.case(reg).finished and drive.case(reg).status == "Selesai"


def test_refused_objection_rejected_dispute_recorded(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    drive.do(reg, "Activity_AjukanKeberatan")
    drive.do(reg, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
    assert drive.case(reg).case_data["status_keberatan"] == "Ditolak"
    assert drive.open_tasks(reg) == ["Activity_AjukanSengketa"]
    drive.do(reg, "Activity_AjukanSengketa")
    case = drive.case(reg)
    assert not case.finished and case.case_data["status_sengketa"] == "Sengketa Diajukan"
    assert drive.open_tasks(reg) == ["Activity_CatatProsesKomisi"]
    assert case.case_data["nomor_register_ki"] == "KI-JTM/123/V/2026"


def test_objection_not_decided_in_30_working_days_opens_the_dispute(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    drive.do(reg, "Activity_AjukanKeberatan")
    filed = now()
    due = drive.timers(reg)["Timer_BatasPutusan30HK"]
    assert due == current_calendar().add_working_days(filed, 30)
    drive.move_to(due + timedelta(seconds=1))
    case = drive.case(reg)
    assert case.case_data["keberatan_tidak_ditanggapi"] is True
    # the dispute opens; the decision can still be recorded (tests/services/test_late_duty.py)
    assert drive.open_tasks(reg) == ["Activity_AjukanSengketa", "Activity_PutuskanKeberatan"]
    # the 14 days count from the day the 30-day limit lapsed (the timer's own time), not from the sweep
    assert drive.timers(reg)["Timer_JangkaSengketa14HK"] == current_calendar().add_working_days(due, 14)


def test_opd_silent_escalates_at_4_then_overdue_at_10_then_objection_late(drive):
    reg = drive.start()
    drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
    due = drive.timers(reg)
    assert due["Timer_Target4HK"] == wib(2026, 3, 6, 23, 59) + timedelta(seconds=59)   # Mon + 4 HK = Friday
    assert due["Timer_Batas10HK"] == wib(2026, 3, 16, 23, 59) + timedelta(seconds=59)  # + 10 HK, weekends skipped
    drive.move_to(due["Timer_Target4HK"] + timedelta(seconds=1))
    case = drive.case(reg)
    assert case.late and case.status == "Diproses"
    assert drive.open_tasks(reg) == ["Activity_JawabPermohonan"]
    head_mail = db.session.scalar(db.select(Outbox).filter_by(instance_id=case.id, template="target_terlewati"))
    assert head_mail.recipient == "kepala@contoh.pasuruankab.go.id"
    drive.move_to(due["Timer_Batas10HK"] + timedelta(seconds=1))
    case = drive.case(reg)
    assert case.status == "Melewati Batas Waktu" and case.case_data["alasan_keberatan"] == ["g"]
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan", "Activity_JawabPermohonan"]  # the duty survives
    drive.do(reg, "Activity_AjukanKeberatan", alasan_keberatan=["g"], uraian_keberatan="Tidak dijawab")
    assert drive.case(reg).case_data["status_keberatan"] == "Keberatan Diajukan"


def test_extension_moves_the_limit_to_17_working_days(drive):
    reg = drive.start()
    received = now()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="perpanjang", alasan_perpanjangan="Data di arsip")
    assert drive.case(reg).status == "Diperpanjang"
    due = drive.timers(reg)
    assert "Timer_Batas10HK" not in due
    assert due["Timer_Batas17HK"] == current_calendar().add_working_days(received, 17)
    drive.move_to(wib(2026, 3, 16, 23, 59) + timedelta(minutes=5))  # past the 10-day limit: nothing happens
    assert drive.case(reg).status == "Diperpanjang"
    drive.walk(reg, "Activity_LengkapiJawabanPerpanjangan", "Activity_TerbitkanPemberitahuanAkhir",
               "Activity_SerahkanInformasi")
    drive.decline_objection(reg)
    assert drive.case(reg).finished and drive.case(reg).status == "Selesai"


def test_extension_lapsing_at_17_days_opens_the_objection(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="perpanjang", alasan_perpanjangan="Data di arsip")
    drive.move_to(drive.timers(reg)["Timer_Batas17HK"] + timedelta(seconds=1))
    assert drive.case(reg).status == "Melewati Batas Waktu"
    assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan", "Activity_LengkapiJawabanPerpanjangan"]


def test_weekend_and_national_holiday_move_the_due_dates(app):
    # Monday 16 March 2026: Nyepi (19 Mar), Idul Fitri (21-22 Mar) and cuti bersama (18, 20, 23, 24 Mar)
    with time_machine.travel(wib(2026, 3, 16), tick=False) as traveller:
        drive = Driver(traveller)
        reg = drive.start()
        drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
        due = drive.timers(reg)
        assert due["Timer_Target4HK"] == wib(2026, 3, 27, 23, 59) + timedelta(seconds=59)
        assert due["Timer_Batas10HK"] == wib(2026, 4, 7, 23, 59) + timedelta(seconds=59)
        assert drive.task(reg, "Activity_JawabPermohonan").due_at == due["Timer_Target4HK"]
        assert drive.task(reg, "Activity_JawabPermohonan").deadline_at == due["Timer_Batas10HK"]


def test_cuti_bersama_as_working_day_is_a_setting(app):
    from app.persistence.models import Setting

    db.session.add(Setting(key="cuti_bersama_hari_kerja", value="1"))
    db.session.commit()
    with time_machine.travel(wib(2026, 3, 16), tick=False) as traveller:
        drive = Driver(traveller)
        reg = drive.start()
        drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
        assert drive.timers(reg)["Timer_Target4HK"] == wib(2026, 3, 23, 23, 59) + timedelta(seconds=59)


def test_the_person_who_refused_may_not_decide_the_objection(drive):
    user = create_user("ganda", "Petugas Ganda", "sandi-rahasia-1", now(), ["diskominfo", "atasan_ppid"])
    db.session.commit()
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", username="ganda", **REFUSAL)
    drive.do(reg, "Activity_AjukanKeberatan")
    with pytest.raises(Forbidden):
        drive.do(reg, "Activity_PutuskanKeberatan", username="ganda")
    drive.do(reg, "Activity_PutuskanKeberatan", username="atasan")
    assert user.id and drive.case(reg).case_data["status_keberatan"] == "Dikabulkan"


def test_every_step_is_in_the_audit_log(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE, "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi")
    events = list(db.session.scalars(db.select(AuditEvent).filter_by(instance_id=drive.case(reg).id)
                                     .order_by(AuditEvent.seq)))
    assert [e.event_type for e in events] == ["case_started"] + ["task_completed"] * 6
    assert [e.task_spec_id for e in events[1:]] == [
        "Activity_AjukanPermohonan", *TO_NOTICE, "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi"]
    actors = {e.task_spec_id: e.actor_name for e in events}
    assert actors["Activity_JawabPermohonan"] == db.session.scalar(db.select(User.full_name).filter_by(username="opd"))


def test_the_receipt_and_the_extension_letter_state_their_dates(drive):
    """The receipt gives the day the notice is due (10 working days) and the service card's promise
    (4 working days) as dates; the extension letter gives the new limit (17 working days): each the
    same day as the timer that enforces it."""
    from app.domain.timeutil import format_tanggal
    from app.services.views.case_documents import notice_document, receipt_document
    from tests.support import actor
    from tests.web.test_portal import pdf_text

    def timer_day(reg: str, spec_id: str) -> str:
        due = db.session.scalar(db.select(TimerJob.due_at).where(
            TimerJob.instance_id == drive.case(reg).id, TimerJob.spec_id == spec_id))
        return format_tanggal(due)

    reg = drive.start()
    receipt = " ".join(pdf_text(receipt_document(actor("pemohon"), reg, "http://ppid")).split())
    assert f"paling lambat {timer_day(reg, 'Timer_Batas10HK')}" in receipt
    assert f"4 hari kerja, yaitu {timer_day(reg, 'Timer_Target4HK')}" in receipt
    assert "Senin, 16 Maret 2026" in receipt  # Monday 2 March + 10 working days, counted by hand
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="perpanjang", alasan_perpanjangan="Data di arsip")
    letter = " ".join(pdf_text(notice_document(actor("pemohon"), reg)).split())
    assert "DIPERPANJANG" in letter and timer_day(reg, "Timer_Batas17HK") in letter
