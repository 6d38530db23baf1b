"""A request sent on again after its OPD handed it back ("bukan kewenangan") while other OPDs answered beside it:
each round of answers is waited for on its own. The join of the several OPDs' answers must not count an earlier
round's answers, or the dispatch would come back (and the notice be written) without the new main OPD's answer and
every round would leave another open "Jawab permohonan". Nor may an earlier round's answer come back over the new
one at the join, a dispatch with no other OPD ticked ask the earlier round's others again, or an other OPD's item
route the steps after the round (the extension's "Lengkapi jawaban") to that OPD."""
import pytest
import time_machine

from app.persistence.models import AuditEvent, HumanTask, db
from app.services.people.accounts import create_user
from app.services.records.replay import replay_case
from app.services.casework.tasks import TaskFilters, complete_task, get_task, list_tasks

from tests.support import Driver, actor, now, wib

START = wib(2026, 6, 1)
HANDED_BACK = {"informasi_dikuasai": "tidak", "usulan_keputusan": "bukan_kewenangan",
               "jawaban_opd": "Data ini dikelola OPD lain"}
#: officer of each OPD (DISDIK's is the demo account "opd")
OFFICER = {"DISDIK": "opd", "DINKES": "ppid_dinkes", "DINSOS": "ppid_dinsos"}


@pytest.fixture
def drive(app):
    with time_machine.travel(START, tick=False) as traveller:
        for code in ("DINKES", "DINSOS"):
            create_user(f"ppid_{code.lower()}", f"PPID Pelaksana {code}", "x" * 12, now(), ["opd"], opd_codes=[code])
        db.session.commit()
        yield Driver(traveller)


def open_rows(reg):
    db.session.expire_all()
    return sorted((r.spec_id, r.opd_code) for r in db.session.scalars(db.select(HumanTask).filter(
        HumanTask.registration_number == reg)))


def other_answer(reg, opd):
    task = next(t for t in list_tasks(actor(OFFICER[opd]), now(), TaskFilters()).rows
                if t.registration_number == reg and t.spec_id == "Activity_JawabOPDLain")
    complete_task(actor(OFFICER[opd]), task.task_id, {"informasi_dikuasai_opd_lain": "ya",
                                                       "jawaban_opd_lain": f"Bagian {opd} terlampir"}, now())


def main_answer(drive, reg, opd, **data):
    drive.do(reg, "Activity_JawabPermohonan", OFFICER[opd], **data)


def completions(drive, reg, spec_id):
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter(
        AuditEvent.instance_id == drive.case(reg).id, AuditEvent.task_spec_id == spec_id,
        AuditEvent.event_type == "task_completed"))


def hand_back_first_round(drive, reg):
    """Round 1: DISDIK with DINKES beside it; DINKES answers, DISDIK hands the case back."""
    drive.do(reg, "Activity_PeriksaKelengkapan")
    drive.do(reg, "Activity_TeruskanKeOPD", opd="DISDIK", opd_tambahan=["DINKES"])
    assert open_rows(reg) == [("Activity_JawabOPDLain", "DINKES"), ("Activity_JawabPermohonan", "DISDIK")]
    other_answer(reg, "DINKES")
    assert open_rows(reg) == [("Activity_JawabPermohonan", "DISDIK")]
    main_answer(drive, reg, "DISDIK", **HANDED_BACK)
    assert open_rows(reg) == [("Activity_TeruskanKeOPD", "DISDIK")]


@pytest.mark.parametrize("main", ["DINSOS", "DISDIK"])
@pytest.mark.parametrize("other_first", [True, False], ids=["other-opd-first", "main-opd-first"])
def test_the_second_round_waits_for_the_new_main_answer_and_the_other_opds(drive, main, other_first):
    reg = drive.start()
    hand_back_first_round(drive, reg)

    drive.do(reg, "Activity_TeruskanKeOPD", opd=main, opd_tambahan=["DINKES"])
    assert open_rows(reg) == [("Activity_JawabOPDLain", "DINKES"), ("Activity_JawabPermohonan", main)]
    if other_first:
        other_answer(reg, "DINKES")
        # the case still waits for the main OPD's answer, and only for it
        assert open_rows(reg) == [("Activity_JawabPermohonan", main)]
        main_answer(drive, reg, main)
    else:
        main_answer(drive, reg, main)
        assert open_rows(reg) == [("Activity_JawabOPDLain", "DINKES")]  # the notice waits for DINKES
        other_answer(reg, "DINKES")
    assert open_rows(reg) == [("Activity_TerbitkanPemberitahuan", main)]
    case = drive.case(reg)
    assert case.opd_code == main and case.case_data["usulan_keputusan"] == "diterima_seluruhnya"
    assert [a["opd_penjawab"] for a in case.case_data["jawaban_opd_tambahan"]] == ["DINKES"]  # this round's only

    drive.do(reg, "Activity_TerbitkanPemberitahuan")
    assert "Activity_TerbitkanPemberitahuan" not in [s for s, _ in open_rows(reg)]
    assert completions(drive, reg, "Activity_TerbitkanPemberitahuan") == 1
    assert completions(drive, reg, "Activity_JawabPermohonan") == 2
    report = replay_case(reg)
    assert report.ok, [str(m) for m in report.mismatches]


def test_the_second_round_without_other_opds_waits_for_the_main_answer_only(drive):
    reg = drive.start()
    hand_back_first_round(drive, reg)

    # the dispatch starts with no other OPD ticked (a form sends no empty choice: none ticked must mean none)
    assert not get_task(actor("petugas"), drive.task(reg, "Activity_TeruskanKeOPD").task_id).form_values.get(
        "opd_tambahan")
    drive.do(reg, "Activity_TeruskanKeOPD", opd="DINSOS")
    assert open_rows(reg) == [("Activity_JawabPermohonan", "DINSOS")]
    main_answer(drive, reg, "DINSOS")
    assert open_rows(reg) == [("Activity_TerbitkanPemberitahuan", "DINSOS")]
    assert drive.case(reg).case_data["jawaban_opd_tambahan"] == []
    drive.do(reg, "Activity_TerbitkanPemberitahuan")
    assert completions(drive, reg, "Activity_TerbitkanPemberitahuan") == 1
    report = replay_case(reg)
    assert report.ok, [str(m) for m in report.mismatches]


def test_three_rounds_leave_one_open_answer_each_time(drive):
    reg = drive.start()
    hand_back_first_round(drive, reg)
    drive.do(reg, "Activity_TeruskanKeOPD", opd="DINSOS", opd_tambahan=["DINKES"])
    other_answer(reg, "DINKES")
    assert open_rows(reg) == [("Activity_JawabPermohonan", "DINSOS")]
    main_answer(drive, reg, "DINSOS", **HANDED_BACK)
    assert open_rows(reg) == [("Activity_TeruskanKeOPD", "DINSOS")]

    drive.do(reg, "Activity_TeruskanKeOPD", opd="DISDIK", opd_tambahan=["DINKES"])
    other_answer(reg, "DINKES")
    assert open_rows(reg) == [("Activity_JawabPermohonan", "DISDIK")]
    main_answer(drive, reg, "DISDIK")
    assert open_rows(reg) == [("Activity_TerbitkanPemberitahuan", "DISDIK")]
    assert completions(drive, reg, "Activity_JawabPermohonan") == 3
    report = replay_case(reg)
    assert report.ok, [str(m) for m in report.mismatches]


def test_the_extension_goes_back_to_the_main_opd_after_other_opds_answered(drive):
    """The other OPDs' round ends with them: the main OPD completes its answer during an extension."""
    reg = drive.start()
    drive.do(reg, "Activity_PeriksaKelengkapan")
    drive.do(reg, "Activity_TeruskanKeOPD", opd="DISDIK", opd_tambahan=["DINKES"])
    other_answer(reg, "DINKES")
    main_answer(drive, reg, "DISDIK")
    assert open_rows(reg) == [("Activity_TerbitkanPemberitahuan", "DISDIK")]
    drive.do(reg, "Activity_TerbitkanPemberitahuan", keputusan="perpanjang", alasan_perpanjangan="Data di arsip")
    assert open_rows(reg) == [("Activity_LengkapiJawabanPerpanjangan", "DISDIK")]
    assert [t.spec_id for t in list_tasks(actor("opd"), now(), TaskFilters()).rows
            if t.registration_number == reg] == ["Activity_LengkapiJawabanPerpanjangan"]
