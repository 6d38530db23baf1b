"""Every path of the complaint procedure (pengaduan layanan, SP4N-LAPOR!), run through the services
with time moved by time_machine: forwarding within 3 working days, follow-up within 5."""
import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner

from app.cli import main as ppid
from app.domain.errors import ValidationFailed
from app.persistence.models import AuditEvent, Outbox, db
from app.services.records import exports
from app.services.people.accounts import create_user
from app.services.infrastructure.calendar import current_calendar
from app.services.casework.cases import ANONYMOUS_NAME, get_case
from app.services.records.lapor import Complaint, LaporClient, ManualLaporExport, export_complaints
from app.services.casework.tasks import get_task, list_tasks

from tests.support import ComplaintDriver, Driver, actor, now, wib

START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB
END_OF_DAY = timedelta(hours=23 - 9, minutes=59, seconds=59)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def drive(app):
    with time_machine.travel(START, tick=False) as traveller:
        yield ComplaintDriver(traveller)


def mails(reg, drive, template=None):
    query = db.select(Outbox).filter_by(instance_id=drive.case(reg).id)
    if template:
        query = query.filter_by(template=template)
    return list(db.session.scalars(query.order_by(Outbox.id)))


def steps(reg, drive):
    out = []
    for event in db.session.scalars(db.select(AuditEvent).filter_by(instance_id=drive.case(reg).id)
                                    .order_by(AuditEvent.seq)):
        out += [s["id"] for s in json.loads(event.payload).get("steps", [])]
    return out


def export_rows(**kwargs) -> dict[str, dict]:
    return {row["Nomor pengaduan"]: row for row in csv.DictReader(io.StringIO(export_complaints(**kwargs)))}


# ----------------------------------------------------------------------------- receipt and the on-time path
def test_complaint_gets_a_number_status_deadline_and_receipt_at_once(drive):
    reg = drive.start()
    case = drive.case(reg)
    assert reg.startswith("ADU-2026-")
    assert case.process_id == "pengaduan_layanan" and case.status == "Diterima" and not case.late
    assert drive.open_tasks(reg) == ["Activity_TerimaPengaduan"]
    due = drive.timers(reg)["Timer_BatasPenerusan3HK"]
    assert due == wib(2026, 3, 5) + END_OF_DAY  # Monday + 3 working days = Thursday, end of the day
    assert case.case_data["batas_penerusan"] == due.isoformat()  # kept in the case for lists and exports
    assert case.case_data["tanggal_pengaduan"] == START.isoformat()
    receipt = mails(reg, drive, "pengaduan_diterima")
    assert [m.recipient for m in receipt] == ["pemohon@contoh.pasuruankab.go.id"]
    assert reg in receipt[0].subject and "3 hari kerja" in receipt[0].body


def test_on_time_path_forwarded_followed_up_answered(drive):
    reg = drive.start()
    drive.traveller.move_to(wib(2026, 3, 3))
    drive.do(reg, "Activity_TerimaPengaduan")
    case = drive.case(reg)
    assert case.status == "Diteruskan" and case.opd_code == "DISDIK"
    assert drive.open_tasks(reg) == ["Activity_TindakLanjutiPengaduan"]
    due = drive.timers(reg)
    assert set(due) == {"Timer_BatasTindakLanjut5HK"}  # the 3-day timer went with the forwarding
    assert due["Timer_BatasTindakLanjut5HK"] == wib(2026, 3, 10) + END_OF_DAY  # Tuesday + 5 working days
    assert [m.recipient for m in mails(reg, drive, "pengaduan_diteruskan")] == ["opd@contoh.pasuruankab.go.id"]
    drive.traveller.move_to(wib(2026, 3, 5))
    drive.do(reg, "Activity_TindakLanjutiPengaduan")
    assert drive.case(reg).status == "Ditindaklanjuti"
    assert drive.open_tasks(reg) == ["Activity_TutupPengaduan"] and drive.timers(reg) == {}
    drive.do(reg, "Activity_TutupPengaduan")
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai" and not case.late
    assert case.case_data["status_akhir"] == "selesai" and "terlambat" not in case.case_data
    assert drive.open_tasks(reg) == [] and drive.timers(reg) == {}
    answer = mails(reg, drive, "pengaduan_dijawab")
    assert [m.recipient for m in answer] == ["pemohon@contoh.pasuruankab.go.id"]
    assert "Permohonan Anda sudah dijawab." in answer[0].body and "Selesai ditindaklanjuti" in answer[0].body
    assert not [m for m in mails(reg, drive) if m.template.startswith("pengaduan_batas")]
    assert "EndEvent_PengaduanSelesai" in steps(reg, drive)
    # nothing fires later: the limits ended with their tasks
    assert drive.move_to(wib(2026, 4, 30)).timers == 0


# ----------------------------------------------------------------------------- the two limits
def test_not_forwarded_within_3_working_days_escalates_and_work_goes_on(drive):
    reg = drive.start()
    due = drive.timers(reg)["Timer_BatasPenerusan3HK"]
    drive.move_to(due - timedelta(minutes=1))
    assert not drive.case(reg).late and not mails(reg, drive, "pengaduan_batas_penerusan")
    drive.move_to(due + timedelta(seconds=1))
    case = drive.case(reg)
    assert case.late and case.case_data["terlambat"] is True and case.case_data["penerusan_terlambat"] is True
    assert case.status == "Diterima"  # non-interrupting: the complaint still waits to be forwarded
    assert drive.open_tasks(reg) == ["Activity_TerimaPengaduan"]
    head = mails(reg, drive, "pengaduan_batas_penerusan")
    assert [m.recipient for m in head] == ["kepala@contoh.pasuruankab.go.id"] and reg in head[0].subject
    assert drive.timers(reg) == {}
    # forwarded late, on Monday 9 March: the unit's 5 working days run from the forwarding
    drive.traveller.move_to(wib(2026, 3, 9, 10))
    drive.do(reg, "Activity_TerimaPengaduan")
    assert drive.timers(reg)["Timer_BatasTindakLanjut5HK"] == wib(2026, 3, 16) + END_OF_DAY
    drive.do(reg, "Activity_TindakLanjutiPengaduan")
    drive.do(reg, "Activity_TutupPengaduan")
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai" and case.late
    assert "tindak_lanjut_terlambat" not in case.case_data


def test_unit_silent_for_5_working_days_escalates_to_the_head(drive):
    reg = drive.start()
    drive.traveller.move_to(wib(2026, 3, 3, 14))
    drive.do(reg, "Activity_TerimaPengaduan")
    due = drive.timers(reg)["Timer_BatasTindakLanjut5HK"]
    assert due == current_calendar().add_working_days(wib(2026, 3, 3, 14), 5) == wib(2026, 3, 10) + END_OF_DAY
    assert drive.case(reg).case_data["batas_tindak_lanjut"].startswith("2026-03-10T16:59:59")
    drive.move_to(due - timedelta(minutes=1))
    assert not drive.case(reg).late
    drive.move_to(due + timedelta(seconds=1))
    case = drive.case(reg)
    assert case.late and case.case_data["tindak_lanjut_terlambat"] is True
    assert "penerusan_terlambat" not in case.case_data  # it was forwarded in time
    assert case.status == "Diteruskan" and drive.open_tasks(reg) == ["Activity_TindakLanjutiPengaduan"]
    head = mails(reg, drive, "pengaduan_batas_tindak_lanjut")
    assert [m.recipient for m in head] == ["kepala@contoh.pasuruankab.go.id"] and "DISDIK" in head[0].body
    # the unit still answers; the case stays marked late
    drive.do(reg, "Activity_TindakLanjutiPengaduan")
    drive.do(reg, "Activity_TutupPengaduan")
    assert drive.case(reg).finished and drive.case(reg).late


def test_cannot_be_followed_up(drive):
    reg = drive.start()
    drive.do(reg, "Activity_TerimaPengaduan", opd="DINKES")
    drive.do(reg, "Activity_TindakLanjutiPengaduan", hasil_tindak_lanjut="tidak_dapat",
             tindak_lanjut="Bukan kewenangan Dinas Kesehatan")
    drive.do(reg, "Activity_TutupPengaduan", status_akhir="tidak_dapat_ditindaklanjuti",
             jawaban_pengaduan="Pengaduan bukan kewenangan Pemerintah Kabupaten Pasuruan.")
    case = drive.case(reg)
    assert case.finished and case.status == "Selesai"
    assert case.case_data["status_akhir"] == "tidak_dapat_ditindaklanjuti"
    path = steps(reg, drive)
    assert "EndEvent_PengaduanTidakDapatDitindaklanjuti" in path and "EndEvent_PengaduanSelesai" not in path
    answer = mails(reg, drive, "pengaduan_dijawab")[0]
    assert "Tidak dapat ditindaklanjuti" in answer.body and "bukan kewenangan" in answer.body


def test_the_unit_of_another_opd_does_not_see_the_task(drive):
    reg = drive.start()
    create_user("opd_dpmptsp", "Petugas DPMPTSP", "x" * 12, now(), ["opd"], opd_codes=["DPMPTSP"])
    db.session.commit()  # complaints, too, go only to a unit with an officer
    drive.do(reg, "Activity_TerimaPengaduan", opd="DPMPTSP")
    assert drive.case(reg).opd_code == "DPMPTSP"
    assert reg not in {r.registration_number for r in list_tasks(actor("opd"), now()).rows}


# ----------------------------------------------------------------------------- anonymity
IDENTITY = {"nama_lengkap": "Rahmat Hidayat", "email": "rahmat.hidayat@contoh.id", "telepon": "081399887766"}
SECRETS = ("Rahmat Hidayat", "rahmat.hidayat@contoh.id", "081399887766",
           "Siti Aminah", "pemohon@contoh.pasuruankab.go.id")  # the form's identity and the account's


def _leaks(value) -> list[str]:
    text = repr(value)
    return [s for s in SECRETS if s in text]


def test_anonymous_complaint_hides_the_identity_from_staff_but_not_from_the_complainant(drive):
    reg = drive.start(anonim=True, uraian_pengaduan="Saya, Rahmat Hidayat, menunggu jawaban sejak Januari.",
                      **IDENTITY)
    assert drive.case(reg).applicant_name == ANONYMOUS_NAME
    drive.do(reg, "Activity_TerimaPengaduan", sumber_pengaduan="sp4n_lapor", nomor_lapor="LAP-2026-0042")

    own = get_case(actor("pemohon"), reg)
    assert own.data["nama_lengkap"] == "Rahmat Hidayat" and own.data["email"] == "rahmat.hidayat@contoh.id"
    assert own.data["telepon"] == "081399887766"

    for username in ("petugas", "opd", "kepala", "auditor", "atasan"):
        view = get_case(actor(username), reg)
        assert view.data["nama_lengkap"] == "(dirahasiakan)" and view.data["email"] == "(dirahasiakan)"
        assert view.data["anonim"] is True and view.data["nomor_lapor"] == "LAP-2026-0042"
        assert view.applicant_name == ANONYMOUS_NAME
        assert not _leaks(view), f"{username} sees {_leaks(view)}"
        assert any(e.actor_name == ANONYMOUS_NAME for e in view.history)

    worklist = list_tasks(actor("opd"), now()).rows
    row = next(r for r in worklist if r.registration_number == reg)
    assert row.applicant_name == ANONYMOUS_NAME
    task = get_task(actor("opd"), row.task_id)
    assert not _leaks(task.case_data) and task.case_data["uraian_pengaduan"]

    lapor = export_rows()[reg]
    assert not _leaks(lapor) and "(dirahasiakan)" in lapor["Uraian"]
    staff_mail = [m for m in mails(reg, drive) if m.recipient != "pemohon@contoh.pasuruankab.go.id"]
    assert staff_mail and not any(_leaks(m.body + m.subject) for m in staff_mail)
    # the complainant still gets the mail
    assert [m.recipient for m in mails(reg, drive, "pengaduan_diterima")] == ["pemohon@contoh.pasuruankab.go.id"]


def test_anonymous_complainant_not_named_in_the_event_log(drive):  # the event log (XES and CSV) names no applicant
    reg = drive.start(anonim=True, **IDENTITY)
    drive.do(reg, "Activity_TerimaPengaduan")
    assert reg in exports.csv_text() and not _leaks(exports.csv_text()) and not _leaks(exports.xes_bytes().decode())


def test_named_complaint_shows_the_identity_to_staff(drive):
    reg = drive.start(**IDENTITY)
    view = get_case(actor("petugas"), reg)
    assert view.data["nama_lengkap"] == "Rahmat Hidayat" and view.data["email"] == "rahmat.hidayat@contoh.id"
    assert view.applicant_name == "Rahmat Hidayat"


def test_request_personal_data_still_masked_for_auditors(drive):
    """The request form's NIK and KTP scan ("x-personal") stay masked for who does not work the case."""
    reg = Driver(drive.traveller).start()
    view = get_case(actor("auditor"), reg)
    assert view.data["nik"] == "3514********0001" and view.data["lampiran_identitas"] == "(disembunyikan)"
    assert view.data["nama_lengkap"] == "Siti Aminah"  # not anonymous: the name is no personal secret here
    assert get_case(actor("petugas"), reg).data["nik"] == "3514012301900001"


# ----------------------------------------------------------------------------- links: request number, LAPOR!
def test_complaint_tied_to_a_registration_number(drive):
    request = Driver(drive.traveller).start()
    assert request.startswith("PPID-2026-")
    reg = drive.start(nomor_pendaftaran_terkait=request)
    assert get_case(actor("petugas"), reg).data["nomor_pendaftaran_terkait"] == request
    with pytest.raises(ValidationFailed) as err:
        drive.start(nomor_pendaftaran_terkait="ADU-2026-00001")
    assert "nomor_pendaftaran_terkait" in err.value.errors


def test_lapor_id_recorded_shown_and_exported(drive):
    reg = drive.start(kategori_pengaduan="pelayanan_petugas", uraian_pengaduan="Petugas loket tidak ramah.")
    with pytest.raises(ValidationFailed) as err:  # from SP4N-LAPOR!: its tracking ID is required
        drive.do(reg, "Activity_TerimaPengaduan", sumber_pengaduan="sp4n_lapor")
    assert "nomor_lapor" in err.value.errors
    with pytest.raises(ValidationFailed):
        drive.do(reg, "Activity_TerimaPengaduan", sumber_pengaduan="sp4n_lapor", nomor_lapor="lap 1")
    drive.do(reg, "Activity_TerimaPengaduan", sumber_pengaduan="sp4n_lapor", nomor_lapor="LAP-2026-000123")
    assert get_case(actor("petugas"), reg).data["nomor_lapor"] == "LAP-2026-000123"
    assert get_case(actor("pemohon"), reg).data["nomor_lapor"] == "LAP-2026-000123"

    row = export_rows()[reg]
    assert row["Nomor LAPOR!"] == "LAP-2026-000123" and row["Status"] == "Diteruskan"
    assert row["Kategori"] == "Pelayanan petugas" and row["Uraian"] == "Petugas loket tidak ramah."
    assert row["Unit tujuan"] == "Dinas Pendidikan"
    assert row["Tanggal (WIB)"] == "2026-03-02 09:00"
    assert row["Batas penerusan (WIB)"] == "2026-03-05 23:59" and row["Batas tindak lanjut (WIB)"] == "2026-03-09 23:59"
    assert row["Terlambat"] == "tidak"

    drive.do(reg, "Activity_TindakLanjutiPengaduan")
    drive.do(reg, "Activity_TutupPengaduan")  # no nomor_lapor: the recorded one stays
    assert drive.case(reg).case_data["nomor_lapor"] == "LAP-2026-000123"
    assert reg not in export_rows() and export_rows(include_finished=True)[reg]["Status"] == "Selesai"


def test_lapor_id_recorded_when_closing(drive):
    reg = drive.start()
    drive.walk(reg, "Activity_TerimaPengaduan", "Activity_TindakLanjutiPengaduan")
    assert export_rows()[reg]["Nomor LAPOR!"] == ""
    drive.do(reg, "Activity_TutupPengaduan", nomor_lapor="7788991")
    assert drive.case(reg).case_data["nomor_lapor"] == "7788991"
    assert export_rows(include_finished=True)[reg]["Nomor LAPOR!"] == "7788991"


def test_lapor_export_command_writes_the_csv(drive, tmp_path):
    reg = drive.start()
    drive.do(reg, "Activity_TerimaPengaduan", sumber_pengaduan="sp4n_lapor", nomor_lapor="LAP-77")
    db.session.commit()
    db.session.remove()
    out = tmp_path / "lapor.csv"
    result = CliRunner().invoke(ppid, ["lapor", "export", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0 and "1 complaint(s)" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [(r["Nomor pengaduan"], r["Nomor LAPOR!"]) for r in rows] == [(reg, "LAP-77")]


def test_the_lapor_boundary_is_one_module_without_network_calls():
    manual = ManualLaporExport()
    client: LaporClient = manual  # the protocol is satisfied structurally
    complaint = Complaint("ADU-2026-00001", None, "Lainnya", "x", "", "", "Diterima", None, None, False, False)
    assert client.submit(complaint) == "" and client.status("LAP-1") is None
    assert manual.csv().splitlines()[0].startswith("Nomor pengaduan,Tanggal (WIB),Kategori,Uraian,Unit tujuan")
    source = (ROOT / "app" / "services" / "records" / "lapor.py").read_text(encoding="utf-8")
    for module in ("socket", "urllib", "http", "requests", "httpx", "smtplib"):
        assert f"import {module}" not in source and f"from {module}" not in source
