"""Time helpers: the WIB zone, conversions and Indonesian date formatting.

All instants are handled as timezone-aware datetimes. Naive datetimes are
rejected, because a naive value cannot be placed on the legal clock without
guessing its zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")
UTC = timezone.utc

# Indonesian names, indexed by date.weekday() (Monday = 0) and month - 1.
HARI: tuple[str, ...] = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN: tuple[str, ...] = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)


def require_aware(dt: datetime) -> datetime:
    """Return ``dt`` unchanged, or raise ValueError if it is naive."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(f"naive datetime not allowed: {dt!r}")
    return dt


def to_wib(dt: datetime) -> datetime:
    """Convert an aware datetime to Asia/Jakarta (WIB)."""
    return require_aware(dt).astimezone(WIB)


def wib_date(value: date | datetime) -> date:
    """The WIB calendar date of an aware datetime; a plain date is returned as is."""
    if isinstance(value, datetime):
        return to_wib(value).date()
    return value


def start_of_day_wib(d: date) -> datetime:
    """00:00:00 WIB of ``d``, aware, in UTC."""
    return datetime.combine(d, time(0, 0, 0), tzinfo=WIB).astimezone(UTC)


def end_of_day_wib(d: date) -> datetime:
    """23:59:59 WIB of ``d``, aware, in UTC."""
    return datetime.combine(d, time(23, 59, 59), tzinfo=WIB).astimezone(UTC)


def format_tanggal(value: date | datetime) -> str:
    """Format as ``"Senin, 16 Maret 2026"``; datetimes are first converted to WIB."""
    d = wib_date(value)
    return f"{HARI[d.weekday()]}, {d.day} {BULAN[d.month - 1]} {d.year}"


def format_waktu(dt: datetime) -> str:
    """Format as ``"Senin, 16 Maret 2026 14:05 WIB"``."""
    local = to_wib(dt)
    return f"{format_tanggal(local.date())} {local:%H:%M} WIB"


def parse_iso(s: str) -> datetime:
    """Parse an ISO 8601 date or datetime into an aware datetime in UTC.

    A date-only string means the start (00:00) of that day in WIB. A datetime
    without an offset is taken as WIB wall-clock time. ``Z`` is accepted.
    Raises ValueError on anything else.
    """
    if not isinstance(s, str):
        raise ValueError(f"expected an ISO 8601 string, got {type(s).__name__}")
    text = s.strip()
    if not text:
        raise ValueError("empty date/time string")
    if len(text) == 10:  # YYYY-MM-DD
        return start_of_day_wib(date.fromisoformat(text))
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=WIB)
    return dt.astimezone(UTC)


def utc_iso(dt: datetime) -> str:
    """ISO 8601 text of an aware datetime in UTC, e.g. ``2026-03-16T16:59:59+00:00``."""
    return require_aware(dt).astimezone(UTC).isoformat()
