"""Working time: weekends and holidays do not count, and a duration laid again lands where the calendar says."""
from datetime import datetime, timedelta, timezone

from hypothesis import example, given, settings, strategies as st

from app.domain.calendar import WorkingCalendar
from app.domain.timeutil import WIB
from app.domain.working_time import add_working_time, in_working_days, working_time_between

CALENDAR = WorkingCalendar()
HOUR = timedelta(hours=1)


def wib(month, day, hour=0, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=WIB).astimezone(timezone.utc)


def test_a_weekend_does_not_count():
    assert working_time_between(CALENDAR, wib(1, 9, 15), wib(1, 12, 10)) == 19 * HOUR  # Friday 15:00 to Monday 10:00
    assert add_working_time(CALENDAR, wib(1, 7, 15), 19 * HOUR) == wib(1, 8, 10)  # from Wednesday: Thursday 10:00


def test_a_holiday_does_not_count_and_a_day_off_start_waits_for_the_next_working_day():
    # Thursday 15 January 2026 12:00 to Monday 19 January 12:00: Friday 16 is Isra Mi'raj
    assert working_time_between(CALENDAR, wib(1, 15, 12), wib(1, 19, 12)) == 24 * HOUR
    assert in_working_days(working_time_between(CALENDAR, wib(1, 15, 12), wib(1, 19, 12))) == 1.0
    assert add_working_time(CALENDAR, wib(1, 10, 9), 2 * HOUR) == wib(1, 12, 2)  # a Saturday: Monday 02:00
    assert add_working_time(CALENDAR, wib(1, 10, 9), timedelta(0)) == wib(1, 10, 9)
    assert working_time_between(CALENDAR, wib(1, 12), wib(1, 9)) == timedelta(0)


@settings(max_examples=60, deadline=None)
@given(start=st.integers(0, 60 * 24 * 60), minutes=st.integers(0, 30 * 24 * 60))
@example(start=0, minutes=24 * 60)  # New Year's Day (a holiday) to the first instant of the next working day
def test_laying_the_working_time_of_an_interval_from_its_start_ends_it_on_the_same_working_day(start, minutes):
    begin = wib(1, 1) + timedelta(minutes=start)
    end = begin + timedelta(minutes=minutes)
    spent = working_time_between(CALENDAR, begin, end)
    landed = add_working_time(CALENDAR, begin, spent)
    assert landed <= end
    # landed where the interval ends, in working time: nothing of it is left between the two (a zero
    # duration laid from a day off stays where it starts, which is the same working moment)
    assert working_time_between(CALENDAR, landed, end) == timedelta(0)
    assert working_time_between(CALENDAR, begin, landed) == spent
    # (landed == end does not hold at the edges: Saturday 00:00 and Monday 00:00 are the same working moment)
