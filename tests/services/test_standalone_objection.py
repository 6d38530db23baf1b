"""A standalone objection for periodic information not published (issue 13, item 3; UU 14/2008 art. 35(1)(b)):
no request comes first. The Atasan PPID decides within 30 working days; a granted objection is carried out by its
date; a refused or unanswered one opens the dispute step; the objection register and the annual report count it."""
import pytest

from app.bench.workload import KTP_PDF
from app.domain.errors import ValidationFailed
from app.persistence.models import Outbox, TimerJob, db
from app.services.casework.attachments import Upload
from app.services.infrastructure.calendar import current_calendar
from app.services.casework.cases import start_case
from app.services.records.registers import objection_register
from app.services.records.replay import replay_case
from app.services.records.reports import annual_report

from tests.support import OBJECTION_REFUSED, actor, now, wib

PROCESS = "keberatan_informasi_berkala"
START = wib(2026, 6, 1, 10)
OBJECTION = {"nama_lengkap": "Siti Aminah", "nik": "3514012301900001", "alamat": "Jl. Raya Bangil 12",
             "telepon": "081234567890", "email": "siti@contoh.id",
             "informasi_berkala": "Laporan realisasi anggaran 2025 Dinas Pendidikan tidak ada di situs web",
             "uraian_keberatan": "Informasi berkala wajib diumumkan setiap tahun (Pasal 9)."}
KTP = {"lampiran_identitas": Upload("ktp.pdf", KTP_PDF)}


def start(**changes) -> str:
    return start_case(actor("pemohon"), PROCESS, {**OBJECTION, **changes}, now(), KTP).registration_number


def test_a_granted_standalone_objection_is_carried_out(drive):
    with pytest.raises(ValidationFailed) as missing:
        start_case(actor("pemohon"), PROCESS, {**OBJECTION, "informasi_berkala": ""}, now(), KTP)
    assert "informasi_berkala" in missing.value.errors
    reg = start()
    case = drive.case(reg)
    assert reg.startswith("KIB-") and case.case_data["nomor_keberatan"].startswith("KEB-")
    assert case.case_data["alasan_keberatan"] == ["b"] and case.status == "Keberatan Diajukan"
    assert drive.open_tasks(reg) == ["Activity_PutuskanKeberatan"]
    assert db.session.scalar(db.select(Outbox.template).filter_by(instance_id=case.id)) == "keberatan_diterima"
    drive.do(reg, "Activity_PutuskanKeberatan", tindak_lanjut_keberatan="Umumkan laporan realisasi anggaran 2025",
             batas_hari_kerja_tindak_lanjut=5)
    assert drive.open_tasks(reg) == ["Activity_LaksanakanPutusan"]
    drive.do(reg, "Activity_LaksanakanPutusan")
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai"
    row = next(r for r in objection_register() if r.nomor_keberatan == case.case_data["nomor_keberatan"])
    assert row.alasan_keberatan.startswith("Pasal 35 ayat (1) huruf b") and row.keputusan
    total = annual_report(2026).total
    assert (total.objections_received, total.objections_granted, total.received) == (1, 1, 0)
    assert replay_case(reg).ok


def test_an_unanswered_standalone_objection_opens_the_dispute_and_the_decision_can_still_come(drive):
    reg = start()
    due = db.session.scalar(db.select(TimerJob.due_at).filter_by(instance_id=drive.case(reg).id,
                                                                 spec_id="Timer_BatasPutusan30HK"))
    assert due == current_calendar().add_working_days(START, 30)
    drive.move_to(due)
    drive.move_to(wib(2026, 7, 20))
    case = drive.case(reg)
    assert case.case_data["status_keberatan"] == "Tidak Ditanggapi"
    assert drive.open_tasks(reg) == ["Activity_AjukanSengketa", "Activity_PutuskanKeberatan"]
    drive.do(reg, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
    assert drive.open_tasks(reg) == ["Activity_AjukanSengketa"]  # one dispute step, not two
    drive.do(reg, "Activity_AjukanSengketa")
    case = drive.case(reg)
    assert case.finished and case.status == "Sengketa di Komisi Informasi"
    assert annual_report(2026).total.objections_unanswered == 0  # decided late: it counts as refused
    assert replay_case(reg).ok


def test_the_portal_offers_the_standalone_objection(drive, client):
    from tests.support import sign_in

    sign_in(client, "pemohon")
    html = client.get("/permohonan").get_data(as_text=True)
    assert "/ajukan/keberatan_informasi_berkala" in html
    page = client.get("/ajukan/keberatan_informasi_berkala").get_data(as_text=True)
    assert "Informasi berkala yang tidak diumumkan" in page
