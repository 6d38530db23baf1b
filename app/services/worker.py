"""One sweep of the background worker: due timers, the staff's daily digest, then the outbox."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from app.persistence.models import db

from .notifications import deliver_pending
from .timers import SweepResult, fire_due_timers


def sweep(now: datetime) -> tuple[SweepResult, int]:
    result = fire_due_timers(now, limit=int(current_app.config["PPID_TIMER_BATCH"]))
    _daily_digest(now)
    sent, _failed = deliver_pending(now)
    return result, sent


def _daily_digest(now: datetime) -> None:
    """Queue the staff digest once a day after 07:00 WIB; a failure must not stop timers or mail."""
    from .digest import queue_daily_digest

    try:
        queue_daily_digest(now)
    except Exception:  # logged; the next sweep tries again
        db.session.rollback()
        current_app.logger.exception("staff digest failed")
