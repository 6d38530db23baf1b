"""Persist what one engine run did: state, case fields, worklist, timers, outbox, audit."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from sqlalchemy.orm import undefer

from app.domain.deadlines import is_legal_limit
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


@dataclass(frozen=True)
class OpenTaskRow:
    """A case's worklist row as a step left it (what the audit fingerprints)."""

    task_id: str
    spec_id: str
    lane: str | None
    opd_code: str | None
    applicant_id: int | None
    due_at: datetime | None
    deadline_at: datetime | None


@dataclass(frozen=True)
class WaitingTimerRow:
    """A case's timer row as a step left it."""

    task_id: str
    spec_id: str
    name: str
    due_at: datetime
    interrupting: bool

    @property
    def legal(self) -> bool:
        return is_legal_limit(self.name, self.interrupting)


@functools.cache
def _statements(model) -> dict[str, sa.Executable]:
    """The Core statements that keep a case's worklist or timer rows, built once (bound parameters): a step
    syncs rows without the ORM (no objects, no unit of work for rows that only mirror the workflow)."""
    case = model.instance_id == sa.bindparam("case_id")
    statements = {
        "delete": sa.delete(model).where(case, model.task_id.in_(sa.bindparam("gone", expanding=True))),
        "insert": sa.insert(model),
    }
    if model is HumanTask:
        statements["update"] = sa.update(model).where(case, model.task_id == sa.bindparam("tid")) \
            .values(case_status=sa.bindparam("status"), opd_code=sa.bindparam("opd"))
    return statements


@functools.cache
def _rows_statement() -> sa.Executable:
    """A case's worklist rows and timer rows in one statement (UNION ALL; `kind` says which), built once."""
    def none(column):
        return sa.cast(sa.null(), column.type)

    tasks = sa.select(sa.literal("task").label("kind"), HumanTask.id, HumanTask.task_id, HumanTask.spec_id,
                      none(TimerJob.name).label("name"), HumanTask.lane, HumanTask.opd_code, HumanTask.applicant_id,
                      HumanTask.due_at, HumanTask.deadline_at, HumanTask.case_status,
                      none(TimerJob.interrupting).label("interrupting")) \
        .where(HumanTask.instance_id == sa.bindparam("case_id"))
    timers = sa.select(sa.literal("timer"), TimerJob.id, TimerJob.task_id, TimerJob.spec_id, TimerJob.name,
                       none(HumanTask.lane), none(HumanTask.opd_code), none(HumanTask.applicant_id), TimerJob.due_at,
                       none(HumanTask.deadline_at), none(HumanTask.case_status), TimerJob.interrupting) \
        .where(TimerJob.instance_id == sa.bindparam("case_id"))
    union = sa.union_all(tasks, timers).subquery("rows")
    return sa.select(union).order_by(union.c.kind, union.c.id)


def _stored_rows(instance_id: int) -> tuple[dict, dict]:
    """(worklist rows, timer rows) of a case as stored, each by task id in the order they were made."""
    tasks, timers = {}, {}
    for row in db.session.connection().execute(_rows_statement(), {"case_id": instance_id}):
        (tasks if row.kind == "task" else timers)[row.task_id] = row
    return tasks, timers


def _forget_copies(model, instance_id: int, gone: list[str], changed: set[str] = frozenset()) -> None:
    """Objects of these rows the session already holds (e.g. the task being completed, the timer being
    fired) behave as after an ORM delete or update: a deleted row's object leaves the session with what
    it had loaded, a changed row's object reads the row again when next used."""
    if not gone and not changed:
        return
    for obj in [o for o in db.session.identity_map.values() if isinstance(o, model)]:
        loaded = sa.inspect(obj).dict
        if loaded.get("instance_id") not in (None, instance_id):
            continue
        if loaded.get("task_id") in gone:
            db.session.expunge(obj)
        elif loaded.get("task_id") in changed:
            db.session.expire(obj)


def _sync_tasks(instance: ProcessInstance, rows: dict, ready_tasks: list, now: datetime) -> list[OpenTaskRow]:
    """Make the worklist rows (`rows`, as stored) match the ready tasks; return the rows now open."""
    sql, connection = _statements(HumanTask), db.session.connection()
    ready = {t.task_id: t for t in ready_tasks}
    gone = [task_id for task_id in rows if task_id not in ready]
    if gone:
        connection.execute(sql["delete"], {"case_id": instance.id, "gone": gone})
    current, changed, added = [], [], []
    for task_id, row in rows.items():
        if task_id in ready:
            opd = ready[task_id].opd or instance.opd_code
            if (row.case_status, row.opd_code) != (instance.status, opd):
                changed.append({"case_id": instance.id, "tid": task_id, "status": instance.status, "opd": opd})
            current.append(OpenTaskRow(task_id, row.spec_id, row.lane, opd, row.applicant_id, row.due_at,
                                       row.deadline_at))
    for task_id, view in ready.items():
        if task_id not in rows:
            added.append(dict(
                instance_id=instance.id, task_id=task_id, spec_id=view.spec_id, title=view.name, lane=view.lane,
                opd_code=view.opd or instance.opd_code, applicant_id=instance.applicant_id,
                registration_number=instance.registration_number, applicant_name=instance.applicant_name or "",
                process_id=instance.process_id, case_status=instance.status or "", received_at=instance.created_at,
                created_at=now, due_at=view.due_at, deadline_at=view.deadline_at,
            ))
            current.append(OpenTaskRow(task_id, view.spec_id, view.lane, added[-1]["opd_code"],
                                       instance.applicant_id, view.due_at, view.deadline_at))
    if changed:
        connection.execute(sql["update"], changed)
    if added:
        connection.execute(sql["insert"], added)
    _forget_copies(HumanTask, instance.id, gone, {c["tid"] for c in changed})
    return current


def _sync_timers(instance: ProcessInstance, rows: dict,
                 waiting_timers: list) -> tuple[list[str], list[str], list[WaitingTimerRow]]:
    """Make the timer rows (`rows`, as stored) match the waiting timers; return (set, cleared, the rows now
    waiting)."""
    sql, connection = _statements(TimerJob), db.session.connection()
    waiting = {t.task_id: t for t in waiting_timers if t.due_at is not None}
    gone = [task_id for task_id in rows if task_id not in waiting]
    cleared = [rows[task_id].name for task_id in gone]
    if gone:
        connection.execute(sql["delete"], {"case_id": instance.id, "gone": gone})
    current = [WaitingTimerRow(r.task_id, r.spec_id, r.name, r.due_at, r.interrupting)
               for task_id, r in rows.items() if task_id in waiting]
    added, inserted = [], []
    for task_id, view in waiting.items():
        if task_id in rows:
            continue
        inserted.append(dict(instance_id=instance.id, task_id=task_id, spec_id=view.spec_id, name=view.name,
                             due_at=view.due_at, interrupting=view.interrupting))
        current.append(WaitingTimerRow(task_id, view.spec_id, view.name, view.due_at, view.interrupting))
        added.append(f"{view.name} ({view.due_at.isoformat()})")
    if inserted:
        connection.execute(sql["insert"], inserted)
    _forget_copies(TimerJob, instance.id, gone)
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
    with db.session.no_autoflush:  # the case's own changes go out in one flush, at the audit event
        stored_tasks, stored_timers = _stored_rows(instance.id)
        open_rows = _sync_tasks(instance, stored_tasks, ready_tasks, now)
        timers_set, timers_cleared, timer_rows = _sync_timers(instance, stored_timers, waiting_timers)
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

