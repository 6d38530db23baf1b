"""Requests at the counter, by phone and by letter (issue 13, item 7; item 11's paper objection).

UU 14/2008 art. 22(1),(3): unwritten requests are recorded by the office. A Diskominfo officer enters the request on
the applicant's behalf (KTP scan, no e-mail needed), the receipt is printed at once, the register shows the channel,
a later step of the applicant (completion, an objection on paper) is recorded the same way, and the applicant can
claim the case online with the registration number and the NIK.
"""
import json

import pytest

from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, db
from app.services.people.accounts import TooManyAttempts, create_user
from app.services.casework.attachments import Upload
from app.services.casework.cases import start_case
from app.services.casework.counter import claim_case
from app.services.views.case_documents import receipt_document
from app.services.records.registers import request_register
from app.services.records.replay import replay_case
from app.services.casework.tasks import complete_task, list_tasks, TaskFilters
from app.bench.workload import KTP_PDF

from tests.support import PROCESS, REFUSAL, REQUEST, actor, now, pdf_text, wib

START = wib(2026, 6, 1, 10)  # Monday 1 June 2026
KTP = {"lampiran_identitas": Upload("ktp.pdf", KTP_PDF)}
#: what the officer types from the applicant's KTP and words: no e-mail address
AT_COUNTER = {k: v for k, v in REQUEST.items() if k not in ("email", "lampiran_identitas")}


def counter_request(channel="loket", **changes) -> str:
    return start_case(actor("petugas"), PROCESS, {**AT_COUNTER, **changes}, now(), KTP,
                      on_behalf=channel).registration_number


def case(reg) -> ProcessInstance:
    db.session.expire_all()
    return db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=reg))


def test_an_officer_records_a_counter_request_and_prints_its_receipt(drive):
    reg = counter_request()
    instance = case(reg)
    assert instance.applicant_id is None and instance.applicant_name == REQUEST["nama_lengkap"]
    assert instance.case_data["kanal_permohonan"] == "loket" and "email" not in instance.case_data
    assert drive.open_tasks(reg) == ["Activity_PeriksaKelengkapan"]
    started = db.session.scalar(db.select(AuditEvent).filter_by(instance_id=instance.id, event_type="case_started"))
    assert json.loads(started.payload)["atas_nama_pemohon"] is True and json.loads(started.payload)["kanal"] == "loket"
    assert started.actor_name.startswith("Budi Santoso")
    # the receipt is printed at once: number and the concrete date the notice is due
    text = pdf_text(receipt_document(actor("petugas"), reg))
    assert reg in text and "Senin, 15 Juni 2026" in text
    row = next(r for r in request_register() if r.nomor_pendaftaran == reg)
    assert row.kanal == "Datang langsung (loket)" and row.kontak == REQUEST["telepon"]
    assert replay_case(reg).ok


def test_the_channel_is_never_what_was_typed(drive):
    online = start_case(actor("pemohon"), PROCESS, {**REQUEST, "kanal_permohonan": "surat"}, now()).registration_number
    assert case(online).case_data["kanal_permohonan"] == "daring"
    by_letter = counter_request("surat", kanal_permohonan="daring")
    assert case(by_letter).case_data["kanal_permohonan"] == "surat"
    rows = {r.nomor_pendaftaran: r.kanal for r in request_register()}
    assert rows == {online: "Daring (situs/aplikasi)", by_letter: "Surat / faksimili"}


def test_only_an_officer_records_on_an_applicants_behalf_and_online_requests_still_need_an_e_mail(drive):
    with pytest.raises(Forbidden):
        start_case(actor("pemohon"), PROCESS, AT_COUNTER, now(), KTP, on_behalf="loket")
    with pytest.raises(Forbidden):
        start_case(actor("opd"), PROCESS, AT_COUNTER, now(), KTP, on_behalf="loket")
    with pytest.raises(ValidationFailed) as unknown:
        start_case(actor("petugas"), PROCESS, AT_COUNTER, now(), KTP, on_behalf="daring")
    assert "kanal" in unknown.value.errors
    with pytest.raises(ValidationFailed) as no_mail:
        start_case(actor("pemohon"), PROCESS, {**REQUEST, "email": ""}, now())
    assert "email" in no_mail.value.errors
    with pytest.raises(ValidationFailed) as no_ktp:  # the card: the applicant comes with the KTP
        start_case(actor("petugas"), PROCESS, AT_COUNTER, now(), on_behalf="loket")
    assert "lampiran_identitas" in no_ktp.value.errors
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)) == 0


def test_a_request_by_proxy_carries_the_power_of_attorney(drive):
    with pytest.raises(ValidationFailed) as missing:
        counter_request(melalui_kuasa=True)
    assert set(missing.value.errors) == {"nama_kuasa_permohonan", "lampiran_kuasa"}
    reg = start_case(actor("petugas"), PROCESS, {**AT_COUNTER, "melalui_kuasa": True, "nama_kuasa_permohonan": "Ahmad"},
                     now(), {**KTP, "lampiran_kuasa": Upload("kuasa.pdf", KTP_PDF)}, on_behalf="loket").registration_number
    assert case(reg).case_data["lampiran_kuasa"].startswith("lampiran:")


def test_a_legal_entity_gives_its_deed_and_its_representatives_ktp_and_claims_with_the_deed_number(drive):
    with pytest.raises(ValidationFailed) as missing:
        counter_request(jenis_pemohon="badan_hukum", nik="")
    assert set(missing.value.errors) == {"nomor_akta", "lampiran_kuasa"}
    with pytest.raises(ValidationFailed) as no_ktp:
        start_case(actor("petugas"), PROCESS, {**AT_COUNTER, "jenis_pemohon": "badan_hukum", "nik": "",
                                                "nomor_akta": "AHU-0012345.AH.01.04"},
                   now(), {"lampiran_kuasa": Upload("akta.pdf", KTP_PDF)}, on_behalf="surat")
    assert set(no_ktp.value.errors) == {"lampiran_identitas"}  # the representative's KTP
    reg = start_case(actor("petugas"), PROCESS, {**AT_COUNTER, "jenis_pemohon": "badan_hukum", "nik": "",
                                                  "nomor_akta": "AHU-0012345.AH.01.04"},
                     now(), {**KTP, "lampiran_kuasa": Upload("akta.pdf", KTP_PDF)}, on_behalf="surat").registration_number
    assert claim_case(actor("pemohon"), reg, "AHU-0012345.AH.01.04", now()) == reg


def test_the_applicants_later_steps_are_recorded_on_their_behalf_and_audited(drive):
    reg = counter_request("telepon")
    drive.do(reg, "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="Rincian kurang jelas")
    row = drive.task(reg, "Activity_LengkapiPermohonan")
    assert row.applicant_id is None
    with pytest.raises(Forbidden):  # not without saying it is on the applicant's behalf
        drive.do(reg, "Activity_LengkapiPermohonan", "petugas")
    with pytest.raises(Forbidden):
        drive.do(reg, "Activity_LengkapiPermohonan", "opd", on_behalf="telepon")
    drive.do(reg, "Activity_LengkapiPermohonan", "petugas", on_behalf="telepon")
    drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
    drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
    # the objection arrives on paper (item 11)
    drive.do(reg, "Activity_AjukanKeberatan", "petugas", on_behalf="surat")
    instance = case(reg)
    assert instance.case_data["status_keberatan"] == "Keberatan Diajukan"
    events = db.session.scalars(db.select(AuditEvent).filter_by(instance_id=instance.id, event_type="task_completed")
                                .order_by(AuditEvent.seq)).all()
    payloads = [(e.task_spec_id, json.loads(e.payload)) for e in events]
    on_behalf = [(spec, p.get("kanal")) for spec, p in payloads if p.get("atas_nama_pemohon")]
    assert on_behalf == [("Activity_LengkapiPermohonan", "telepon"), ("Activity_AjukanKeberatan", "surat")]
    assert replay_case(reg).ok


def test_the_applicant_claims_the_case_with_its_number_and_nik(drive):
    reg = counter_request()
    drive.do(reg, "Activity_PeriksaKelengkapan", kelengkapan="tidak_lengkap", catatan_kelengkapan="Rincian kurang jelas")
    siti = create_user("siti", "Siti Aminah", "x" * 12, now(), ["pemohon"], email="siti@contoh.id")
    db.session.commit()
    with pytest.raises(NotFound):
        claim_case(actor("siti"), reg, "3514000000000000", now())
    number = claim_case(actor("siti"), reg.lower(), " " + REQUEST["nik"] + " ", now())
    assert number == reg and case(reg).applicant_id == siti.id
    # the open step of the applicant is now on their own list
    rows = list_tasks(actor("siti"), now(), TaskFilters()).rows
    assert [r.spec_id for r in rows] == ["Activity_LengkapiPermohonan"]
    claimed = db.session.scalar(db.select(AuditEvent).filter_by(instance_id=case(reg).id, event_type="case_claimed"))
    assert claimed.actor_name == "Siti Aminah"
    # a case already claimed cannot be claimed again, not even with the right NIK
    with pytest.raises(NotFound):
        claim_case(actor("pemohon"), reg, REQUEST["nik"], now())
    assert replay_case(reg).ok


def test_claims_are_rate_limited(drive):
    reg = counter_request()
    for _ in range(5):
        with pytest.raises(NotFound):
            claim_case(actor("pemohon"), reg, "3514000000000000", now())
    with pytest.raises(TooManyAttempts):
        claim_case(actor("pemohon"), reg, REQUEST["nik"], now())
    assert case(reg).applicant_id is None
