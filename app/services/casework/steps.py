"""Persist what one engine run did: state, case fields, worklist, timers, outbox, audit."""
from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa

from sqlalchemy.orm import undefer

from app.engine import Run, RunContext
from app.persistence.models import HumanTask, ProcessInstance, TimerJob, db

from app.services.records import audit
from app.services.infrastructure import notifications
from app.services.infrastructure.calendar import current_calendar
from app.services.infrastructure.context import Actor
from app.services.casework.numbers import allocate_number
from app.services.modelling.versions import definition_for, definition_of  # noqa: F401 - where the step modules import them

class _CalendarOnDemand:
    """The working-day calendar, read from the database only when a step asks for a working day.

    Most steps set no deadline; they no longer pay two queries (holidays, settings) for nothing.
    """

    def __init__(self) -> None:
        self._calendar = None

    def _loaded(self):
        if self._calendar is None:
            self._calendar = current_calendar()
        return self._calendar

    def add_working_days(self, start: datetime, n: int) -> datetime:
        return self._loaded().add_working_days(start, n)

    def working_days_before(self, d: datetime, n: int) -> datetime:
        return self._loaded().working_days_before(d, n)


def new_context(now: datetime) -> RunContext:
    return RunContext(now=now, calendar=_CalendarOnDemand(),
                      allocate_number=lambda kind: allocate_number(kind, now))


def instance_options() -> list:
    """Load options for a case a step will run: its state at once (its version row is never loaded)."""
    return [undefer(ProcessInstance.state)]


def _lanes(run: Run) -> frozenset[str]:
    return frozenset(meta.lane for meta in run.definition.user_tasks.values() if meta.lane)


def _case_data(before: dict, run: Run) -> dict:
    data = dict(before)
    for step in run.steps:
        data.update(step.changes)
    return data


def _changes(before: dict, after: dict) -> dict:
    return {k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v}


@functools.cache
def _rows_of_case(model):
    """The statement reading a case's worklist or timer rows, built once (the case id is a bound parameter)."""
    return db.select(model).where(model.instance_id == sa.bindparam("instance_id")).order_by(model.id)


def _sync_tasks(instance: ProcessInstance, ready_tasks: list, now: datetime) -> list[HumanTask]:
    """Make the worklist rows match the ready tasks; return the rows now open."""
    ready = {t.task_id: t for t in ready_tasks}
    rows = {r.task_id: r for r in db.session.scalars(_rows_of_case(HumanTask), {"instance_id": instance.id})}
    current = []
    for task_id, row in rows.items():
        if task_id not in ready:
            db.session.delete(row)
        else:
            row.case_status = instance.status
            row.opd_code = ready[task_id].opd or instance.opd_code
            current.append(row)
    for task_id, view in ready.items():
        if task_id not in rows:
            current.append(HumanTask(
                instance_id=instance.id, task_id=task_id, spec_id=view.spec_id, title=view.name, lane=view.lane,
                opd_code=view.opd or instance.opd_code, applicant_id=instance.applicant_id,
                registration_number=instance.registration_number, applicant_name=instance.applicant_name,
                process_id=instance.process_id, case_status=instance.status, received_at=instance.created_at,
                created_at=now, due_at=view.due_at, deadline_at=view.deadline_at,
            ))
            db.session.add(current[-1])
    return current


def _sync_timers(instance: ProcessInstance, waiting_timers: list) -> tuple[list[str], list[str], list[TimerJob]]:
    """Make the timer rows match the waiting timers; return (set, cleared, the rows now waiting)."""
    waiting = {t.task_id: t for t in waiting_timers if t.due_at is not None}
    rows = {r.task_id: r for r in db.session.scalars(_rows_of_case(TimerJob), {"instance_id": instance.id})}
    cleared = [rows[i].name for i in rows if i not in waiting]
    for task_id in rows.keys() - waiting.keys():
        db.session.delete(rows[task_id])
    current = [row for task_id, row in rows.items() if task_id in waiting]
    added = []
    for task_id in waiting.keys() - rows.keys():
        view = waiting[task_id]
        current.append(TimerJob(instance_id=instance.id, task_id=task_id, spec_id=view.spec_id, name=view.name,
                                due_at=view.due_at, interrupting=view.interrupting))
        db.session.add(current[-1])
        added.append(f"{view.name} ({view.due_at.isoformat()})")
    return added, cleared, current


def persist_run(instance: ProcessInstance, run: Run, actor: Actor, now: datetime, event_type: str,
                submitted: dict | None = None, task=None, payload_extra: dict | None = None,
                data_changes: dict | None = None) -> None:
    """Write the run's result into the instance and its derived rows, then the audit event.

    `payload_extra` adds keys to the audit payload (e.g. the versions of a migration);
    `data_changes` are case data set outside a task (`Run.set_data`)."""
    before = dict(instance.case_data or {})
    after = {**_case_data(before, run), **(data_changes or {})}
    instance.state = run.dumps()
    instance.case_data = after
    instance.status = str(after.get("status", instance.status or ""))
    instance.opd_code = after.get("opd") or None
    instance.late = bool(after.get("terlambat"))
    instance.finished = run.finished
    instance.updated_at = now
    ready_tasks, waiting_timers = run.open_work()
    with db.session.no_autoflush:  # the case's rows are read as stored; every change goes out in one flush
        open_rows = _sync_tasks(instance, ready_tasks, now)
        timers_set, timers_cleared, timer_rows = _sync_timers(instance, waiting_timers)
        sent = notifications.queue(instance, run.ctx.notifications, now, _lanes(run), timer_rows)
    payload = {
        "submitted": submitted, "changes": _changes(before, after),
        "steps": [{"id": s.spec_id, "name": s.name, "kind": s.kind, "lane": s.lane}
                  for s in run.steps],
        "timers_set": timers_set, "timers_cleared": timers_cleared, "notifications": sent,
        "state_hash": audit.state_hash(instance.state), "case_data": after,
        "case_fields": [instance.status, instance.opd_code, instance.applicant_id],
        "finished": run.finished,
        "open_tasks": [audit.task_row_fingerprint(r) for r in open_rows],
        "timers": [audit.timer_row_fingerprint(r) for r in timer_rows],
        **(payload_extra or {}),
    }
    audit.append_event(instance, event_type, actor, now, payload, lane=task.lane if task else None,
                       task_spec_id=task.spec_id if task else None, task_name=task.name if task else None)

