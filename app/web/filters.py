"""Template filters: Indonesian dates, working days left, deadline colours."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask

from app.domain.timeutil import format_tanggal, format_waktu


def _calendar():
    """The calendar, built once per request (the filters run once per table row)."""
    from flask import g, has_app_context

    from app.services.calendar import current_calendar

    if not has_app_context():
        return current_calendar()
    if "ppid_calendar" not in g:
        g.ppid_calendar = current_calendar()
    return g.ppid_calendar


def deadline_state(due: datetime | None, now: datetime | None = None) -> str:
    """'late', 'soon' (within 2 working days) or 'ok' for a due date; '' when there is none."""
    if due is None:
        return ""
    now = now or datetime.now(timezone.utc)
    if due < now:
        return "late"
    return "soon" if _calendar().working_days_between(now, due) <= 1 else "ok"


def working_days_left(due: datetime | None) -> str:
    if due is None:
        return "-"
    now = datetime.now(timezone.utc)
    if due < now:
        return f"terlambat {_calendar().working_days_between(due, now)} hari kerja"
    left = _calendar().working_days_between(now, due)
    return "hari ini" if left == 0 else f"{left} hari kerja lagi"


def navigation(roles: frozenset[str]) -> dict[str, bool]:
    """Which menu entries a user with these roles sees."""
    from app.services.roles import works_lanes

    return {
        "portal": "pemohon" in roles,
        "worklist": works_lanes(roles),
        "cases": bool(roles & {"diskominfo", "kepala_diskominfo", "opd", "atasan_ppid", "auditor"}),
        "processes": bool(roles & {"process_owner", "admin"}),
        "audit": bool(roles & {"diskominfo", "kepala_diskominfo", "atasan_ppid", "auditor"}),
        "admin": "admin" in roles,
    }


def register(app: Flask) -> None:
    app.jinja_env.filters["tanggal"] = lambda v: format_tanggal(v) if v else "-"
    app.jinja_env.filters["waktu"] = lambda v: format_waktu(v) if v else "-"
    app.jinja_env.filters["deadline_state"] = deadline_state
    app.jinja_env.filters["sisa_hari_kerja"] = working_days_left

    @app.context_processor
    def _inject():
        from app.domain.roles import ROLE_LABELS

        from .security import current_actor

        actor = current_actor()
        return {"actor": actor, "role_labels": ROLE_LABELS, "nav": navigation(actor.roles)}
