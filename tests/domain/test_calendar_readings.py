"""The two readings of the legal clock the texts leave open (docs/LEGAL_CLOCK.md), each a setting, each tested both
ways: cuti bersama as days off (default) or working days, and a request after office hours counting from its own
day (default) or from the next working day."""
from datetime import time

import pytest
import time_machine

from app.domain.calendar import WorkingCalendar
from app.persistence.models import TimerJob, db
from app.services.people import admin
from app.services.infrastructure.calendar import current_calendar, set_cuti_bersama_working
from tests.support import Driver, actor, now, wib


def test_cuti_bersama_both_ways():
    # Idul Fitri 2027: Nyepi on Monday 8 March, Idul Fitri 10-11 March, cuti bersama 9, 12 and 15 March
    off = WorkingCalendar()
    working = WorkingCalendar(cuti_bersama_is_working_day=True)
    start = wib(2027, 3, 5, 10)  # Friday
    assert not off.is_working_day(wib(2027, 3, 12)) and working.is_working_day(wib(2027, 3, 12))
    assert off.add_working_days(start, 1) == wib(2027, 3, 16, 23, 59).replace(second=59)
    assert working.add_working_days(start, 1) == wib(2027, 3, 9, 23, 59).replace(second=59)
    assert off.add_working_days(start, 3) == wib(2027, 3, 18, 23, 59).replace(second=59)
    assert working.add_working_days(start, 3) == wib(2027, 3, 15, 23, 59).replace(second=59)


def test_after_office_hours_both_ways():
    default = WorkingCalendar()
    closing = WorkingCalendar(closing_time=time(16, 0))
    before, after = wib(2026, 12, 7, 15, 59), wib(2026, 12, 7, 16, 0)  # Monday
    # default: the day of receipt counts whatever the hour: 10 working days end on Monday 21 December
    assert default.add_working_days(before, 10) == default.add_working_days(after, 10) == wib(2026, 12, 21, 23, 59).replace(second=59)
    # with a closing time: from 16:00 the request is received on Tuesday, so one working day later
    assert closing.add_working_days(before, 10) == wib(2026, 12, 21, 23, 59).replace(second=59)
    assert closing.add_working_days(after, 10) == wib(2026, 12, 22, 23, 59).replace(second=59)
    # a Friday evening request counts from Monday: due on the 10th working day after Monday
    friday = wib(2026, 12, 11, 20)
    assert closing.add_working_days(friday, 1) == wib(2026, 12, 15, 23, 59).replace(second=59)
    assert default.add_working_days(friday, 1) == wib(2026, 12, 14, 23, 59).replace(second=59)
    # weekends and holidays count from the next working day under both readings
    saturday = wib(2026, 12, 12, 20)
    assert closing.add_working_days(saturday, 1) == default.add_working_days(saturday, 1)


def test_the_admin_setting_moves_new_limits_only(app):
    with pytest.raises(Exception):
        admin.set_closing_time(actor("petugas"), "16:00")
    with pytest.raises(Exception) as bad:
        admin.set_closing_time(actor("admin"), "jam empat")
    assert "JJ:MM" in str(bad.value.errors)
    with time_machine.travel(wib(2026, 12, 7, 16, 30), tick=False) as traveller:
        drive = Driver(traveller)
        first = drive.start()
        admin.set_closing_time(actor("admin"), "16:00")
        assert admin.closing_time() == "16:00" and current_calendar().closing_time == time(16, 0)
        second = drive.start(rincian_informasi="Data lain")
        due = {reg: db.session.scalar(db.select(TimerJob.due_at).filter_by(instance_id=drive.case(reg).id,
                                                                        spec_id="Timer_Batas10HK"))
               for reg in (first, second)}
        # the first request's limit was computed before the setting and never moves; the second counts from Tuesday
        assert due[first] == wib(2026, 12, 21, 23, 59).replace(second=59)
        assert due[second] == wib(2026, 12, 22, 23, 59).replace(second=59)
        admin.set_closing_time(actor("admin"), "")
        assert current_calendar().closing_time is None
        set_cuti_bersama_working(True)
        assert current_calendar().cuti_bersama_is_working_day
