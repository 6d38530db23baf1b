"""Running cases of the model before each round of OPD answers had its own subprocess "Jawaban OPD"
(tests/engine/fixtures/permohonan_informasi_sebelum_putaran_opd.bpmn, the model of 1f65f05) and the current model:
a case that has not reached the OPDs moves and goes round twice without a stray answer task; a case inside the
changed part (waiting at "Jawab permohonan") or past it is refused with the step named, stays on its version and
still ends there."""
import shutil
from pathlib import Path

import time_machine

from app.persistence.models import db
from app.services.people.accounts import create_user
from app.services.modelling.processes import (import_process, latest_version, load_definition_file, migrate_cases,
                                    store_definition)
from app.services.records.replay import replay_case
from app.services.casework.tasks import complete_task

from tests.support import PROCESS, Driver, actor, now, wib

ROOT = Path(__file__).resolve().parents[2]
OLD_MODEL = ROOT / "tests" / "engine" / "fixtures" / "permohonan_informasi_sebelum_putaran_opd.bpmn"
CURRENT_MODEL = ROOT / "processes" / "permohonan_informasi.bpmn"
HANDED_BACK = {"informasi_dikuasai": "tidak", "usulan_keputusan": "bukan_kewenangan", "jawaban_opd": "Bukan kami"}


def other_answer(drive, reg):
    row = drive.task(reg, "Activity_JawabOPDLain")
    complete_task(actor("ppid_dinkes"), row.task_id, {"informasi_dikuasai_opd_lain": "ya", "jawaban_opd_lain": "Ada"},
                  now())


def test_cases_before_the_opds_move_and_cases_at_them_stay(owner):
    # the scenario tests beside the model describe the current model; the old one predates them
    shutil.rmtree(owner.processes / "tests" / PROCESS, ignore_errors=True)
    with time_machine.travel(wib(2026, 6, 1), tick=False) as traveller:
        drive = Driver(traveller)
        create_user("ppid_dinkes", "PPID Pelaksana DINKES", "x" * 12, now(), ["opd"], opd_codes=["DINKES"])
        db.session.commit()
        # deployed as it was (an import today would refuse it: its simulation meets the bug this change fixes)
        old = store_definition(load_definition_file(OLD_MODEL), actor("pemilik"), now(), note="sebelum putaran OPD")
        db.session.commit()
        assert latest_version(PROCESS).id == old.id
        checking = drive.start()
        answering = drive.start()
        drive.do(answering, "Activity_PeriksaKelengkapan")
        drive.do(answering, "Activity_TeruskanKeOPD", opd_tambahan=["DINKES"])
        noticing = drive.start()
        drive.walk(noticing, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        assert drive.open_tasks(noticing) == ["Activity_TerbitkanPemberitahuan"]

        traveller.move_to(wib(2026, 6, 2))
        new = import_process(actor("pemilik"), CURRENT_MODEL.read_bytes(), now(), note="putaran OPD").version
        outcomes = {o.registration_number: o for o in migrate_cases(actor("pemilik"), [checking, answering, noticing],
                                                                    new.id, now())}
        assert outcomes[checking].moved, outcomes[checking].reasons
        assert drive.case(checking).version_id == new.id
        for reg, where in ((answering, "kasus sedang berada di 'Jawab permohonan'"),
                           (noticing, "kasus sudah melewati 'Jawab permohonan'")):
            assert not outcomes[reg].moved and drive.case(reg).version_id == old.id
            assert any(r.startswith(where) for r in outcomes[reg].reasons), outcomes[reg].reasons

        # the moved case goes round twice on the new version: one open answer, the notice after it
        drive.do(checking, "Activity_PeriksaKelengkapan")
        drive.do(checking, "Activity_TeruskanKeOPD", opd_tambahan=["DINKES"])
        other_answer(drive, checking)
        drive.do(checking, "Activity_JawabPermohonan", **HANDED_BACK)
        drive.do(checking, "Activity_TeruskanKeOPD", opd_tambahan=["DINKES"])
        other_answer(drive, checking)
        assert drive.open_tasks(checking) == ["Activity_JawabPermohonan"]
        drive.do(checking, "Activity_JawabPermohonan")
        assert drive.open_tasks(checking) == ["Activity_TerbitkanPemberitahuan"]

        # the cases that stayed go on on their own version
        other_answer(drive, answering)
        drive.do(answering, "Activity_JawabPermohonan")
        assert drive.open_tasks(answering) == ["Activity_TerbitkanPemberitahuan"]
        drive.do(noticing, "Activity_TerbitkanPemberitahuan")
        assert "Activity_TerbitkanPemberitahuan" not in drive.open_tasks(noticing)
    for reg in (checking, answering, noticing):
        report = replay_case(reg)
        assert report.ok, (reg, [str(m) for m in report.mismatches])
