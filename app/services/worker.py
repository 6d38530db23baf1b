"""One sweep of the background worker: due timers, then the outbox."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from .notifications import deliver_pending
from .timers import SweepResult, fire_due_timers


def sweep(now: datetime) -> tuple[SweepResult, int]:
    result = fire_due_timers(now, limit=int(current_app.config["PPID_TIMER_BATCH"]))
    sent, _failed = deliver_pending(now)
    return result, sent
