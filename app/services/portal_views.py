"""Read-only views for the applicant portal, the task page and the public status page,
and the assembly of case documents (receipt, written notice, dispute bundle).

Nothing here writes: every function reads what a page needs, with the actor's rights
checked through :mod:`app.services.cases`, :mod:`app.services.tasks` and
:mod:`app.services.attachments`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.domain import data_contract as contract
from app.domain import roles
from app.domain.errors import Forbidden, NotFound
from app.engine.definition import ProcessDefinition, UserTaskMeta
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, TimerJob, db

from .withdrawal import may_withdraw
from .access import may_see_personal_data, may_work
from .attachments import Upload, case_attachments, read_attachment, validate_submission, withheld_from
from .cases import CaseView, HistoryEntry, find_instance, get_case, my_cases
from .context import Actor
from .forms import option_sources, resolve_schema
from .tasks import TaskDetail, get_task
from .versions import definition_for

SYSTEM_ROLE = "sistem"
#: event types shown on a timeline (claims are shown to staff only)
TIMELINE_EVENTS = ("task_completed", "timer_fired", "case_redispatched")
STAFF_TIMELINE_EVENTS = ("task_claimed", "task_unclaimed")


# --------------------------------------------------------------------------- small helpers

def _definition(instance: ProcessInstance) -> ProcessDefinition:
    return definition_for(instance)


def _is_owner(actor: Actor, instance: ProcessInstance) -> bool:
    return actor.user_id is not None and instance.applicant_id == actor.user_id


def actor_label(entry: HistoryEntry, show_names: bool) -> str:
    """Who did a step: the role label, with the name only for staff viewers."""
    if entry.actor_role == SYSTEM_ROLE or (entry.actor_role == "" and not entry.actor_name):
        return "Sistem"
    label = roles.role_label(entry.actor_role) if entry.actor_role else ""
    if entry.actor_role == roles.PEMOHON:
        return "Pemohon"
    if show_names and entry.actor_name:
        return f"{entry.actor_name} — {label}" if label else entry.actor_name
    return label or "Petugas"


def _timer_name(payload: dict) -> str | None:
    """The name of the timer event that fired, from an event's steps."""
    for step in payload.get("steps") or []:
        if isinstance(step, dict) and step.get("kind") in ("BoundaryEvent", "IntermediateCatchEvent") and step.get("name"):
            return str(step["name"])
    return None


def _event_title(entry_type: str, task_name: str | None, payload: dict) -> str | None:
    if entry_type == "task_completed":
        return task_name
    if entry_type == "timer_fired":
        name = _timer_name(payload)
        return f"{name} berakhir" if name else "Batas waktu berakhir"
    if entry_type == "case_redispatched":
        return "Diteruskan ke OPD lain"
    if entry_type == "task_claimed":
        return f"Tugas diambil: {task_name}" if task_name else "Tugas diambil"
    if entry_type == "task_unclaimed":
        return f"Tugas dilepas: {task_name}" if task_name else "Tugas dilepas"
    return None


def _status_after(payload: dict) -> str | None:
    change = (payload.get("changes") or {}).get("status")
    if isinstance(change, dict) and change.get("after"):
        return str(change["after"])
    return None


def field_titles(definition: ProcessDefinition) -> dict[str, str]:
    """Field name -> title over every form of the process (first form wins)."""
    titles: dict[str, str] = {}
    for schema in definition.forms.values():
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict) and prop.get("title"):
                titles.setdefault(name, str(prop["title"]))
    return titles


def form_labels(definition: ProcessDefinition) -> dict[str, dict[str, str]]:
    """Titles of coded values (`oneOf` const/title) over every form, `x-options` resolved."""
    from app.documents import labels_from_schema

    labels: dict[str, dict[str, str]] = {}
    sources = option_sources(staffed_only=False)
    for name in sorted(definition.forms):
        if isinstance(definition.forms[name].get("properties"), dict):
            labels_from_schema(resolve_schema(definition.forms[name], sources), labels)
    return labels


def _spec_by_seq(instance_id: int) -> dict[int, str | None]:
    rows = db.session.execute(sa.select(AuditEvent.seq, AuditEvent.task_spec_id)
                              .where(AuditEvent.instance_id == instance_id))
    return {seq: spec for seq, spec in rows}


def _start_meta(instance: ProcessInstance, definition: ProcessDefinition) -> UserTaskMeta | None:
    """The user task whose form started the case (the first completed task)."""
    spec = db.session.scalar(sa.select(AuditEvent.task_spec_id).where(
        AuditEvent.instance_id == instance.id, AuditEvent.event_type == "task_completed")
        .order_by(AuditEvent.seq).limit(1))
    if spec and spec in definition.user_tasks:
        return definition.user_tasks[spec]
    return next((m for m in definition.user_tasks.values() if m.lane == roles.PEMOHON and m.form), None)


def _form_pair(definition: ProcessDefinition, meta: UserTaskMeta | None) -> tuple[dict, dict]:
    if meta is None or not meta.form:
        return {}, {}
    return resolve_schema(definition.forms.get(meta.form, {})), definition.forms.get(meta.ui_form or "", {})


# --------------------------------------------------------------------------- shared pieces

@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    title: str
    who: str
    status: str | None = None
    answer: "AnswerBlock | None" = None  # what this step said, as its reader may see it
    documents: tuple[str, ...] = ()  # the documents this step produced: "tanda_terima", "pemberitahuan"


@dataclass(frozen=True)
class Deadline:
    name: str
    due_at: datetime
    legal: bool


@dataclass(frozen=True)
class AttachmentLink:
    token: str
    field: str
    field_title: str
    name: str
    content_type: str
    size: int
    personal: bool


@dataclass(frozen=True)
class AnswerBlock:
    """The answers given in one completed task, to render read-only."""

    seq: int
    at: datetime
    task_name: str
    who: str
    schema: dict
    ui_schema: dict
    values: dict


def _timeline(view: CaseView, show_names: bool, staff_events: bool,
              definition: ProcessDefinition | None = None) -> list[TimelineItem]:
    """The case's steps in order; with `definition`, each completed step carries its answer and documents."""
    kinds = TIMELINE_EVENTS + (STAFF_TIMELINE_EVENTS if staff_events else ())
    answers = {block.seq: block for block in _answers(view, definition, show_names, skip_first=True)} \
        if definition is not None else {}
    items, first = [], True
    for entry in view.history:
        if entry.event_type not in kinds:
            continue
        title = _event_title(entry.event_type, entry.task_name, entry.payload)
        if not title:
            continue
        documents: tuple[str, ...] = ()
        if entry.event_type == "task_completed" and definition is not None:
            documents = ("tanda_terima",) if first else _documents_of(entry.payload.get("submitted"))
            first = False
        items.append(TimelineItem(entry.at, title, actor_label(entry, show_names), _status_after(entry.payload),
                                  answers.get(entry.seq), documents))
    return items


def _documents_of(submitted: object) -> tuple[str, ...]:
    """The documents a completed step produced, listed beside it: the decision (`keputusan`) gives the
    written notice (or the extension letter), a filed objection its receipt, the Atasan PPID's decision
    the answer, a recorded dispute the dispute file."""
    if not isinstance(submitted, dict):
        return ()
    documents = []
    if submitted.get(contract.KEPUTUSAN):
        documents.append("perpanjangan" if submitted[contract.KEPUTUSAN] == "perpanjang" else "pemberitahuan")
    if submitted.get(contract.AJUKAN_KEBERATAN) == "ya":
        documents.append("tanda_terima_keberatan")
    if submitted.get(contract.KEPUTUSAN_KEBERATAN):
        documents.append("putusan_keberatan")
    if submitted.get(contract.AJUKAN_SENGKETA) == "ya":
        documents.append("berkas_sengketa")
    return tuple(documents)


@dataclass(frozen=True)
class Awaited:
    """What the case waits for now, from whom (an office, never a person), by when."""

    what: str
    who: str
    due_at: datetime | None
    applicant: bool  # the applicant is the one awaited


def _office(lane: str | None, instance: ProcessInstance) -> str:
    if lane == roles.OPD:
        from app.persistence.models import Opd

        opd = db.session.get(Opd, instance.opd_code) if instance.opd_code else None
        return f"PPID Pelaksana {opd.name}" if opd else "PPID Pelaksana OPD"
    return {roles.DISKOMINFO: "PPID Diskominfo", roles.KEPALA_DISKOMINFO: "Kepala Diskominfo",
            roles.ATASAN_PPID: "Atasan PPID", roles.PEMOHON: "Anda"}.get(lane or "", "PPID Diskominfo")


def _awaited(view: CaseView, instance: ProcessInstance, deadlines: list[Deadline]) -> Awaited | None:
    """The open step that is due first (the applicant's own first), with its due date or the case's
    nearest legal deadline."""
    if instance.finished or not view.open_tasks:
        return None
    tasks = sorted(view.open_tasks, key=lambda t: (t["lane"] != roles.PEMOHON, t["due_at"] is None,
                                                   t["due_at"] or instance.created_at))
    task = tasks[0]
    due = task["due_at"] or next((d.due_at for d in deadlines if d.legal), None)
    return Awaited(task["title"], _office(task["lane"], instance), due, task["lane"] == roles.PEMOHON)


def _deadlines(instance_id: int) -> list[Deadline]:
    rows = db.session.scalars(sa.select(TimerJob).where(TimerJob.instance_id == instance_id)
                              .order_by(TimerJob.due_at))
    return [Deadline(r.name, r.due_at, r.legal) for r in rows]


def _attachment_links(actor: Actor, instance: ProcessInstance, titles: dict[str, str]) -> list[AttachmentLink]:
    personal_ok = may_see_personal_data(actor, instance)
    return [AttachmentLink(a.token, a.field, titles.get(a.field, a.field), a.original_name, a.content_type, a.size,
                           a.personal)
            for a in case_attachments(instance.id)
            if (personal_ok or not a.personal) and not withheld_from(actor, instance, a.field)]


def _answers(view: CaseView, definition: ProcessDefinition, show_names: bool, skip_first: bool) -> list[AnswerBlock]:
    specs = _spec_by_seq(view.id)
    blocks, first = [], True
    for entry in view.history:
        if entry.event_type != "task_completed":
            continue
        if first:
            first = False
            if skip_first:
                continue
        meta = definition.user_tasks.get(specs.get(entry.seq) or "")
        submitted = entry.payload.get("submitted")
        if meta is None or not meta.form or not isinstance(submitted, dict):
            continue
        if not show_names and meta.lane == roles.OPD:
            continue  # the OPD's answer to Diskominfo is internal; the applicant gets the written notice
        schema, ui = _form_pair(definition, meta)
        blocks.append(AnswerBlock(entry.seq, entry.at, entry.task_name or meta.name, actor_label(entry, show_names),
                                  schema, ui, submitted))
    return blocks


# --------------------------------------------------------------------------- the applicant's list

@dataclass(frozen=True)
class CaseRow:
    registration_number: str
    created_at: datetime
    status: str
    finished: bool
    next_due: Deadline | None
    needs_action: bool
    kind: str = ""
    summary: str = ""


SUMMARY_LENGTH = 140


def _summary_field(schema: dict, ui: dict) -> str | None:
    """The start form's field that says what was asked: the one marked `"x-ringkasan": true`, else its
    longest free text (never a personal, identifying or internal field)."""
    props = {k: v for k, v in (schema.get("properties") or {}).items() if isinstance(v, dict)}
    marked = [k for k, v in props.items() if v.get("x-ringkasan")]
    if marked:
        return marked[0]
    order = [k for k in ui.get("ui:order", []) if k in props] + [k for k in props if k not in ui.get("ui:order", [])]
    texts = [k for k in order if props[k].get("type") == "string" and (ui.get(k) or {}).get("ui:widget") == "textarea"
             and not any(props[k].get(mark) for mark in ("x-personal", "x-identitas", "x-internal"))]
    return max(texts, key=lambda k: props[k].get("maxLength", 0), default=None)


def _what_was_asked(instance: ProcessInstance) -> tuple[str, str]:
    """(the start form's title, the first words of what was asked) of one case."""
    definition = _definition(instance)
    meta = next((m for m in definition.user_tasks.values() if m.lane == roles.PEMOHON and m.form), None)
    if meta is None:
        return "", ""
    schema, ui = definition.forms.get(meta.form, {}), definition.forms.get(meta.ui_form or "", {})
    field = _summary_field(schema, ui)
    text = " ".join(str((instance.case_data or {}).get(field) or "").split()) if field else ""
    if len(text) > SUMMARY_LENGTH:
        text = text[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + " \u2026"
    kind = str(schema.get("title") or "").removeprefix("Formulir ").strip()
    return kind, text


def my_case_rows(actor: Actor) -> list[CaseRow]:
    """The applicant's cases with the next legal due date and whether a task waits for them."""
    cases = my_cases(actor)
    ids = [c.id for c in cases]
    timers: dict[int, Deadline] = {}
    actions: set[int] = set()
    if ids:
        for row in db.session.scalars(sa.select(TimerJob).where(TimerJob.instance_id.in_(ids))
                                      .order_by(TimerJob.due_at)):
            if row.legal and row.instance_id not in timers:
                timers[row.instance_id] = Deadline(row.name, row.due_at, True)
        actions = set(db.session.scalars(sa.select(HumanTask.instance_id).where(
            HumanTask.instance_id.in_(ids), HumanTask.lane == roles.PEMOHON)))
    return [CaseRow(c.registration_number, c.created_at, c.status, c.finished, timers.get(c.id), c.id in actions,
                    *_what_was_asked(c)) for c in cases]


# --------------------------------------------------------------------------- the case page

@dataclass(frozen=True)
class CasePage:
    case: CaseView
    is_owner: bool
    show_names: bool
    timeline: list[TimelineItem]
    my_tasks: list[dict]
    other_tasks: list[dict]
    deadlines: list[Deadline]
    attachments: list[AttachmentLink]
    request_schema: dict
    request_ui: dict
    has_notice: bool
    has_dispute: bool
    status_keberatan: str | None
    nomor_keberatan: str | None
    awaited: Awaited | None = None
    may_withdraw: bool = False  # the applicant may still withdraw (before the written notice)


def case_page(actor: Actor, registration_number: str) -> CasePage:
    """Everything the case page shows, as the actor may see it (Forbidden/NotFound otherwise)."""
    view = get_case(actor, registration_number)
    instance = find_instance(registration_number)
    definition = _definition(instance)
    owner = _is_owner(actor, instance)
    show_names = not owner
    mine, others = [], []
    rows = {r.id: r for r in db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id))}
    for task in sorted(view.open_tasks, key=lambda t: (t["due_at"] is None, t["due_at"] or instance.created_at)):
        row = rows.get(task["id"])
        entry = {**task, "lane_label": roles.role_label(task["lane"] or "")}
        (mine if row is not None and may_work(actor, row) else others).append(entry)
    schema, ui = _form_pair(definition, _start_meta(instance, definition))
    data = view.data
    deadlines = _deadlines(instance.id)
    return CasePage(
        case=view, is_owner=owner, show_names=show_names,
        timeline=_timeline(view, show_names, staff_events=not owner, definition=definition),
        my_tasks=mine, other_tasks=others, deadlines=deadlines,
        attachments=_attachment_links(actor, instance, field_titles(definition)),
        request_schema=schema, request_ui=ui,
        has_notice=bool(data.get(contract.KEPUTUSAN)), has_dispute=bool(data.get(contract.STATUS_SENGKETA)),
        status_keberatan=data.get(contract.STATUS_KEBERATAN), nomor_keberatan=data.get(contract.NOMOR_KEBERATAN),
        awaited=_awaited(view, instance, deadlines),
        may_withdraw=may_withdraw(actor, instance),
    )


# --------------------------------------------------------------------------- the task page

@dataclass(frozen=True)
class TaskPageView:
    detail: TaskDetail
    registration_number: str
    case_status: str
    for_applicant: bool
    request_schema: dict
    request_ui: dict
    request_values: dict
    answers: list[AnswerBlock]
    attachments: list[AttachmentLink]
    claimed_by_other: bool
    claimed_by_me: bool
    on_behalf: bool = False  # an officer records the applicant's step for them


def task_page(actor: Actor, task_id: str, registration_number: str | None = None,
              on_behalf: bool = False) -> TaskPageView:
    """A task with its form and the case file (request, earlier answers, attachments); `on_behalf`: an officer
    records the applicant's step for them (app/services/counter.py)."""
    detail = get_task(actor, task_id, registration_number, on_behalf)
    instance = detail.instance
    view = get_case(actor, instance.registration_number)
    definition = _definition(instance)
    for_applicant = detail.row.lane == roles.PEMOHON and not on_behalf
    show_names = not _is_owner(actor, instance)
    schema, ui = _form_pair(definition, _start_meta(instance, definition))
    row = detail.row
    return TaskPageView(
        detail=detail, registration_number=instance.registration_number, case_status=instance.status,
        for_applicant=for_applicant, request_schema=schema, request_ui=ui, request_values=view.data,
        answers=_answers(view, definition, show_names, skip_first=True),
        attachments=_attachment_links(actor, instance, field_titles(definition)),
        claimed_by_other=row.claimed_by_id is not None and row.claimed_by_id != actor.user_id,
        claimed_by_me=row.claimed_by_id is not None and row.claimed_by_id == actor.user_id,
        on_behalf=on_behalf,
    )


def check_submission(schema: dict, data: dict, uploads: dict[str, Upload]) -> None:
    """Validate a form and its files together, writing nothing: the web layer shows every problem of a form
    whose file it could not even read (over the size limit). The use cases check the same way themselves.

    Raises ValidationFailed with every problem at once: the file checks (content,
    size) next to the upload fields, the schema checks next to the other fields.
    """
    validate_submission(schema, data, uploads)


# --------------------------------------------------------------------------- the public status page

@dataclass(frozen=True)
class Milestone:
    at: datetime
    title: str


@dataclass(frozen=True)
class PublicStatus:
    """What anyone may know about a case from its number: no personal data, no request text."""

    registration_number: str
    status: str
    received_at: datetime
    finished: bool
    milestones: list[Milestone] = field(default_factory=list)
    next_due: Deadline | None = None
    status_keberatan: str | None = None
    status_sengketa: str | None = None


def public_status(registration_number: str) -> PublicStatus:
    """Status, received date, dated milestones (task names only) and the next legal due date."""
    instance = find_instance(registration_number.strip())
    milestones = []
    rows = db.session.execute(sa.select(AuditEvent.at, AuditEvent.event_type, AuditEvent.task_name,
                                        AuditEvent.payload)
                              .where(AuditEvent.instance_id == instance.id,
                                     AuditEvent.event_type.in_(TIMELINE_EVENTS))
                              .order_by(AuditEvent.seq))
    for at, event_type, task_name, payload in rows:
        steps = {"steps": json.loads(payload).get("steps")} if event_type == "timer_fired" else {}
        title = _event_title(event_type, task_name, steps)
        if title:
            milestones.append(Milestone(at, title))
    legal = [d for d in _deadlines(instance.id) if d.legal]
    data = instance.case_data or {}
    return PublicStatus(
        registration_number=instance.registration_number, status=instance.status, received_at=instance.created_at,
        finished=instance.finished, milestones=milestones, next_due=legal[0] if legal else None,
        status_keberatan=_text(data.get(contract.STATUS_KEBERATAN)),
        status_sengketa=_text(data.get(contract.STATUS_SENGKETA)),
    )


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None


# --------------------------------------------------------------------------- documents

@dataclass(frozen=True)
class CaseDocuments:
    data: Any  # app.documents.CaseDocumentData (imported lazily: the PDF libraries are slow to load)
    labels: dict[str, dict[str, str]]
    show_personal: bool


def document_data(actor: Actor, registration_number: str) -> CaseDocuments:
    """Collect a case into the documents' input, as the actor may see it."""
    from app.documents import CaseDocumentData

    view = get_case(actor, registration_number)
    instance = find_instance(registration_number)
    definition = _definition(instance)
    personal = may_see_personal_data(actor, instance)
    show_names = not _is_owner(actor, instance)
    history = []
    for entry in view.history:
        title = _event_title(entry.event_type, entry.task_name, entry.payload)
        if entry.event_type == "case_started":
            title = "Permohonan dibuat"
        status = _status_after(entry.payload)
        history.append({"at": entry.at, "event_type": entry.event_type,
                        "actor_name": actor_label(entry, show_names),
                        "actor_role": roles.role_label(entry.actor_role) if entry.actor_role else "",
                        "task_name": title or entry.task_name or "-",
                        "summary": f"Status: {status}" if status else ""})
    attachments = []
    for row in case_attachments(instance.id):
        if (row.personal and not personal) or withheld_from(actor, instance, row.field):
            continue
        try:
            _, content = read_attachment(actor, row.token)
        except (Forbidden, NotFound, OSError):
            content = None
        attachments.append((row.field, row.original_name, row.content_type, content))
    last_hash = db.session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.instance_id == instance.id)
                                  .order_by(AuditEvent.seq.desc()).limit(1))
    data = CaseDocumentData(registration_number=view.registration_number, received_at=view.created_at,
                            status=view.status, case_data=dict(view.data), history=history,
                            attachments=attachments, verification_hash=last_hash)
    return CaseDocuments(data, form_labels(definition), personal)


def receipt_document(actor: Actor, registration_number: str, base_url: str = "") -> bytes:
    """Tanda bukti penerimaan (NIK masked: the receipt may be shown to others)."""
    from app.documents import receipt_pdf

    docs = document_data(actor, registration_number)
    return receipt_pdf(docs.data, docs.labels, show_personal=False, base_url=base_url)


def notice_document(actor: Actor, registration_number: str) -> bytes:
    """Pemberitahuan tertulis; NotFound until the notice has been issued."""
    from app.documents import notice_pdf

    docs = document_data(actor, registration_number)
    if not docs.data.case_data.get(contract.KEPUTUSAN):
        raise NotFound("Pemberitahuan tertulis belum diterbitkan.")
    return notice_pdf(docs.data, docs.labels)


def objection_receipt_document(actor: Actor, registration_number: str) -> bytes:
    """Tanda bukti pengajuan keberatan; NotFound until an objection has been filed."""
    from app.documents import objection_receipt_pdf

    docs = document_data(actor, registration_number)
    if not docs.data.case_data.get(contract.NOMOR_KEBERATAN):
        raise NotFound("Keberatan belum diajukan.")
    return objection_receipt_pdf(docs.data, docs.labels)


def objection_decision_document(actor: Actor, registration_number: str) -> bytes:
    """Tanggapan Atasan PPID atas keberatan; NotFound until decided (or left unanswered past 30 working days)."""
    from app.documents import objection_decision_pdf

    docs = document_data(actor, registration_number)
    case = docs.data.case_data
    if not (case.get(contract.KEPUTUSAN_KEBERATAN) or case.get(contract.KEBERATAN_TIDAK_DITANGGAPI)):
        raise NotFound("Atasan PPID belum memberikan tanggapan atas keberatan.")
    return objection_decision_pdf(docs.data, docs.labels)


def dispute_bundle(actor: Actor, registration_number: str, now: datetime, base_url: str = "") -> bytes:
    """Berkas sengketa informasi (ZIP), put together at `now`; NotFound until a dispute has been recorded."""
    from app.documents import dispute_bundle_zip

    docs = document_data(actor, registration_number)
    if not docs.data.case_data.get(contract.STATUS_SENGKETA):
        raise NotFound("Sengketa informasi belum dicatat.")
    return dispute_bundle_zip(docs.data, docs.labels, made_at=now, show_personal=docs.show_personal,
                              base_url=base_url)
