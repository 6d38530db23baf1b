"""An applicant withdraws a request before the written notice (issue 13, item 7): recorded with its date and reason,
the open tasks and timers end (the model's "Permohonan dicabut" boundary event), and no withdrawal after the notice."""
import json

import pytest

from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.persistence.models import AuditEvent, Outbox, db
from app.services.casework.cases import start_case
from app.services.casework.attachments import Upload
from app.services.records.replay import replay_case
from app.services.casework.withdrawal import withdraw_request
from app.bench.workload import KTP_PDF

from tests.support import PROCESS, REFUSAL, REQUEST, actor, now, wib

START = wib(2026, 6, 1)
TO_NOTICE = ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")


def test_the_applicant_withdraws_while_the_opd_answers(drive):
    reg = drive.start()
    drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
    assert drive.open_tasks(reg) == ["Activity_JawabPermohonan"] and drive.timers(reg)
    with pytest.raises(ValidationFailed) as empty:
        withdraw_request(actor("pemohon"), reg, "  ", now())
    assert "alasan_pencabutan" in empty.value.errors
    with pytest.raises(Forbidden):  # not someone else's case, not an officer without saying on whose behalf
        withdraw_request(actor("petugas"), reg, "Tidak perlu lagi", now())
    drive.traveller.move_to(wib(2026, 6, 3, 14))
    status = withdraw_request(actor("pemohon"), reg, "Data sudah saya peroleh dari BPS", now())
    case = drive.case(reg)
    assert status == "Ditarik" and case.finished and case.status == "Ditarik"
    assert case.case_data["alasan_pencabutan"] == "Data sudah saya peroleh dari BPS"
    assert case.case_data["tanggal_pencabutan"] == wib(2026, 6, 3, 14).isoformat()
    assert drive.open_tasks(reg) == [] and drive.timers(reg) == {}
    sent = {m.template for m in db.session.scalars(db.select(Outbox).filter_by(instance_id=case.id))}
    assert {"permohonan_dicabut", "permohonan_dicabut_staf"} <= sent
    event = db.session.scalar(db.select(AuditEvent).filter_by(instance_id=case.id, event_type="message_received"))
    assert json.loads(event.payload)["message"] == "permohonan_dicabut"
    report = replay_case(reg)
    assert report.ok, [str(m) for m in report.mismatches]
    with pytest.raises(Conflict):  # once is enough
        withdraw_request(actor("pemohon"), reg, "Lagi", now())


def test_a_late_case_can_be_withdrawn_and_its_open_objection_ends_with_it(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE[:2])
    drive.move_to(wib(2026, 6, 20))  # past the 10 working days: late, the objection right opened
    assert "Activity_AjukanKeberatan" in drive.open_tasks(reg)
    withdraw_request(actor("pemohon"), reg, "Sudah tidak diperlukan", now())
    assert drive.case(reg).finished and drive.open_tasks(reg) == []
    assert replay_case(reg).ok


def test_no_withdrawal_after_the_written_notice(drive):
    reg = drive.start()
    drive.walk(reg, *TO_NOTICE)
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    with pytest.raises(Conflict) as late:
        withdraw_request(actor("pemohon"), reg, "Terlambat", now())
    assert "pemberitahuan tertulis sudah terbit" in late.value.message
    assert not drive.case(reg).finished


def test_an_officer_records_a_withdrawal_brought_to_the_counter(drive):
    data = {k: v for k, v in REQUEST.items() if k not in ("email", "lampiran_identitas")}
    reg = start_case(actor("petugas"), PROCESS, data, now(), {"lampiran_identitas": Upload("ktp.pdf", KTP_PDF)},
                     on_behalf="loket").registration_number
    with pytest.raises(Forbidden):
        withdraw_request(actor("opd"), reg, "Surat pencabutan", now(), on_behalf="surat")
    withdraw_request(actor("petugas"), reg, "Surat pencabutan tertanggal 1 Juni", now(), on_behalf="surat")
    case = drive.case(reg)
    assert case.status == "Ditarik"
    event = db.session.scalar(db.select(AuditEvent).filter_by(instance_id=case.id, event_type="message_received"))
    assert json.loads(event.payload)["kanal"] == "surat"
    assert replay_case(reg).ok
