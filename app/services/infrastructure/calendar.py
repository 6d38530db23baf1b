"""The working-day calendar as configured by the admin (holiday edits, cuti bersama setting)."""
from __future__ import annotations

from datetime import date, time

from app.domain.calendar import WorkingCalendar
from app.persistence.models import Holiday, Setting, db

from app.services.infrastructure.transaction import use_case

CUTI_BERSAMA_KEY = "cuti_bersama_hari_kerja"
#: "HH:MM" WIB, or empty: no closing time (docs/LEGAL_CLOCK.md)
CLOSING_TIME_KEY = "jam_tutup_layanan"
_cache: dict[tuple, WorkingCalendar] = {}


def current_calendar() -> WorkingCalendar:
    """Build (or reuse) the calendar for the current holiday table and settings."""
    edits = tuple(db.session.execute(db.select(Holiday.day, Holiday.name, Holiday.day_off).order_by(Holiday.day)))
    settings = dict(db.session.execute(db.select(Setting.key, Setting.value).where(
        Setting.key.in_((CUTI_BERSAMA_KEY, CLOSING_TIME_KEY)))).all())
    flag = settings.get(CUTI_BERSAMA_KEY) == "1"
    closing = parse_closing_time(settings.get(CLOSING_TIME_KEY))
    key = (flag, closing, edits)
    if key not in _cache:
        _cache.clear()
        _cache[key] = WorkingCalendar(
            cuti_bersama_is_working_day=flag, closing_time=closing,
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


def parse_closing_time(value: str | None) -> time | None:
    """"16:00" -> 16:00; empty or unreadable -> None (no closing time)."""
    try:
        hours, minutes = (int(p) for p in str(value or "").strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        return None


@use_case
def set_closing_time(value: time | None) -> None:
    row = db.session.get(Setting, CLOSING_TIME_KEY) or Setting(key=CLOSING_TIME_KEY)
    row.value = value.strftime("%H:%M") if value is not None else ""
    db.session.add(row)
