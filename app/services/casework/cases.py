"""Use cases around a whole case: start it, read it, list cases."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from app.domain.errors import InvalidProcess, NotFound
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, TimerJob, User, db

from app.services.records import audit
from app.services.casework.access import may_read_case, may_see_personal_data
from app.services.casework.attachments import REFERENCE_PREFIX, Upload, check_quota, store_uploads, validate_submission
from app.services.infrastructure.context import SYSTEM, Actor, engine, setting
from app.services.casework.incidents import START, guard, records_incidents
from app.services.casework.numbers import allocate_number
from app.services.modelling.processes import definition_of, latest_version
from app.services.casework.privacy import PERSONAL_FIELDS, Privacy, case_privacy, is_own_case, privacy_of  # noqa: F401 - importable here
from app.services.casework.privacy import reads_as_applicant_only
from app.services.casework.quotas import check_request_quota
from app.services.casework.steps import new_context, persist_run
from app.services.infrastructure.transaction import use_case

DEFAULT_PREFIX = "REG"
#: data key the start form sets when the applicant asks to stay anonymous to staff
ANONYMOUS_KEY = "anonim"
ANONYMOUS_NAME = "Pelapor anonim"
HIDDEN = "(disembunyikan)"
WITHHELD = "(dirahasiakan)"


@dataclass(frozen=True)
class CaseRef:
    id: int
    registration_number: str
    status: str
    existing: bool = False  # the same start form was sent before: this is the case it started


def _submitted_before(key: str | None) -> CaseRef | None:
    found = db.session.scalar(db.select(ProcessInstance).filter_by(submission_key=key)) if key else None
    return CaseRef(found.id, found.registration_number, found.status, existing=True) if found else None


def content_fingerprint(process_id: str, data: dict, uploads: dict[str, Upload] | None) -> str:
    """sha256 of what a start form says: its fields (white space folded) and its files' contents."""
    fields = {k: " ".join(v.split()) if isinstance(v, str) else v for k, v in data.items() if v not in ("", None)}
    files = {k: hashlib.sha256(u.data).hexdigest() for k, u in (uploads or {}).items()}
    text = json.dumps({"process": process_id, "fields": fields, "files": files}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _same_content_lately(actor: Actor, process_id: str, fingerprint: str, now: datetime) -> CaseRef | None:
    """The applicant's case of this process started from the same content within the resubmit window."""
    since = now - timedelta(minutes=int(setting("PPID_RESUBMIT_WINDOW_MINUTES")))
    found = db.session.scalar(db.select(ProcessInstance).where(
        ProcessInstance.applicant_id == actor.user_id, ProcessInstance.process_id == process_id,
        ProcessInstance.content_fingerprint == fingerprint, ProcessInstance.created_at >= since)
        .order_by(ProcessInstance.id.desc()).limit(1))
    return CaseRef(found.id, found.registration_number, found.status, existing=True) if found else None


@records_incidents
@use_case
def start_case(actor: Actor, process_id: str, data: dict, now: datetime,
               uploads: dict[str, Upload] | None = None, submission_key: str | None = None,
               match_content: bool = False, on_behalf: str | None = None) -> CaseRef:
    """Start a case on the newest version: the start form completes the first (pemohon) task.

    `submission_key` (a one-time form token or an API Idempotency-Key) makes a repeated submission
    return the case the first one started instead of starting another, across every web worker;
    with `match_content`, so does the same content sent again by the same applicant within
    PPID_RESUBMIT_WINDOW_MINUTES (Back after sending, then Kirim again, gets a new form token but
    says the same thing). Callers that state a new key for a new request (an API client's fresh
    Idempotency-Key) do not ask for it.

    `on_behalf` (a channel of app.services.casework.counter.CHANNELS): a Diskominfo officer records a request brought to
    the counter, by phone or by letter; the case has no account until the applicant claims it. A start form
    that names the channel field (counter.CHANNEL_KEY) gets it from here, "daring" for the applicant's own.
    """
    from app.services.casework.counter import check_channel, check_officer

    if on_behalf is not None:
        check_officer(actor)
        check_channel(on_behalf)
    key = f"{actor.user_id}:{submission_key}"[:120] if submission_key else None
    fingerprint = content_fingerprint(process_id, data, uploads)
    earlier = _submitted_before(key) or (_same_content_lately(actor, process_id, fingerprint, now)
                                         if match_content and actor.user_id is not None else None)
    if earlier is not None:
        return earlier
    if on_behalf is None:  # an applicant's own request counts against the account's limits; the counter's do not
        check_request_quota(actor, now)
    version = latest_version(process_id)
    # what a retry needs (app/services/casework/incidents.py), never the files; the same key, so a form or an API request
    # sent again after the retry started the case gets that case, not a second one
    retry = {"process_id": process_id, "data": {k: v for k, v in data.items() if k not in (uploads or {})},
             "on_behalf": on_behalf, "submission_key": submission_key}
    with guard(START, actor, now, process_id=version.process_id, version_id=version.id, retry=retry):
        return _start(actor, version, data, now, uploads, key, fingerprint, on_behalf)


def _start(actor: Actor, version, data: dict, now: datetime, uploads: dict[str, Upload] | None, key: str | None,
           fingerprint: str, on_behalf: str | None) -> CaseRef:
    from app.services.casework.counter import CHANNEL_KEY, ONLINE

    definition = definition_of(version)
    run = engine().start(definition, new_context(now))
    first = next(iter(run.ready_tasks()), None)
    if first is None or first.lane != "pemohon" or not first.form:
        raise InvalidProcess(["the first user task must be in lane 'pemohon' and have a form"])
    privacy = privacy_of(definition.content_hash, definition.forms)
    if CHANNEL_KEY in (definition.forms[first.form].get("properties") or {}):
        data = {**data, CHANNEL_KEY: on_behalf or ONLINE}  # never what was typed
    # every field and file is checked before anything is written (a refused form leaves no file behind)
    cleaned, checked = validate_submission(definition.forms[first.form], data, uploads)
    check_quota(actor, checked)
    number = allocate_number(definition.properties.get("nomorPrefix", DEFAULT_PREFIX), now)
    name = str(cleaned.get("nama_lengkap") or ("" if on_behalf else actor.full_name))
    if cleaned.get(ANONYMOUS_KEY) is True and privacy.identity:
        name = ANONYMOUS_NAME  # lists and worklists show the stored name: keep the identity out of it
    instance = ProcessInstance(
        version_id=version.id, process_id=version.process_id, registration_number=number,
        applicant_id=None if on_behalf else actor.user_id, applicant_name=name,
        case_data={}, state="", created_at=now, updated_at=now, submission_key=key,
        content_fingerprint=fingerprint,
    )
    db.session.add(instance)
    try:
        db.session.flush()
    except IntegrityError:  # the same form, sent at the same moment, won the race
        db.session.rollback()
        earlier = _submitted_before(key)
        if earlier is None:
            raise
        return earlier
    audit.append_event(instance, "case_started", actor, now,
                       {"process": version.process_id, "version": version.content_hash, "number": number,
                        **({"atas_nama_pemohon": True, "kanal": on_behalf} if on_behalf else {})})
    run.complete(first.task_id, {**cleaned, "nomor_pendaftaran": number})  # a failure: an incident, nothing kept
    persist_run(instance, run, actor, now, "task_completed", submitted=cleaned, task=first)
    store_uploads(actor, checked, instance, now, privacy.personal)  # final names once this commits
    return CaseRef(instance.id, number, instance.status)


def find_instance(registration_number: str) -> ProcessInstance:
    instance = db.session.scalar(db.select(ProcessInstance).filter_by(registration_number=registration_number))
    if instance is None:
        raise NotFound("Nomor pendaftaran tidak ditemukan.")
    return instance


def readable_instance(actor: Actor, registration_number: str) -> ProcessInstance:
    """The case if the actor may read it; NotFound, exactly as for a number never given, otherwise:
    an answer that differs would tell a stranger which registration numbers exist (ASVS 4.2.1)."""
    instance = find_instance(registration_number)
    if not may_read_case(actor, instance):
        raise NotFound("Nomor pendaftaran tidak ditemukan.")
    return instance


def mask_nik(value: str) -> str:
    return value[:4] + "*" * max(len(value) - 8, 0) + value[-4:] if len(value) > 8 else "*" * len(value)


def _hide_personal(key: str, value):
    if not isinstance(value, str):
        return HIDDEN
    if key == "lampiran_identitas" or value.startswith(REFERENCE_PREFIX):
        return HIDDEN  # scans and other uploads
    return mask_nik(value)


def masked(data: dict, personal=PERSONAL_FIELDS, identity=(), secrets=()) -> dict:
    """Case data with personal fields masked (NIK shortened, scans hidden) and identity fields withheld;
    `secrets` (the withheld values themselves) are also cut out of every other text."""
    out = dict(data)
    for key in personal:
        if key in out and out[key] not in (None, ""):
            out[key] = _hide_personal(key, out[key])
    for key in identity:
        if key in out and out[key] not in (None, ""):
            out[key] = WITHHELD
    if secrets:
        out = {k: v if k in identity else scrub(v, secrets) for k, v in out.items()}
    return out


def scrub(value, secrets):
    """The value (text, or texts nested in dicts and lists) with every secret replaced by WITHHELD."""
    if isinstance(value, str):
        for secret in secrets:
            value = re.sub(re.escape(secret), WITHHELD, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, dict):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value


def withholds_identity(actor: Actor, instance: ProcessInstance) -> bool:
    """An anonymous case: everybody but the applicant is kept from the identity fields."""
    return (instance.case_data or {}).get(ANONYMOUS_KEY) is True and not is_own_case(actor, instance)


def identity_secrets(instance: ProcessInstance) -> tuple[str, ...]:
    """The texts that identify the applicant of a case: its identity fields and the account's name and e-mail."""
    data = instance.case_data or {}
    values = [data.get(key) for key in case_privacy(instance).identity]
    owner = db.session.get(User, instance.applicant_id) if instance.applicant_id else None
    if owner is not None:
        values += [owner.full_name, owner.email]
    found = {v.strip() for v in values if isinstance(v, str) and len(v.strip()) >= 3}
    return tuple(sorted(found, key=len, reverse=True))


@dataclass(frozen=True)
class DataView:
    """Which fields of one case one actor may not see."""

    personal: frozenset[str]
    identity: frozenset[str]
    applicant_id: int | None
    secrets: tuple[str, ...] = ()
    internal: frozenset[str] = frozenset()  # left out altogether (not masked)
    applicant_only: bool = False  # the applicant reading their own case: no engine details in the history

    @property
    def hidden(self) -> frozenset[str]:
        return self.personal | self.identity | self.internal

    def apply(self, data: dict) -> dict:
        if self.internal:
            data = {k: v for k, v in data.items() if k not in self.internal}
        return masked(data, self.personal, self.identity, self.secrets) if self.personal or self.identity else data


def data_view(actor: Actor, instance: ProcessInstance) -> DataView:
    rules = case_privacy(instance)
    applicant_only = reads_as_applicant_only(actor, instance)
    withheld = withholds_identity(actor, instance)
    return DataView(
        personal=frozenset() if may_see_personal_data(actor, instance) else rules.personal,
        identity=rules.identity if withheld else frozenset(),
        applicant_id=instance.applicant_id,
        secrets=identity_secrets(instance) if withheld else (),
        internal=rules.internal if applicant_only else frozenset(),
        applicant_only=applicant_only,
    )


def visible_data(actor: Actor, instance: ProcessInstance, data: dict | None = None) -> dict:
    """The case data (or a part of it) as this actor may see it."""
    return data_view(actor, instance).apply(instance.case_data if data is None else data)


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
    instance = readable_instance(actor, registration_number)
    view = data_view(actor, instance)
    events = db.session.scalars(db.select(AuditEvent).filter_by(instance_id=instance.id).order_by(AuditEvent.seq))
    history = [history_entry(e, view) for e in events]
    return CaseView(
        id=instance.id, registration_number=instance.registration_number, process_id=instance.process_id,
        status=instance.status, applicant_name=instance.applicant_name, opd_code=instance.opd_code,
        late=instance.late, finished=instance.finished, created_at=instance.created_at,
        data=view.apply(instance.case_data),
        open_tasks=[{"id": t.id, "task_id": t.task_id, "title": t.title, "lane": t.lane, "due_at": t.due_at, "claimed_by": t.claimed_by_name}
                    for t in db.session.scalars(db.select(HumanTask).filter_by(instance_id=instance.id))],
        timers=[{"name": t.name, "due_at": t.due_at}
                for t in db.session.scalars(db.select(TimerJob).filter_by(instance_id=instance.id).order_by(TimerJob.due_at))],
        history=history, chain_ok=not audit.verify_instance(instance),
    )


#: audit payload keys that describe an engine failure (incidents.py): never shown to the applicant
ENGINE_DETAILS = ("error_type",)


def history_entry(event: AuditEvent, view: DataView) -> HistoryEntry:
    """One audit event as the actor of `view` may see it (the stored event is never changed)."""
    payload = json.loads(event.payload)
    actor_name = event.actor_name
    if view.hidden:
        for key in ("submitted", "case_data"):
            if isinstance(payload.get(key), dict):
                payload[key] = view.apply(payload[key])
        payload["changes"] = view.apply({k: v for k, v in payload.get("changes", {}).items() if k not in view.hidden})
    if view.applicant_only:  # the failure's Python name stays with staff and the incident (ASVS 7.4.1)
        for key in ENGINE_DETAILS:
            payload.pop(key, None)
    if view.identity:
        if event.actor_id is not None and event.actor_id == view.applicant_id:
            actor_name = ANONYMOUS_NAME
        payload["notifications"] = [{**n, "address": WITHHELD} if isinstance(n, dict) and n.get("to") == "pemohon"
                                    else n for n in payload.get("notifications", [])]
    return HistoryEntry(event.seq, event.at, event.event_type, actor_name, event.actor_role,
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
    from app.services.casework.forms import resolve_schema

    from app.services.casework.incidents import FORM_MESSAGE, IncidentRaised, StepFailed, record_incident

    version = latest_version(process_id)
    try:  # the process fails before its first task, or its form is gone: an incident, not a 500
        with guard(START, SYSTEM, now, process_id=version.process_id, version_id=version.id,
                   retry={"form_only": True}):
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
    except StepFailed as failure:
        raise IncidentRaised(record_incident(failure), START, message=FORM_MESSAGE) from None


def my_cases(actor: Actor) -> list[ProcessInstance]:
    """The applicant's own cases, newest first."""
    return list(db.session.scalars(db.select(ProcessInstance).filter_by(applicant_id=actor.user_id)
                                   .order_by(ProcessInstance.id.desc())))
