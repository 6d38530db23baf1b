"""A script that slipped past the import and runs past the sandbox's bounds at run time fails its step cleanly: the
request (or the timer sweep) returns at once, the case stays as it was and an incident names the step and the bound
(issue 15 item 3). The faults are injected into tests/incident_models.py after the import checks.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
import time_machine

from app.engine.sandbox import MAX_STEPS
from app.persistence.models import HumanTask, ProcessInstance, db
from app.services.casework import incidents
from app.services.casework.cases import start_case
from app.services.casework.incidents import IncidentRaised
from app.services.casework.tasks import complete_task
from app.services.casework.timers import fire_due_timers

from tests.incident_models import CHECK, PROCESS_ID, REQUEST, broken, deploy
from tests.support import Driver, actor, now, wib

START = wib(2026, 3, 2)  # Monday 2 March 2026, 09:00 WIB
STEPS = f"skrip melebihi batas langkah ({MAX_STEPS})"


@pytest.fixture
def travel(app):
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def case(reg: str) -> ProcessInstance:
    db.session.expire_all()
    return db.session.scalar(sa.select(ProcessInstance).filter_by(registration_number=reg))


def start() -> str:
    return start_case(actor("pemohon"), PROCESS_ID, REQUEST, now()).registration_number


@pytest.mark.parametrize("script, bound", [
    ("while True:\n    pass", STEPS),
    ("semua = [0] * 10**9", "skrip membuat nilai terlalu besar"),
    ("status = len([i for i in range(10**4) for j in range(10**4)])", STEPS),
])
def test_a_task_whose_next_script_runs_past_a_bound_is_an_incident_and_the_case_is_unchanged(travel, script, bound):
    deploy(broken("Activity_Tutup", script), note="skrip tanpa batas")
    reg = start()
    before = (case(reg).status, case(reg).lock_version)
    task = db.session.scalar(sa.select(HumanTask.task_id).filter_by(instance_id=case(reg).id,
                                                                    spec_id="Activity_Periksa"))

    with pytest.raises(IncidentRaised) as raised:
        complete_task(actor("petugas"), task, CHECK, now())

    assert raised.value.http_status == 503
    row = incidents.list_incidents()[0]
    assert (row.kind, row.registration_number, row.element_id, row.element_name) == \
        ("task", reg, "Activity_Tutup", "Tutup permohonan")
    assert row.error.startswith("BudgetExceeded") and bound in row.error
    assert (case(reg).status, case(reg).lock_version) == before and not case(reg).finished


def test_a_timer_whose_script_loops_forever_is_an_incident_and_the_sweep_goes_on_with_other_cases(travel):
    deploy(broken("Activity_Lewat", "while True:\n    pass"), note="skrip batas berulang")
    reg = start()
    other = Driver(travel).start()  # a request case of the real process: its 4-day target falls due as well
    travel.move_to(wib(2026, 3, 9))

    swept = fire_due_timers(now())

    assert swept.incidents == 1 and any(line.startswith(other) for line in swept.fired)
    [row] = incidents.list_incidents()
    assert (row.kind, row.registration_number, row.element_id) == ("timer", reg, "Activity_Lewat")
    assert STEPS in row.error
    assert not case(reg).finished
