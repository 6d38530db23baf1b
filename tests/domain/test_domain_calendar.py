"""WorkingCalendar: weekends, holidays, cuti bersama, admin edits, deadlines in UTC."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta, timezone

import pytest

from app.domain.calendar import WorkingCalendar
from app.domain.timeutil import WIB, to_wib

UTC = timezone.utc


def wib(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


def end_of(d: date) -> datetime:
    """23:59:59 WIB of d, expressed in UTC (16:59:59Z)."""
    return datetime.combine(d, time(16, 59, 59), tzinfo=UTC)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


# -- working days -------------------------------------------------------------

def test_weekend_is_not_working_day(cal):
    assert cal.is_working_day(date(2026, 3, 13))  # Friday
    assert not cal.is_working_day(date(2026, 3, 14))  # Saturday
    assert not cal.is_working_day(date(2026, 3, 15))  # Sunday
    assert cal.holiday_name(date(2026, 3, 14)) is None


def test_independence_day_2026(cal):
    d = date(2026, 8, 17)
    assert d.weekday() == 0
    assert not cal.is_working_day(d)
    assert cal.holiday_name(d) == "Hari Kemerdekaan Republik Indonesia"


def test_idul_fitri_2026_and_cuti_bersama(cal):
    # holidays.ID (0.109): Idul Fitri on Sat 21 / Sun 22 March 2026,
    # cuti bersama on Fri 20, Mon 23, Tue 24 March; Nyepi Thu 19 (cuti Wed 18).
    assert "Idul Fitri" in cal.holiday_name(date(2026, 3, 21))
    for day in (18, 19, 20, 23, 24):
        assert not cal.is_working_day(date(2026, 3, day)), day
    assert cal.holiday_name(date(2026, 3, 23)).startswith("Cuti Bersama")
    assert cal.is_working_day(date(2026, 3, 25))


def test_cuti_bersama_flag_makes_them_working_days():
    cal = WorkingCalendar(cuti_bersama_is_working_day=True)
    for day in (18, 20, 23, 24):
        assert cal.is_working_day(date(2026, 3, day)), day
        assert cal.holiday_name(date(2026, 3, day)) is None
    assert not cal.is_working_day(date(2026, 3, 19))  # Nyepi itself stays a holiday


def test_datetime_argument_uses_wib_date(cal):
    # 2026-08-16 18:00 UTC is already Monday 17 August in WIB.
    assert not cal.is_working_day(datetime(2026, 8, 16, 18, 0, tzinfo=UTC))
    with pytest.raises(ValueError):
        cal.is_working_day(datetime(2026, 8, 17, 10, 0))


# -- add_working_days -------------------------------------------------------------

def test_weekend_skipped():
    cal = WorkingCalendar()
    assert cal.add_working_days(wib(2026, 3, 6), 1) == end_of(date(2026, 3, 9))  # Fri -> Mon
    assert cal.add_working_days(wib(2026, 3, 7), 1) == end_of(date(2026, 3, 9))  # Sat -> Mon


def test_deadline_is_end_of_wib_day_in_utc(cal):
    deadline = cal.add_working_days(wib(2026, 3, 2), 3)
    assert deadline.tzinfo is not None and deadline.utcoffset() == timedelta(0)
    assert (deadline.hour, deadline.minute, deadline.second) == (16, 59, 59)
    local = to_wib(deadline)
    assert (local.date(), local.time()) == (date(2026, 3, 5), time(23, 59, 59))


def test_start_counts_from_wib_date_not_utc_date(cal):
    # Thursday 18:00 UTC = Friday 01:00 WIB: one working day later is Monday.
    start = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)
    assert cal.add_working_days(start, 1) == end_of(date(2026, 3, 9))


def test_independence_day_moves_ten_day_deadline(cal):
    start = wib(2026, 8, 3)  # Monday
    assert cal.add_working_days(start, 10) == end_of(date(2026, 8, 18))
    declared_working = WorkingCalendar(removed=frozenset({date(2026, 8, 17)}))
    assert declared_working.add_working_days(start, 10) == end_of(date(2026, 8, 17))


def test_idul_fitri_moves_ten_day_deadline(cal):
    start = wib(2026, 3, 16)  # Monday before Nyepi and Idul Fitri
    # 17 | 18-24 off | 25 26 27 30 31 1 2 | 3 Good Friday | 6 7
    assert cal.add_working_days(start, 10) == end_of(date(2026, 4, 7))


def test_cuti_bersama_flag_changes_deadline():
    start = wib(2026, 3, 16)
    cal = WorkingCalendar(cuti_bersama_is_working_day=True)
    # 17 18 | 19 Nyepi | 20 23 24 25 26 27 30 31
    assert cal.add_working_days(start, 10) == end_of(date(2026, 3, 31))


def test_added_day_off_moves_deadline():
    cal = WorkingCalendar(added={date(2026, 3, 25): "Libur daerah"})
    assert not cal.is_working_day(date(2026, 3, 25))
    assert cal.holiday_name(date(2026, 3, 25)) == "Libur daerah"
    assert cal.add_working_days(wib(2026, 3, 16), 10) == end_of(date(2026, 4, 8))


def test_added_accepts_plain_dates_with_default_name():
    cal = WorkingCalendar(added={date(2026, 6, 2)})
    assert cal.holiday_name(date(2026, 6, 2)) == "Hari libur tambahan"


def test_removed_official_days_become_working_days():
    cal = WorkingCalendar(removed=frozenset({date(2026, 3, 23), date(2026, 3, 24)}))
    assert cal.is_working_day(date(2026, 3, 23))
    assert cal.holiday_name(date(2026, 3, 24)) is None
    # 17 | 18 19 20 off | 23 24 25 26 27 30 31 1 2
    assert cal.add_working_days(wib(2026, 3, 16), 10) == end_of(date(2026, 4, 2))


def test_removing_a_weekend_holiday_does_not_make_a_working_day():
    cal = WorkingCalendar(removed=frozenset({date(2026, 3, 21)}))  # Idul Fitri, Saturday
    assert not cal.is_working_day(date(2026, 3, 21))


def test_added_wins_over_removed():
    d = date(2026, 8, 17)
    cal = WorkingCalendar(added={d: "Tetap libur"}, removed=frozenset({d}))
    assert not cal.is_working_day(d)
    assert cal.holiday_name(d) == "Tetap libur"


def test_zero_days(cal):
    assert cal.add_working_days(wib(2026, 3, 16, 15), 0) == end_of(date(2026, 3, 16))
    assert cal.add_working_days(wib(2026, 3, 14), 0) == end_of(date(2026, 3, 16))  # Sat
    assert cal.add_working_days(wib(2026, 8, 17), 0) == end_of(date(2026, 8, 18))  # holiday


def test_rejects_naive_and_negative(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2026, 3, 16, 10, 0), 1)
    with pytest.raises(ValueError):
        cal.add_working_days(wib(2026, 3, 16), -1)
    with pytest.raises(ValueError):
        cal.working_days_between(datetime(2026, 3, 16), wib(2026, 3, 17))


def test_plain_date_start(cal):
    assert cal.add_working_days(date(2026, 3, 6), 1) == end_of(date(2026, 3, 9))


# -- working_days_between ---------------------------------------------------------

def test_working_days_between_basic(cal):
    assert cal.working_days_between(wib(2026, 3, 6), wib(2026, 3, 9)) == 1  # Fri -> Mon
    assert cal.working_days_between(wib(2026, 3, 9, 8), wib(2026, 3, 9, 17)) == 0
    assert cal.working_days_between(wib(2026, 3, 9), wib(2026, 3, 6)) == -1
    assert cal.working_days_between(wib(2026, 3, 16), wib(2026, 4, 7)) == 10


def test_working_days_between_negative_is_antisymmetric(cal):
    a, b = wib(2026, 3, 2), wib(2026, 4, 30)
    assert cal.working_days_between(b, a) == -cal.working_days_between(a, b)


def test_between_inverts_add_over_a_whole_year():
    """Deterministic sweep: every working day of 2026 as a start."""
    cal = WorkingCalendar()
    day = date(2026, 1, 1)
    while day.year == 2026:
        if cal.is_working_day(day):
            start = datetime.combine(day, time(9, 30), tzinfo=WIB)
            for n in (0, 1, 3, 4, 7, 10, 14, 17, 30, 40):
                assert cal.working_days_between(start, cal.add_working_days(start, n)) == n
        day += timedelta(days=1)


# -- immutability and helpers ----------------------------------------------------

def test_calendar_is_immutable_and_hashable():
    cal = WorkingCalendar(added={date(2026, 6, 2): "Libur"}, removed={date(2026, 8, 17)})
    with pytest.raises(dataclasses.FrozenInstanceError):
        cal.cuti_bersama_is_working_day = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        cal.added[date(2026, 6, 3)] = "x"  # type: ignore[index]
    assert isinstance(cal.removed, frozenset)
    hash(cal)
    same = WorkingCalendar(added={date(2026, 6, 2): "Libur"}, removed=frozenset({date(2026, 8, 17)}))
    assert cal == same


def test_days_off_lists_effective_holidays():
    off = WorkingCalendar().days_off(2026)
    assert date(2026, 8, 17) in off and date(2026, 3, 23) in off
    assert list(off) == sorted(off)
    with_flag = WorkingCalendar(cuti_bersama_is_working_day=True).days_off(2026)
    assert date(2026, 3, 23) not in with_flag and date(2026, 8, 17) in with_flag


def test_next_working_day(cal):
    assert cal.next_working_day(date(2026, 8, 14)) == date(2026, 8, 18)
