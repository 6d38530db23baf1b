"""Use cases around a whole case: start it, read it, list cases."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from app.domain.errors import Forbidden, InvalidProcess, NotFound
from app.engine import EngineError
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, TimerJob, db

from . import audit
from .access import may_read_case, may_see_personal_data
from .attachments import Upload, link_to_case, store_uploads
from .context import Actor, engine
from .forms import clean_submission
from .numbers import allocate_number
from .processes import definition_of, latest_version
from .steps import new_context, persist_run
from .transaction import use_case

PERSONAL_FIELDS = ("nik", "nomor_akta", "lampiran_identitas")
DEFAULT_PREFIX = "REG"


@dataclass(frozen=True)
class CaseRef:
    id: int
    registration_number: str
    status: str


@use_case
def start_case(actor: Actor, process_id: str, data: dict, now: datetime,
               uploads: dict[str, Upload] | None = None) -> CaseRef:
    """Start a case on the newest version: the start form completes the first (pemohon) task."""
    version = latest_version(process_id)
    definition = definition_of(version)
    run = engine().start(definition, new_context(now))
    first = next(iter(run.ready_tasks()), None)
    if first is None or first.lane != "pemohon" or not first.form:
        raise InvalidProcess(["the first user task must be in lane 'pemohon' and have a form"])
    references = store_uploads(actor, uploads, now) if uploads else {}
    cleaned = clean_submission(definition.forms[first.form], {**data, **references})
    number = allocate_number(definition.properties.get("nomorPrefix", DEFAULT_PREFIX), now)
    instance = ProcessInstance(
        version_id=version.id, process_id=version.process_id, registration_number=number,
        applicant_id=actor.user_id, applicant_name=str(cleaned.get("nama_lengkap") or actor.full_name),
        case_data={}, state="", created_at=now, updated_at=now,
    )
    db.session.add(instance)
    db.session.flush()
    link_to_case(references, instance)
    audit.append_event(instance, "case_started", actor, now,
                       {"process": version.process_id, "version": version.content_hash, "number": number})
    try:
        run.complete(first.task_id, {**cleaned, "nomor_pendaftaran": number})
    except EngineError as exc:
        raise InvalidProcess([str(exc)]) from None
    persist_run(instance, run, actor, now, "task_completed", submitted=cleaned, task=first)
    return CaseRef(instance.id, number, instance.status)


def find_instance(registration_number: str) -> ProcessInstance:
    instance = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=registration_number))
    if instance is None:
        raise NotFound("Nomor pendaftaran tidak ditemukan.")
    return instance


def mask_nik(value: str) -> str:
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:] if len(value) > 8 else "*" * len(value)


def masked(data: dict) -> dict:
    """Case data with personal fields masked (NIK shortened, scans hidden)."""
    out = dict(data)
    for key in PERSONAL_FIELDS:
        if key in out and isinstance(out[key], str):
            out[key] = mask_nik(out[key]) if key != "lampiran_identitas" else "(disembunyikan)"
    return out


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    at: datetime
    event_type: str
    actor_name: str
    actor_role: str
    lane: str | None
    task_name: str | None
    payload: dict


@dataclass(frozen=True)
class CaseView:
    id: int
    registration_number: str
    process_id: str
    status: str
    applicant_name: str
    opd_code: str | None
    late: bool
    finished: bool
    created_at: datetime
    data: dict
    open_tasks: list[dict] = field(default_factory=list)
    timers: list[dict] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    chain_ok: bool = True


def get_case(actor: Actor, registration_number: str) -> CaseView:
    """A case with its open tasks, pending timers and history, as the actor may see it."""
    instance = find_instance(registration_number)
    if not may_read_case(actor, instance):
        raise Forbidden()
    personal = may_see_personal_data(actor, instance)
    events = db.session.scalars(db.select(AuditEvent).filter_by(instance_id=instance.id).order_by(AuditEvent.seq))
    history = [_entry(e, personal) for e in events]
    return CaseView(
        id=instance.id, registration_number=instance.registration_number, process_id=instance.process_id,
        status=instance.status, applicant_name=instance.applicant_name, opd_code=instance.opd_code,
        late=instance.late, finished=instance.finished, created_at=instance.created_at,
        data=instance.case_data if personal else masked(instance.case_data),
        open_tasks=[{"id": t.id, "title": t.title, "lane": t.lane, "due_at": t.due_at, "claimed_by": t.claimed_by_name}
                    for t in db.session.scalars(db.select(HumanTask).filter_by(instance_id=instance.id))],
        timers=[{"name": t.name, "due_at": t.due_at}
                for t in db.session.scalars(db.select(TimerJob).filter_by(instance_id=instance.id).order_by(TimerJob.due_at))],
        history=history, chain_ok=not audit.verify_instance(instance),
    )


def _entry(event: AuditEvent, personal: bool) -> HistoryEntry:
    payload = json.loads(event.payload)
    if not personal:
        for key in ("submitted", "case_data"):
            if isinstance(payload.get(key), dict):
                payload[key] = masked(payload[key])
        payload["changes"] = {k: v for k, v in payload.get("changes", {}).items() if k not in PERSONAL_FIELDS}
    return HistoryEntry(event.seq, event.at, event.event_type, event.actor_name, event.actor_role,
                        event.lane, event.task_name, payload)


def list_cases(limit: int = 100, status: str | None = None) -> list[ProcessInstance]:
    """Cases, newest first (operator listing; the web layer filters by role)."""
    query = db.select(ProcessInstance).order_by(ProcessInstance.id.desc()).limit(limit)
    if status:
        query = query.filter_by(status=status)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class StartForm:
    process_id: str
    process_name: str
    task_name: str
    schema: dict
    ui_schema: dict


_start_forms: dict[str, tuple[str, str | None, str]] = {}


def start_form(process_id: str, now: datetime) -> StartForm:
    """The form that starts a case of the newest version (its first, pemohon-lane task)."""
    from .forms import resolve_schema

    version = latest_version(process_id)
    definition = definition_of(version)
    if version.content_hash not in _start_forms:
        run = engine().start(definition, new_context(now))
        first = next(iter(run.ready_tasks()), None)
        if first is None or not first.form:
            raise InvalidProcess(["the process has no start form"])
        _start_forms[version.content_hash] = (first.form, first.ui_form, first.name)
    form, ui_form, task_name = _start_forms[version.content_hash]
    return StartForm(process_id, version.name, task_name, resolve_schema(definition.forms[form]),
                     definition.forms.get(ui_form or "", {}))


def my_cases(actor: Actor) -> list[ProcessInstance]:
    """The applicant's own cases, newest first."""
    return list(db.session.scalars(db.select(ProcessInstance).filter_by(applicant_id=actor.user_id)
                                   .order_by(ProcessInstance.id.desc())))
