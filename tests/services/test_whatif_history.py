"""What-if on past cases read from the real history: cases driven through the services, then a draft run on them.

Three requests are answered in January 2026: one received on Monday 29 December 2025 (before the period
chosen), one on Monday 5 January (notice on its 3rd working day) and one on Monday 19 January (notice on its 5th
working day: Wednesday 21 January is a regional day off the admin added, so Tuesday 27 January). A fourth,
received on 26 January, is still running. The draft moves the service target from 4 to 6 working days.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import time_machine

from app.domain.errors import Forbidden
from app.domain.timeutil import wib_date
from app.engine import ImportRefused
from app.services.infrastructure.calendar import current_calendar, set_calendar_day
from app.services.modelling.whatif import what_if

from tests.process_edits import set_service_target
from tests.support import Driver, actor, now, wib

ROOT = Path(__file__).resolve().parents[2]
BPMN = (ROOT / "processes" / "permohonan_informasi.bpmn").read_bytes()


def answer(drive: Driver, received, notice_day: int) -> str:
    """A request received at `received`, checked and dispatched at once, answered by the OPD on its notice's day
    at 10:00 and noticed at 14:00; delivered and the objection let go the next morning."""
    def day(n, hour):
        d = wib_date(current_calendar().add_working_days(received, n))
        return wib(d.year, d.month, d.day, hour)

    drive.move_to(received)
    reg = drive.start()
    drive.walk(reg, "Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD")
    drive.move_to(day(notice_day, 10))
    drive.walk(reg, "Activity_JawabPermohonan")
    drive.move_to(day(notice_day, 14))
    drive.walk(reg, "Activity_TerbitkanPemberitahuan")
    drive.move_to(day(notice_day + 1, 10))
    drive.walk(reg, "Activity_SerahkanInformasi")
    drive.decline_objection(reg)
    assert drive.case(reg).finished
    return reg


@pytest.fixture
def history(app):
    set_calendar_day(date(2026, 1, 21), "Hari libur daerah", True)
    with time_machine.travel(wib(2025, 12, 29), tick=False) as traveller:
        drive = Driver(traveller)
        numbers = [answer(drive, wib(2025, 12, 29), 2), answer(drive, wib(2026, 1, 5), 3),
                   answer(drive, wib(2026, 1, 19), 5)]
        drive.move_to(wib(2026, 1, 26))
        numbers.append(drive.start())  # still running: not among the finished cases
        drive.move_to(wib(2026, 2, 2))
        yield numbers


def test_a_draft_runs_on_the_finished_cases_of_the_period_with_the_offices_calendar(history):
    _before, first, second, _running = history

    report = what_if(actor("pemilik"), now(), set_service_target(BPMN, 6), since=date(2026, 1, 1))

    assert list(report.old_runs) == [first, second]
    assert [(r.days, r.met_target) for r in report.old_runs.values()] == [(3, True), (5, False)]
    assert [(r.days, r.met_target) for r in report.new_runs.values()] == [(3, True), (5, True)]
    assert (report.old.met_target, report.new.met_target, report.old.within_limit, report.new.within_limit) == \
        (1, 2, 2, 2)
    assert [c.number for c in report.changes] == [second]
    assert "jatuh tempo Rabu, 28 Januari 2026 23:59 WIB" in report.changes[0].why  # the 6th working day, 21 off
    assert report.history == "2 kasus selesai diterima Kamis, 1 Januari 2026 s.d. Senin, 2 Februari 2026 " \
                             "(paling banyak 200 yang terbaru)"
    assert report.old_label.startswith("versi ") and report.new_label.startswith("draf (")


def test_the_newest_cases_up_to_the_limit_and_who_may_run_it(history):
    newest = what_if(actor("pemilik"), now(), BPMN, limit=2)  # no period: the newest finished cases
    assert list(newest.old_runs) == history[1:3] and newest.changes == [] and newest.old == newest.new
    assert what_if(actor("pemilik"), now(), BPMN).old.met_target == 2  # and 29 December's, noticed on its 2nd day

    with pytest.raises(Forbidden):
        what_if(actor("petugas"), now(), BPMN)
    with pytest.raises(ImportRefused):
        what_if(actor("pemilik"), now(), b"<bukan bpmn")
