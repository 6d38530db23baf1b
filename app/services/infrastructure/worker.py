"""One sweep of the background worker: due timers, the staff's daily digest, the upload folder's daily sweep,
then the outbox."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from app.persistence.models import db

from app.services.infrastructure.notifications import deliver_pending
from app.services.casework.timers import SweepResult, fire_due_timers


def sweep(now: datetime) -> tuple[SweepResult, int]:
    result = fire_due_timers(now, limit=int(current_app.config["PPID_TIMER_BATCH"]))
    _daily_digest(now)
    _daily_file_sweep(now)
    sent, _failed = deliver_pending(now)
    return result, sent


def _daily_digest(now: datetime) -> None:
    """Queue the staff digest once a day after 07:00 WIB; a failure must not stop timers or mail."""
    from app.services.infrastructure.digest import queue_daily_digest

    try:
        queue_daily_digest(now)
    except Exception:  # logged; the next sweep tries again
        db.session.rollback()
        current_app.logger.exception("staff digest failed")


def _daily_file_sweep(now: datetime) -> None:
    """Once a day: remove upload files no row refers to (a step killed before its commit) and say which."""
    from app.services.casework.file_sweep import daily_sweep

    try:
        result = daily_sweep(now)
    except Exception:  # logged; the next sweep tries again
        db.session.rollback()
        current_app.logger.exception("upload folder sweep failed")
        return
    for line in result.lines() if result is not None else ():
        current_app.logger.warning("upload folder sweep: %s", line)
