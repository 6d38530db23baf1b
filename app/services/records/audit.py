"""The append-only audit log with a per-case hash chain, and its verification."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from app.persistence.memo import transaction_memo
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, TimerJob, db

from app.services.infrastructure.context import Actor

GENESIS = "0" * 64
_LAST = "audit_last_event"  # instance id -> (seq, hash) of its last event, within one transaction


def canonical(value: Any) -> str:
    """Stable JSON text used for hashing (sorted keys, no spaces, dates as ISO)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _event_hash(event: AuditEvent) -> str:
    body = canonical({
        "instance": event.instance_id, "seq": event.seq, "at": event.at.isoformat(),
        "type": event.event_type, "actor_id": event.actor_id, "actor_name": event.actor_name,
        "actor_role": event.actor_role, "lane": event.lane, "task": event.task_spec_id,
        "task_name": event.task_name, "payload": event.payload, "prev": event.prev_hash,
    })
    return hashlib.sha256(body.encode()).hexdigest()


def append_event(instance: ProcessInstance, event_type: str, actor: Actor, now: datetime,
                 payload: dict, lane: str | None = None, task_spec_id: str | None = None,
                 task_name: str | None = None) -> AuditEvent:
    """Add the next event of a case's chain (flush only; the use case commits)."""
    known = transaction_memo(db.session, _LAST)
    last = known.get(instance.id)
    if last is None:
        row = db.session.execute(
            db.select(AuditEvent.seq, AuditEvent.hash).filter_by(instance_id=instance.id)
            .order_by(AuditEvent.seq.desc()).limit(1)).first()
        last = (row.seq, row.hash) if row else (0, GENESIS)
    event = AuditEvent(
        instance_id=instance.id, seq=last[0] + 1, at=now, event_type=event_type,
        actor_id=actor.user_id, actor_name=actor.full_name, actor_role=actor.main_role, lane=lane,
        task_spec_id=task_spec_id, task_name=task_name, payload=canonical(payload), prev_hash=last[1],
    )
    event.hash = _event_hash(event)
    db.session.add(event)
    db.session.flush()
    known[instance.id] = (event.seq, event.hash)
    return event


def remember_last(instance_id: int, seq: int | None, hash_: str | None) -> None:
    """The case's last event as the caller read it (with the case, in this transaction): the next event
    links to it without asking again. A chain that moved on meanwhile fails the (instance, seq) key: Conflict."""
    transaction_memo(db.session, _LAST)[instance_id] = (seq, hash_) if seq is not None else (0, GENESIS)


def last_event_columns(instance_id_column) -> tuple:
    """Correlated subqueries (seq, hash) of a case's last event, to read in the same statement as the case."""
    newest = sa.select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.instance_id == instance_id_column) \
        .order_by(AuditEvent.seq.desc()).limit(1)
    return (newest.with_only_columns(AuditEvent.seq).scalar_subquery(),
            newest.with_only_columns(AuditEvent.hash).scalar_subquery())


@dataclass(frozen=True)
class VerifyProblem:
    registration_number: str
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" if self.seq is not None else "case"
        return f"{self.registration_number} {where}: {self.message}"


def verify_instance(instance: ProcessInstance) -> list[VerifyProblem]:
    """Check one case: the chain, the stored state against the last event, and the derived rows."""
    events = list(db.session.scalars(
        db.select(AuditEvent).filter_by(instance_id=instance.id).order_by(AuditEvent.seq)))
    problems = _chain_problems(instance, events)
    if events and not problems:
        # the last event that recorded the state (a claim after it changes no state and records none)
        payloads = (json.loads(e.payload) for e in reversed(events))
        last = next((p for p in payloads if "state_hash" in p), None)
        if last is not None:
            problems += _state_problems(instance, last)
    return problems


def _chain_problems(instance: ProcessInstance, events: list[AuditEvent]) -> list[VerifyProblem]:
    reg, problems, prev = instance.registration_number, [], GENESIS
    if not events:
        return [VerifyProblem(reg, None, "no audit events")]
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            missing = ", ".join(f"#{n}" for n in range(expected_seq, event.seq)) or f"#{event.seq}"
            problems.append(VerifyProblem(reg, expected_seq, f"event(s) {missing} missing (removed from the history)"))
        if event.prev_hash != prev:
            problems.append(VerifyProblem(reg, event.seq, "previous-hash link broken (an event was removed or altered)"))
        if _event_hash(event) != event.hash:
            problems.append(VerifyProblem(reg, event.seq, "content does not match its hash (the event was altered)"))
        expected_seq = event.seq + 1
        prev = event.hash
    return problems


def _state_problems(instance: ProcessInstance, last: dict) -> list[VerifyProblem]:
    reg, seq, problems = instance.registration_number, last.get("seq_hint"), []
    if state_hash(instance.state) != last.get("state_hash"):
        problems.append(VerifyProblem(reg, seq, "stored workflow state differs from the state the history ends with"))
    if canonical(instance.case_data) != canonical(last.get("case_data")):
        problems.append(VerifyProblem(reg, seq, "stored case data differs from the history"))
    if (instance.status, instance.opd_code, instance.applicant_id) != tuple(last.get("case_fields", [None] * 3)):
        problems.append(VerifyProblem(reg, seq, "stored case fields (status, OPD, applicant) differ from the history"))
    tasks = sorted(canonical(r) for r in _task_rows(instance.id))
    if tasks != sorted(canonical(t) for t in last.get("open_tasks", [])):
        problems.append(VerifyProblem(reg, seq, "worklist rows differ from the open tasks the history ends with"))
    timers = sorted(canonical(r) for r in _timer_rows(instance.id))
    if timers != sorted(canonical(t) for t in last.get("timers", [])):
        problems.append(VerifyProblem(reg, seq, "timer rows differ from the timers the history ends with"))
    return problems


def task_row_fingerprint(row: HumanTask) -> dict:
    return {"task_id": row.task_id, "spec_id": row.spec_id, "lane": row.lane, "opd": row.opd_code,
            "applicant_id": row.applicant_id, "due_at": _iso(row.due_at), "deadline_at": _iso(row.deadline_at)}


def timer_row_fingerprint(row: TimerJob) -> dict:
    return {"task_id": row.task_id, "spec_id": row.spec_id, "due_at": _iso(row.due_at)}


def _iso(value: datetime | None) -> str | None:
    """ISO text in UTC: a row's time reads the same before it is stored and after it is read back."""
    return value.astimezone(timezone.utc).isoformat() if value else None


def _task_rows(instance_id: int) -> list[dict]:
    return [task_row_fingerprint(r) for r in db.session.scalars(db.select(HumanTask).filter_by(instance_id=instance_id))]


def _timer_rows(instance_id: int) -> list[dict]:
    return [timer_row_fingerprint(r) for r in db.session.scalars(db.select(TimerJob).filter_by(instance_id=instance_id))]


def verify_all(registration_number: str | None = None) -> tuple[int, list[VerifyProblem]]:
    """Verify one case (by registration number) or all; returns (cases checked, problems)."""
    query = db.select(ProcessInstance).order_by(ProcessInstance.id)
    if registration_number:
        query = query.filter_by(registration_number=registration_number)
    count, problems = 0, []
    for instance in db.session.scalars(query):
        count += 1
        problems += verify_instance(instance)
    return count, problems


def final_hash(instance_id: int) -> str | None:
    """The hash of a case's last audit event: it seals the whole history (None: no events).

    Anyone holding this value (printed on an exported history, kept by the Komisi Informasi)
    can later prove that the history they are shown is the one that was exported: every
    earlier event is chained into it.
    """
    return db.session.scalar(db.select(AuditEvent.hash).filter_by(instance_id=instance_id)
                             .order_by(AuditEvent.seq.desc()).limit(1))
