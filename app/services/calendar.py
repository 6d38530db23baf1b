"""The working-day calendar as configured by the admin (holiday edits, cuti bersama setting)."""
from __future__ import annotations

from datetime import date

from app.domain.calendar import WorkingCalendar
from app.persistence.models import Holiday, Setting, db

from .transaction import use_case

CUTI_BERSAMA_KEY = "cuti_bersama_hari_kerja"
_cache: dict[tuple, WorkingCalendar] = {}


def current_calendar() -> WorkingCalendar:
    """Build (or reuse) the calendar for the current holiday table and settings."""
    edits = tuple(db.session.execute(db.select(Holiday.day, Holiday.name, Holiday.day_off).order_by(Holiday.day)))
    flag = db.session.scalar(db.select(Setting.value).filter_by(key=CUTI_BERSAMA_KEY)) == "1"
    key = (flag, edits)
    if key not in _cache:
        _cache.clear()
        _cache[key] = WorkingCalendar(
            cuti_bersama_is_working_day=flag,
            added={e.day: e.name for e in edits if e.day_off},
            removed=frozenset(e.day for e in edits if not e.day_off),
        )
    return _cache[key]


@use_case
def set_calendar_day(day: date, name: str, day_off: bool) -> None:
    """Admin edit: make `day` an extra day off (day_off=True) or a working day despite a holiday."""
    row = db.session.get(Holiday, day) or Holiday(day=day)
    row.name, row.day_off = name, day_off
    db.session.add(row)


@use_case
def clear_calendar_day(day: date) -> bool:
    """Remove an admin edit; the official calendar applies again."""
    row = db.session.get(Holiday, day)
    if row is not None:
        db.session.delete(row)
    return row is not None


@use_case
def set_cuti_bersama_working(working: bool) -> None:
    row = db.session.get(Setting, CUTI_BERSAMA_KEY) or Setting(key=CUTI_BERSAMA_KEY)
    row.value = "1" if working else "0"
    db.session.add(row)
