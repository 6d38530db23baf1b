"""Several OPDs answer one request (issue 13, item 6): Diskominfo names the OPD that holds the information and the
other OPDs that hold parts of it; each answers its own task at the same time, each OPD sees only its own task, and the
written notice comes once all have answered, with their answers in the case file."""
import pytest
import time_machine

from app.domain.errors import Forbidden
from app.persistence.models import HumanTask, User, db
from app.services.people.accounts import create_user
from app.services.records.replay import replay_case
from app.services.casework.tasks import TaskFilters, complete_task, list_tasks

from tests.support import Driver, actor, now, wib

START = wib(2026, 6, 1)


@pytest.fixture
def drive(app):
    with time_machine.travel(START, tick=False) as traveller:
        for code in ("DINKES", "DINSOS"):
            create_user(f"ppid_{code.lower()}", f"PPID Pelaksana {code}", "x" * 12, now(), ["opd"], opd_codes=[code])
        db.session.commit()
        yield Driver(traveller)


def rows(reg):
    db.session.expire_all()
    return sorted((r.spec_id, r.opd_code) for r in db.session.scalars(db.select(HumanTask).filter(
        HumanTask.registration_number == reg)))


def other_answer(reg, username, dikuasai="ya", text="Data kecamatan terlampir"):
    task = next(t for t in list_tasks(actor(username), now(), TaskFilters()).rows
                if t.registration_number == reg and t.spec_id == "Activity_JawabOPDLain")
    return complete_task(actor(username), task.task_id, {"informasi_dikuasai_opd_lain": dikuasai,
                                                         "jawaban_opd_lain": text}, now())


def test_two_other_opds_answer_beside_the_main_one_and_the_notice_waits_for_all(drive):
    reg = drive.start()
    drive.do(reg, "Activity_PeriksaKelengkapan")
    # the main OPD named among the others is asked once only
    drive.do(reg, "Activity_TeruskanKeOPD", opd="DISDIK", opd_tambahan=["DINKES", "DISDIK", "DINSOS"])
    assert rows(reg) == [("Activity_JawabOPDLain", "DINKES"), ("Activity_JawabOPDLain", "DINSOS"),
                         ("Activity_JawabPermohonan", "DISDIK")]
    case = drive.case(reg)
    assert case.opd_code == "DISDIK" and case.case_data["opd_tambahan"] == ["DINKES", "DINSOS"]
    # each OPD's officer sees only its own task
    mine = [(t.spec_id, t.opd_code) for t in list_tasks(actor("ppid_dinkes"), now(), TaskFilters()).rows]
    assert mine == [("Activity_JawabOPDLain", "DINKES")]
    dinsos_task = next(r for r in db.session.scalars(db.select(HumanTask).filter_by(opd_code="DINSOS")))
    with pytest.raises(Forbidden):
        complete_task(actor("ppid_dinkes"), dinsos_task.task_id, {"informasi_dikuasai_opd_lain": "ya",
                                                                    "jawaban_opd_lain": "x"}, now())
    drive.do(reg, "Activity_JawabPermohonan")
    other_answer(reg, "ppid_dinkes")
    assert [s for s, _ in rows(reg)] == ["Activity_JawabOPDLain"]  # the notice waits for DINSOS
    other_answer(reg, "ppid_dinsos", "tidak", "Tidak ada data di Dinsos")
    assert [s for s, _ in rows(reg)] == ["Activity_TerbitkanPemberitahuan"]
    answers = drive.case(reg).case_data["jawaban_opd_tambahan"]
    assert [(a["opd_penjawab"], a["informasi_dikuasai_opd_lain"]) for a in answers] == [("DINKES", "ya"),
                                                                                           ("DINSOS", "tidak")]
    assert drive.case(reg).opd_code == "DISDIK"  # the case stays with the OPD that holds the information
    drive.do(reg, "Activity_TerbitkanPemberitahuan")
    report = replay_case(reg)
    assert report.ok, [str(m) for m in report.mismatches]


def test_one_opd_as_before(drive):
    reg = drive.start()
    drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
    assert rows(reg) == [("Activity_JawabPermohonan", "DISDIK")]
    assert drive.case(reg).case_data["opd_tambahan"] == []
    drive.do(reg, "Activity_JawabPermohonan")
    assert [s for s, _ in rows(reg)] == ["Activity_TerbitkanPemberitahuan"]
    assert replay_case(reg).ok


def test_the_other_opds_officer_reads_the_case_but_not_the_applicants_nik(drive, client):
    from app.services.casework.cases import get_case

    reg = drive.start()
    drive.do(reg, "Activity_PeriksaKelengkapan")
    drive.do(reg, "Activity_TeruskanKeOPD", opd="DISDIK", opd_tambahan=["DINKES"])
    view = get_case(actor("ppid_dinkes"), reg)
    assert view.data.get("rincian_informasi") and view.data.get("nik") != "3514012301900001"
    with pytest.raises(Exception):
        get_case(actor("ppid_dinsos"), reg)


def test_the_dispatch_page_offers_other_opds_as_checkboxes(drive, client):
    from tests.support import sign_in

    reg = drive.start()
    drive.do(reg, "Activity_PeriksaKelengkapan")
    task = drive.task(reg, "Activity_TeruskanKeOPD").task_id
    db.session.remove()
    sign_in(client, "petugas")
    html = client.get(f"/tugas/{task}").get_data(as_text=True)
    assert 'type="checkbox"' in html and 'name="opd_tambahan" value="DINSOS"' in html
    # an OPD nobody works for is not offered (RSUD Bangil has no officer)
    assert 'name="opd_tambahan" value="RSUD-BANGIL"' not in html
    response = client.post(f"/tugas/{task}", data={"_nomor_pendaftaran": reg, "opd": "DISDIK",
                                                   "opd_tambahan": ["DINKES", "DINSOS"]})
    assert response.status_code == 302
    assert rows(reg) == [("Activity_JawabOPDLain", "DINKES"), ("Activity_JawabOPDLain", "DINSOS"),
                         ("Activity_JawabPermohonan", "DISDIK")]
