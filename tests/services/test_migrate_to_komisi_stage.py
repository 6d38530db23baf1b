"""Cases running on the model that landed before the Komisi stage (stop 21, tests/engine/fixtures/
permohonan_informasi_stop21.bpmn) move to the model that brought it and replay clean: a case waiting for its OPD's
answer goes on through the new join of several OPDs, and a case in its dispute step enters the Komisi stage.

That model (1f65f05) is kept as tests/engine/fixtures/permohonan_informasi_sebelum_putaran_opd.bpmn: the current
one runs each round of OPD answers in its own subprocess, and a case that has reached the OPDs' answers stays on
its version (tests/services/test_migrate_to_opd_rounds.py). Both are deployed as they were: an import today runs
the scenario tests beside today's model and the simulation that found the loop bug of 1f65f05."""
from pathlib import Path

import time_machine

from app.persistence.models import db
from app.services.modelling.processes import latest_version, load_definition_file, migrate_cases, store_definition
from app.services.records.replay import replay_case

from tests.support import OBJECTION_REFUSED, PROCESS, REFUSAL, Driver, actor, now, wib

ROOT = Path(__file__).resolve().parents[2]
OLD_MODEL = ROOT / "tests" / "engine" / "fixtures" / "permohonan_informasi_stop21.bpmn"
KOMISI_MODEL = ROOT / "tests" / "engine" / "fixtures" / "permohonan_informasi_sebelum_putaran_opd.bpmn"


def deploy(path, note):
    version = store_definition(load_definition_file(path), actor("pemilik"), now(), note=note)
    db.session.commit()
    return version


def test_running_cases_of_the_previous_model_move_and_go_on(owner):
    with time_machine.travel(wib(2026, 3, 2), tick=False) as traveller:
        drive = Driver(traveller)
        old = deploy(OLD_MODEL, "model stop 21")
        assert latest_version(PROCESS).id == old.id
        answering = drive.start()
        drive.walk(answering, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
        disputing = drive.start()
        drive.walk(disputing, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan")
        drive.do(disputing, "Activity_TerbitkanPemberitahuan", **REFUSAL)
        drive.do(disputing, "Activity_AjukanKeberatan")
        drive.do(disputing, "Activity_PutuskanKeberatan", **OBJECTION_REFUSED)
        assert drive.open_tasks(disputing) == ["Activity_AjukanSengketa"]
        traveller.move_to(wib(2026, 3, 4))
        new = deploy(KOMISI_MODEL, "tahap Komisi")
        outcomes = migrate_cases(actor("pemilik"), [answering, disputing], new.id, now())
        assert all(o.moved for o in outcomes), [o.reasons for o in outcomes]
        drive.do(answering, "Activity_JawabPermohonan")
        assert drive.open_tasks(answering) == ["Activity_TerbitkanPemberitahuan"]
        drive.do(disputing, "Activity_AjukanSengketa")
        assert drive.open_tasks(disputing) == ["Activity_CatatProsesKomisi"]
        drive.do(disputing, "Activity_CatatProsesKomisi", tahap_komisi="hasil", jenis_hasil="dicabut")
        assert drive.case(disputing).finished
    for reg in (answering, disputing):
        report = replay_case(reg)
        assert report.ok, [str(m) for m in report.mismatches]
