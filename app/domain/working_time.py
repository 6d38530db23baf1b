"""Working time: how long a step took counted on working days only, and that time laid again from another moment.

A task opened on Friday at 15:00 WIB and done on Monday at 10:00 took 19 hours of working time (9 on Friday,
10 on Monday; the weekend does not count). Laid from Wednesday 15:00 it ends on Thursday 10:00. Working days are
those of the calendar given (`app.domain.calendar.WorkingCalendar`): whole WIB days, not office hours, so a
working day is 24 hours of working time. The what-if on past cases (app.engine.whatif) re-applies recorded
durations this way on a new model.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from app.domain.timeutil import start_of_day_wib, wib_date

DAY = timedelta(days=1)
#: a calendar with no working day in ten years is a bad admin edit, not a long wait
_MAX_SCAN_DAYS = 3660


class _Days(Protocol):
    def is_working_day(self, d: date | datetime) -> bool: ...


def working_time_between(calendar: _Days, start: datetime, end: datetime) -> timedelta:
    """The part of [start, end] that falls on working days (zero when end is not after start)."""
    if end <= start:
        return timedelta(0)
    total = timedelta(0)
    day = wib_date(start)
    while True:
        day_start = start_of_day_wib(day)
        if day_start >= end:
            return total
        if calendar.is_working_day(day):
            total += min(end, day_start + DAY) - max(start, day_start)
        day += DAY


def add_working_time(calendar: _Days, start: datetime, duration: timedelta) -> datetime:
    """The moment `duration` of working time after `start` (non-working days are skipped; zero: `start`)."""
    if duration <= timedelta(0):
        return start
    cursor, left, day = start, duration, wib_date(start)
    for _ in range(_MAX_SCAN_DAYS + int(duration / DAY) * 3):
        day_end = start_of_day_wib(day + DAY)
        if calendar.is_working_day(day):
            if left <= day_end - cursor:
                return cursor + left
            left -= day_end - cursor
        cursor, day = day_end, day + DAY
    raise ValueError(f"no working days to lay {duration} on after {start}")


def in_working_days(duration: timedelta) -> float:
    """A working time in working days (24 hours of a working day each)."""
    return duration / DAY
