"""A case waiting at a task that the new version guards with a boundary event (a timer or a message it did not
have) cannot move: the engine would look for the boundary split the case never passed and the next step would fail.
The model before issue 13 (tests/engine/fixtures/permohonan_informasi_sebelum_isu13.bpmn) had no timer on
"Periksa kelengkapan permohonan"; the current model has one. Such a case is refused with the step named, stays on
its version and goes on there; a case not yet at such a step moves."""
from pathlib import Path

import time_machine

from app.persistence.models import db
from app.services.modelling.processes import import_process, latest_version, load_definition_file, migrate_cases, store_definition

from tests.support import PROCESS, Driver, actor, now, wib

ROOT = Path(__file__).resolve().parents[2]
OLD_MODEL = ROOT / "tests" / "engine" / "fixtures" / "permohonan_informasi_sebelum_isu13.bpmn"
CURRENT_MODEL = ROOT / "processes" / "permohonan_informasi.bpmn"


def test_a_case_at_a_task_that_gains_a_boundary_event_stays_and_goes_on(owner):
    with time_machine.travel(wib(2026, 6, 1), tick=False) as traveller:
        drive = Driver(traveller)
        old = store_definition(load_definition_file(OLD_MODEL), actor("pemilik"), now(), note="sebelum isu 13")
        db.session.commit()
        assert latest_version(PROCESS).id == old.id
        checking = drive.start()
        assert drive.open_tasks(checking) == ["Activity_PeriksaKelengkapan"]

        traveller.move_to(wib(2026, 6, 2))
        new = import_process(actor("pemilik"), CURRENT_MODEL.read_bytes(), now(), note="sekarang").version
        [outcome] = migrate_cases(actor("pemilik"), [checking], new.id, now())
        assert not outcome.moved
        assert any("'Periksa kelengkapan permohonan'" in r and "peristiwa batas" in r for r in outcome.reasons), \
            outcome.reasons
        assert drive.case(checking).version_id == old.id

        drive.do(checking, "Activity_PeriksaKelengkapan")  # goes on on its own version
        assert drive.open_tasks(checking) == ["Activity_TeruskanKeOPD"]
