"""Incidents: a step that failed at run time becomes a record to fix and retry, never a 500.

A step (starting a case, completing a task, a timer, a message, a migration) runs inside one use case. When
anything unexpected fails while it runs (a script error, a service task nothing runs, a timer that cannot be
evaluated, a form gone), `guard` turns the failure into StepFailed; the use case rolls back, so the case is
exactly as before; `records_incidents` then writes the incident in its own transaction, with an audit event on
the case (`incident_opened`), and the caller gets IncidentRaised: a clear message with the incident's number.

Process owners and administrators see incidents at /proses/insiden (`ppid incident list`) and retry them after
deploying a fix and migrating the case (`retry_incident`): the step runs again on the case as it now stands, as
the person who asked for it, and the incident is resolved (`incident_resolved`) when it completes. An open
incident on a timer holds that case's timers (the sweep skips the case) until it is retried or closed.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterator, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from app.domain.errors import Conflict, DomainError, NotFound
from app.engine.failures import Failure, describe_failure, plain
from app.persistence.models import HumanTask, Incident, ProcessInstance, User, db

from app.services.infrastructure.context import SYSTEM, Actor
from app.services.infrastructure.transaction import use_case

T = TypeVar("T")

START, TASK, TIMER, MESSAGE, MIGRATION = "start", "task", "timer", "message", "migration"
KIND_LABELS = {START: "Mulai permohonan", TASK: "Tugas", TIMER: "Batas waktu", MESSAGE: "Pesan (pencabutan)",
               MIGRATION: "Pemindahan versi"}
OPEN, RESOLVED = "open", "resolved"
OPENED_EVENT, RESOLVED_EVENT = "incident_opened", "incident_resolved"

STEP_MESSAGE = ("Langkah ini belum dapat dijalankan karena ada kesalahan pada proses. Kesalahan ini sudah tercatat "
                "untuk pengelola proses (insiden #{id}). Data kasus tidak berubah dan isian Anda tersimpan; langkah "
                "ini akan dijalankan kembali setelah kesalahan diperbaiki.")
START_MESSAGE = ("Permohonan belum dapat dicatat karena ada kesalahan pada proses. Kesalahan ini sudah tercatat untuk "
                 "pengelola proses (insiden #{id}). Isian Anda tersimpan dan akan dicatat setelah kesalahan "
                 "diperbaiki; berkas unggahan tidak ikut tersimpan.")
FORM_MESSAGE = ("Formulir ini belum dapat dibuka karena ada kesalahan pada proses. Kesalahan ini sudah tercatat untuk "
                "pengelola proses (insiden #{id}). Silakan coba lagi nanti.")
DONE_ALREADY = "Langkah ini tidak lagi menunggu (sudah dijalankan, atau kasus telah berpindah atau selesai)."

#: the incident being retried: a failure during its retry updates it instead of opening another
_retrying: ContextVar[int | None] = ContextVar("ppid_retrying_incident", default=None)


class StepFailed(Exception):
    """Raised inside a step's use case (which rolls back); `records_incidents` records it afterwards."""

    def __init__(self, kind: str, failure: Failure, actor: Actor, now: datetime, case: tuple, retry: dict | None):
        self.kind, self.failure, self.actor, self.now, self.retry = kind, failure, actor, now, retry
        self.instance_id, self.registration_number, self.process_id, self.version_id = case
        super().__init__(f"{kind} step failed at {failure.element_id}: {failure.message}")


class IncidentRaised(DomainError):
    """What the person whose step failed is told: no 500, the incident's number, nothing lost."""

    http_status = 503

    def __init__(self, incident_id: int, kind: str, instance_id: int | None = None, message: str | None = None):
        self.incident_id, self.kind, self.instance_id = incident_id, kind, instance_id
        super().__init__((message or (START_MESSAGE if kind == START else STEP_MESSAGE)).format(id=incident_id))


@contextmanager
def guard(kind: str, actor: Actor, now: datetime, instance: ProcessInstance | None = None,
          process_id: str | None = None, version_id: int | None = None, retry: dict | None = None,
          open_incidents: bool = True) -> Iterator[None]:
    """Turn any unexpected failure inside the block into StepFailed. Refusals meant for the user (DomainError)
    and database errors (lost races, a database gone) pass unchanged. `open_incidents=False`: the caller read
    with the case that it has no open incident of this kind, so a success has none to resolve."""
    case = ((instance.id, instance.registration_number, instance.process_id, instance.version_id)
            if instance is not None else (None, None, process_id, version_id))
    try:
        yield
    except (DomainError, SQLAlchemyError, StepFailed):
        raise
    except Exception as exc:  # noqa: BLE001 - every other failure of a step is an incident, never a 500
        raise StepFailed(kind, describe_failure(exc), actor, now, case, retry) from exc
    if case[0] is not None and kind in DONE_BY_ANYONE and open_incidents:
        _resolve_done(kind, case[0], retry, actor, now)


#: kinds of step that, once done by anyone (the officer sent the form again after the fix), resolve the incident
DONE_BY_ANYONE = (TASK, MESSAGE, MIGRATION)


def _resolve_done(kind: str, instance_id: int, retry: dict | None, actor: Actor, now: datetime) -> None:
    """In the step's transaction: the open incidents this successful step makes moot (not the one being retried:
    its retry resolves it)."""
    rows = db.session.scalars(sa.select(Incident).where(Incident.instance_id == instance_id, Incident.kind == kind,
                                                        Incident.status == OPEN, Incident.id != (_retrying.get() or 0)))
    for incident in rows:
        if kind == TASK and (incident.retry_data or {}).get("task_id") != (retry or {}).get("task_id"):
            continue
        _resolve_in_session(incident.id, actor, now, f"Langkah dijalankan oleh {actor.full_name}.", None, "done")


def records_incidents(func: Callable[..., T]) -> Callable[..., T]:
    """Outside a use case: record its StepFailed as an incident (own transaction) and raise IncidentRaised."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except StepFailed as failure:
            incident_id = record_incident(failure)
            raise IncidentRaised(incident_id, failure.kind, failure.instance_id) from None

    return wrapper


def record_incident(failure: StepFailed) -> int:
    """Write (or count again) the incident of a failed step; returns its number."""
    current_app.logger.warning("step failed (%s, %s): %s\n%s", failure.kind, failure.registration_number,
                               failure.failure.message, failure.failure.detail)
    return _record(failure)


@use_case
def _record(failure: StepFailed) -> int:
    incident = _same_open_incident(failure)
    f = failure.failure
    if incident is not None:
        incident.occurrences += 1
        incident.last_occurred_at = failure.now
        incident.error, incident.detail = f.message, f.detail
        incident.element_id, incident.element_name = f.element_id or incident.element_id, f.element_name
        if incident.id == _retrying.get():
            incident.retry_count += 1
            incident.last_retry_error = f.message
        elif failure.retry is not None:
            incident.retry_data = failure.retry
        return incident.id
    incident = Incident(
        instance_id=failure.instance_id, registration_number=failure.registration_number,
        process_id=failure.process_id or "", version_id=failure.version_id, kind=failure.kind,
        element_id=f.element_id, element_name=f.element_name, error=f.message, detail=f.detail,
        actor_id=failure.actor.user_id, actor_name=failure.actor.full_name, occurred_at=failure.now,
        last_occurred_at=failure.now, occurrences=1, status=OPEN, retry_count=0, retry_data=failure.retry)
    db.session.add(incident)
    db.session.flush()
    _audit(incident, OPENED_EVENT, failure.actor, failure.now, {"error_type": f.message.split(":", 1)[0]})
    return incident.id


def _same_open_incident(failure: StepFailed) -> Incident | None:
    """The open incident this failure repeats: the one being retried, or the same step failing again."""
    retrying = _retrying.get()
    if retrying is not None:
        return db.session.get(Incident, retrying)
    if failure.instance_id is None:
        query = sa.select(Incident).where(Incident.instance_id.is_(None), Incident.process_id == failure.process_id,
                                          Incident.actor_id == failure.actor.user_id)
    else:
        query = sa.select(Incident).where(Incident.instance_id == failure.instance_id)
    return db.session.scalar(query.where(Incident.status == OPEN, Incident.kind == failure.kind,
                                         Incident.element_id == failure.failure.element_id).limit(1))


def _audit(incident: Incident, event_type: str, actor: Actor, now: datetime, extra: dict) -> None:
    """The case's history shows the incident (no state changes: replay and verification pass over it).
    Only the kind of error is recorded there; its text may quote case data."""
    if incident.instance_id is None:
        return
    from app.services.records import audit

    instance = db.session.get(ProcessInstance, incident.instance_id)
    audit.append_event(instance, event_type, actor, now,
                       {"incident": incident.id, "kind": incident.kind, "element": incident.element_id, **extra},
                       task_spec_id=incident.element_id, task_name=incident.element_name)


# --------------------------------------------------------------------------- reading


def list_incidents(include_resolved: bool = False, limit: int = 200) -> list[Incident]:
    """Open incidents (oldest first), then, when asked, resolved ones (newest first)."""
    rows = list(db.session.scalars(sa.select(Incident).where(Incident.status == OPEN).order_by(Incident.id)))
    if include_resolved:
        rows += list(db.session.scalars(sa.select(Incident).where(Incident.status == RESOLVED)
                                        .order_by(Incident.id.desc()).limit(limit)))
    return rows


def open_incidents_of(instance_id: int) -> list[Incident]:
    return list(db.session.scalars(sa.select(Incident).where(Incident.instance_id == instance_id,
                                                             Incident.status == OPEN).order_by(Incident.id)))


def held_by_timer_incident():
    """SQL: the cases whose timers wait for an open timer incident to be retried (the sweep skips them)."""
    return sa.select(Incident.instance_id).where(Incident.status == OPEN, Incident.kind == TIMER,
                                                 Incident.instance_id.is_not(None))


# --------------------------------------------------------------------------- retry and close


@dataclass(frozen=True)
class RetryOutcome:
    incident_id: int
    resolved: bool
    message: str
    registration_number: str | None = None


def retry_incident(actor: Actor, incident_id: int, now: datetime) -> RetryOutcome:
    """Run the failed step again on the case as it now stands; resolve the incident when it completes."""
    from app.services.people.roles import require_manager

    require_manager(actor)
    incident = _open_incident(incident_id)
    token = _retrying.set(incident.id)
    try:
        done = _RETRIES[incident.kind](incident, actor, now)
    except IncidentRaised:
        db.session.expire_all()
        return RetryOutcome(incident_id, False, f"Masih gagal: {_open_incident(incident_id).last_retry_error}")
    except DomainError as exc:
        _count_failed_retry(incident_id, exc.message)
        return RetryOutcome(incident_id, False, f"Belum dapat dijalankan: {exc.message}")
    finally:
        _retrying.reset(token)
    reg, resolution = done
    _resolve(incident_id, actor, now, resolution, reg)
    return RetryOutcome(incident_id, True, resolution, reg)


@use_case
def close_incident(actor: Actor, incident_id: int, now: datetime, note: str) -> None:
    """Resolve an incident without running the step again (e.g. the applicant sent the request anew)."""
    from app.services.people.roles import require_manager

    require_manager(actor)
    note = plain(note or "")[:500]
    _open_incident(incident_id)
    _resolve_in_session(incident_id, actor, now, f"Ditutup tanpa dijalankan ulang: {note or '-'}", None, "closed")


def _open_incident(incident_id: int) -> Incident:
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("Insiden tidak ditemukan.")
    if incident.status != OPEN:
        raise Conflict("Insiden ini sudah diselesaikan.")
    return incident


@use_case
def _count_failed_retry(incident_id: int, message: str) -> None:
    incident = db.session.get(Incident, incident_id)
    incident.retry_count += 1
    incident.last_retry_error = plain(message)


@use_case
def _resolve(incident_id: int, actor: Actor, now: datetime, resolution: str, reg: str | None) -> None:
    _resolve_in_session(incident_id, actor, now, resolution, reg, "retried")


def _resolve_in_session(incident_id: int, actor: Actor, now: datetime, resolution: str, reg: str | None,
                        how: str) -> None:
    """`how`: "retried" (the retry ran the step), "done" (someone did the step meanwhile), "closed" (without it)."""
    incident = db.session.get(Incident, incident_id)
    if reg and incident.instance_id is None:  # a start that now went through: the case it created
        incident.registration_number = reg
        incident.instance_id = db.session.scalar(sa.select(ProcessInstance.id).filter_by(registration_number=reg))
    incident.status, incident.resolved_at, incident.resolved_by = RESOLVED, now, actor.full_name
    incident.resolution = resolution
    incident.retry_count += 1 if how == "retried" else 0
    incident.retry_data = None  # what the retry needed may be personal data: kept no longer than needed
    _audit(incident, RESOLVED_EVENT, actor, now, {"resolution": how})


def _original_actor(incident: Incident) -> Actor:
    """The step runs again as the person who asked for it (their submission, their task), or the system."""
    from app.services.people.accounts import actor_for

    if incident.actor_id is None:
        return SYSTEM
    user = db.session.get(User, incident.actor_id)
    if user is None:
        raise Conflict("Akun yang menjalankan langkah ini sudah tidak ada; tutup insiden ini.")
    return actor_for(user)


def _retry_start(incident: Incident, _actor: Actor, now: datetime) -> tuple[str | None, str]:
    from app.services.casework.cases import start_case, start_form

    data = incident.retry_data or {}
    if data.get("form_only"):  # the start form could not be shown: it is retried by showing it
        start_form(incident.process_id, now)
        return None, "Formulir permohonan dapat dibuka lagi."
    ref = start_case(_original_actor(incident), data.get("process_id") or incident.process_id, data.get("data") or {},
                     now, on_behalf=data.get("on_behalf"), submission_key=data.get("submission_key"))
    return ref.registration_number, f"Permohonan tercatat dengan nomor {ref.registration_number}."


def _open_task(incident: Incident) -> HumanTask | None:
    """The task the failed step completes: the same one, or the open task of the same element after a migration."""
    task_id = (incident.retry_data or {}).get("task_id")
    rows = list(db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == incident.instance_id)))
    return (next((r for r in rows if r.task_id == task_id), None)
            or next((r for r in rows if r.spec_id == (incident.retry_data or {}).get("spec_id")), None))


def _retry_task(incident: Incident, _actor: Actor, now: datetime) -> tuple[str | None, str]:
    from app.services.casework.tasks import complete_task

    row = _open_task(incident)
    if row is None:
        return incident.registration_number, DONE_ALREADY
    data = incident.retry_data or {}
    done = complete_task(_original_actor(incident), row.task_id, data.get("data") or {}, now,
                         registration_number=incident.registration_number, on_behalf=data.get("on_behalf"))
    return done.registration_number, f"Langkah selesai dijalankan. Status kasus sekarang: {done.status}."


def _retry_timer(incident: Incident, _actor: Actor, now: datetime) -> tuple[str | None, str]:
    from app.services.casework.timers import fire_case_timers

    fired = fire_case_timers(incident.instance_id, now)
    if not fired:
        return incident.registration_number, ("Tidak ada lagi batas waktu yang jatuh tempo; batas waktu kasus "
                                              "berjalan kembali.")
    return incident.registration_number, "Batas waktu dijalankan: " + "; ".join(fired) + "."


def _retry_message(incident: Incident, _actor: Actor, now: datetime) -> tuple[str | None, str]:
    from app.services.casework.withdrawal import TOO_LATE, withdraw_request

    data = incident.retry_data or {}
    try:
        status = withdraw_request(_original_actor(incident), incident.registration_number, data.get("reason") or "",
                                  now, on_behalf=data.get("on_behalf"))
    except Conflict as exc:
        if exc.message == TOO_LATE:
            return incident.registration_number, DONE_ALREADY
        raise
    return incident.registration_number, f"Pesan diterima. Status kasus sekarang: {status}."


def _retry_migration(incident: Incident, actor: Actor, now: datetime) -> tuple[str | None, str]:
    """A version never changes: the case is moved to the newest version of its process (the fix)."""
    from app.services.modelling.processes import latest_version, migrate_cases

    instance = db.session.get(ProcessInstance, incident.instance_id)
    newest = latest_version(instance.process_id)
    if instance.finished or instance.version_id == newest.id:
        return incident.registration_number, "Kasus sudah berjalan pada versi terbaru."
    outcome = migrate_cases(actor, [instance.registration_number], newest.id, now)[0]
    if outcome.incident_id is not None:  # the newest version fails too: recorded on this incident
        raise IncidentRaised(outcome.incident_id, MIGRATION, incident.instance_id)
    if not outcome.moved:
        raise Conflict("; ".join(outcome.reasons))
    return incident.registration_number, f"Kasus dipindahkan ke versi {newest.id}."


_RETRIES: dict[str, Callable[[Incident, Actor, datetime], tuple[str | None, str]]] = {
    START: _retry_start, TASK: _retry_task, TIMER: _retry_timer, MESSAGE: _retry_message,
    MIGRATION: _retry_migration}
