"""A case running on the model from before issue 13 (where the 10-day limit ended the service) moves to
the current model and replays clean: the duty to answer survives the limit for it too.

tests/engine/fixtures/permohonan_informasi_sebelum_isu13.bpmn is processes/permohonan_informasi.bpmn as
it was at e98e01e, before the limits became non-interrupting. The case moves while it waits for its dispatch:
one already at the OPD's answer stays on its version, since the answers of a round now run in their own
subprocess (tests/services/test_migrate_to_opd_rounds.py).
"""
from datetime import timedelta
from pathlib import Path

import time_machine

from app.persistence.models import TimerJob, db
from app.services.modelling.processes import (import_process, latest_version, load_definition_file, migrate_cases,
                                    store_definition)
from app.services.records.replay import replay_case

from tests.support import PROCESS, REFUSAL, Driver, actor, now, wib

ROOT = Path(__file__).resolve().parents[2]
OLD_MODEL = ROOT / "tests" / "engine" / "fixtures" / "permohonan_informasi_sebelum_isu13.bpmn"
CURRENT_MODEL = ROOT / "processes" / "permohonan_informasi.bpmn"


def test_a_case_of_the_old_model_moves_and_keeps_the_duty_to_answer(owner):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        # deployed as it was then (the scenario tests beside today's model describe today's model)
        old = store_definition(load_definition_file(OLD_MODEL), actor("pemilik"), now(), note="model sebelum isu 13")
        db.session.commit()
        assert latest_version(PROCESS).id == old.id
        reg = drive.start()
        drive.do(reg, "Activity_PeriksaKelengkapan")
        assert drive.case(reg).version_id == old.id and drive.open_tasks(reg) == ["Activity_TeruskanKeOPD"]
        traveller.move_to(wib(2026, 3, 4))
        new = import_process(actor("pemilik"), CURRENT_MODEL.read_bytes(), now(), note="isu 13").version
        outcome, = migrate_cases(actor("pemilik"), [reg], new.id, now())
        assert outcome.moved, outcome.reasons
        assert drive.case(reg).version_id == new.id
        drive.do(reg, "Activity_TeruskanKeOPD")

        limit = db.session.scalar(db.select(TimerJob.due_at).filter_by(instance_id=drive.case(reg).id,
                                                                       spec_id="Timer_Batas10HK"))
        drive.move_to(limit + timedelta(minutes=1))
        case = drive.case(reg)
        assert case.status == "Melewati Batas Waktu" and not case.finished
        assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan", "Activity_JawabPermohonan"]
        drive.do(reg, "Activity_JawabPermohonan")
        drive.do(reg, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        assert drive.open_tasks(reg) == ["Activity_AjukanKeberatan"]  # the objection already open covers it
        drive.decline_objection(reg)
        case = drive.case(reg)
        assert case.finished and case.status == "Selesai"
    report = replay_case(reg)
    assert report.ok, [str(m) for m in report.mismatches]
