"""The working-day calendar as configured by the admin (holiday edits, cuti bersama setting)."""
from __future__ import annotations

from app.domain.calendar import WorkingCalendar
from app.persistence.models import Holiday, Setting, db

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
