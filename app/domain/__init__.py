"""Plain-Python domain layer: calendar, time, statuses, roles, errors.

No Flask, database or workflow-engine imports belong here.
"""

from app.domain.calendar import WorkingCalendar
from app.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidProcess,
    NotFound,
    ValidationFailed,
)
from app.domain.timeutil import WIB, format_tanggal, format_waktu, parse_iso, to_wib, utc_iso

__all__ = [
    "WIB",
    "Conflict",
    "DomainError",
    "Forbidden",
    "InvalidProcess",
    "NotFound",
    "ValidationFailed",
    "WorkingCalendar",
    "format_tanggal",
    "format_waktu",
    "parse_iso",
    "to_wib",
    "utc_iso",
]
