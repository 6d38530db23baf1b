"""Template filters: Indonesian dates, working days left, deadline colours.

The deadline filters are pure functions of the time they are given; registered for the templates, they are
given the request's time (`clock.now()`), the one clock of the web layer."""
from __future__ import annotations

from datetime import datetime

from flask import Flask

from app.domain.timeutil import format_tanggal, format_waktu, parse_iso
from app.services.infrastructure.notifications import template_label


def _calendar():
    """The calendar, built once per request (the filters run once per table row)."""
    from flask import g, has_app_context

    from app.services.infrastructure.calendar import current_calendar

    if not has_app_context():
        return current_calendar()
    if "ppid_calendar" not in g:
        g.ppid_calendar = current_calendar()
    return g.ppid_calendar


def deadline_state(due: datetime | None, now: datetime) -> str:
    """'late', 'soon' (within 2 working days) or 'ok' for a due date; '' when there is none."""
    if due is None:
        return ""
    if due < now:
        return "late"
    return "soon" if _calendar().working_days_between(now, due) <= 1 else "ok"


def working_days_left(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "-"
    if due < now:
        # shown beside the "Terlambat" badge: say by how much, without the word again
        return f"lewat {_calendar().working_days_between(due, now)} hari kerja"
    left = _calendar().working_days_between(now, due)
    return "hari ini" if left == 0 else f"{left} hari kerja lagi"


def navigation(roles: frozenset[str]) -> dict[str, bool]:
    """Which menu entries a user with these roles sees."""
    from app.services.people.roles import works_lanes

    return {
        "portal": "pemohon" in roles,
        "worklist": works_lanes(roles),
        "cases": bool(roles & {"diskominfo", "kepala_diskominfo", "opd", "atasan_ppid", "auditor"}),
        "processes": bool(roles & {"process_owner", "admin"}),
        "audit": bool(roles & {"diskominfo", "kepala_diskominfo", "atasan_ppid", "auditor"}),
        "admin": "admin" in roles,
        "counter": "diskominfo" in roles,  # requests brought to the counter (app/services/casework/counter.py)
    }


def opd_name(code: str | None) -> str:
    """An OPD by its name; pages never show the bare code."""
    from app.services.views.worklist_views import opd_name as name_of

    return (name_of(code) if code else None) or code or "-"


def tanggal(value) -> str:
    """A date or time as a day in words ("Senin, 16 Maret 2026"), also from recorded ISO text (case data, as
    mails use it); "-" for none, the text itself when it is no date."""
    if not value:
        return "-"
    if isinstance(value, str):
        try:
            value = parse_iso(value)
        except ValueError:
            return value
    return format_tanggal(value)


def angka(value: int) -> str:
    """A whole number as Indonesian writes it: 1.000, 12.345."""
    return f"{value:,}".replace(",", ".")


def register(app: Flask) -> None:
    from .clock import now

    app.jinja_env.filters["tanggal"] = tanggal
    app.jinja_env.filters["angka"] = angka
    app.jinja_env.filters["waktu"] = lambda v: format_waktu(v) if v else "-"
    app.jinja_env.filters["deadline_state"] = lambda due: deadline_state(due, now())
    app.jinja_env.filters["templat"] = template_label
    app.jinja_env.filters["nama_opd"] = opd_name
    app.jinja_env.filters["sisa_hari_kerja"] = lambda due: working_days_left(due, now())

    @app.context_processor
    def _inject():
        from app.domain.roles import ROLE_LABELS

        from .security import current_actor

        actor = current_actor()
        return {"actor": actor, "role_labels": ROLE_LABELS, "nav": navigation(actor.roles)}
