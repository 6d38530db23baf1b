"""The timer sweep: fire due timers, one case per transaction, safe with several workers."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from app.domain.errors import Conflict
from app.persistence.models import ProcessInstance, TimerJob, db

from app.services.infrastructure.context import SYSTEM, engine
from app.services.casework.incidents import TIMER, IncidentRaised, guard, held_by_timer_incident, records_incidents
from app.services.casework.steps import definition_for, instance_options, new_context, persist_run
from app.services.infrastructure.transaction import use_case


@dataclass
class SweepResult:
    cases: int = 0
    timers: int = 0
    conflicts: int = 0
    fired: list[str] = field(default_factory=list)
    incidents: int = 0  # cases whose timer failed: recorded as incidents, their timers held until retried


def _next_due(now: datetime, skip: set[int]) -> TimerJob | None:
    query = (sa.select(TimerJob).join(ProcessInstance, ProcessInstance.id == TimerJob.instance_id)
             .where(TimerJob.due_at <= now, TimerJob.instance_id.not_in(held_by_timer_incident()))
             .order_by(TimerJob.due_at, TimerJob.id).limit(1))
    if skip:
        query = query.where(TimerJob.instance_id.not_in(skip))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


@records_incidents
@use_case
def _fire_one(now: datetime, skip: set[int]) -> tuple[int, list[str]] | None:
    """Lock the earliest due timer's case, fire its due timers, persist. None when nothing is due."""
    job = _next_due(now, skip)
    if job is None:
        return None
    return _fire(job.instance_id, now)


def _fire(instance_id: int, now: datetime) -> tuple[int, list[str]]:
    instance = db.session.get(ProcessInstance, instance_id, options=instance_options())
    with guard(TIMER, SYSTEM, now, instance=instance, retry={}):
        run = engine().open(definition_for(instance), instance.state, new_context(now))
        fired = run.fire_due_timers()
        if fired:
            persist_run(instance, run, SYSTEM, now, "timer_fired")
    return instance.id, [f"{instance.registration_number}: {s.name}" for s in fired]


@records_incidents
@use_case
def fire_case_timers(instance_id: int, now: datetime) -> list[str]:
    """Fire one case's due timers, held or not (the retry of a timer incident)."""
    return _fire(instance_id, now)[1]


def fire_due_timers(now: datetime, limit: int = 200) -> SweepResult:
    """Fire every timer due at `now` (at most `limit` cases); each case is its own transaction."""
    result, skip = SweepResult(), set()
    while result.cases + result.conflicts + result.incidents < limit:
        try:
            outcome = _fire_one(now, skip)
        except Conflict:
            result.conflicts += 1
            continue
        except IncidentRaised as incident:  # recorded; the other cases go on
            result.incidents += 1
            skip.add(incident.instance_id)
            continue
        if outcome is None:
            break
        instance_id, fired = outcome
        skip.add(instance_id)
        result.cases += 1
        result.timers += len(fired)
        result.fired += fired
    return result
