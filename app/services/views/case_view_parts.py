"""The pieces the case pages, the task page, the public status page and the case documents are built from:
who did a step, the timeline, the deadlines, the answers given, the attachments one may open, what the case
waits for. Read-only; the actor's rights are checked through `cases`, `access` and `attachments`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.domain import data_contract as contract
from app.domain import roles
from app.engine.definition import ProcessDefinition, UserTaskMeta
from app.persistence.models import AuditEvent, ProcessInstance, TimerJob, db

from app.services.casework.access import may_see_personal_data
from app.services.casework.attachments import case_attachments, withheld_from
from app.services.casework.cases import CaseView, HistoryEntry
from app.services.infrastructure.context import Actor
from app.services.casework.forms import option_sources, resolve_schema

SYSTEM_ROLE = "sistem"
#: event types shown on a timeline (claims are shown to staff only)
TIMELINE_EVENTS = ("task_completed", "timer_fired", "case_redispatched")
STAFF_TIMELINE_EVENTS = ("task_claimed", "task_unclaimed")


# --------------------------------------------------------------------------- small helpers

def is_owner(actor: Actor, instance: ProcessInstance) -> bool:
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


def event_title(entry_type: str, task_name: str | None, payload: dict) -> str | None:
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


def status_after(payload: dict) -> str | None:
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


def start_meta(instance: ProcessInstance, definition: ProcessDefinition) -> UserTaskMeta | None:
    """The user task whose form started the case (the first completed task)."""
    spec = db.session.scalar(sa.select(AuditEvent.task_spec_id).where(
        AuditEvent.instance_id == instance.id, AuditEvent.event_type == "task_completed")
        .order_by(AuditEvent.seq).limit(1))
    if spec and spec in definition.user_tasks:
        return definition.user_tasks[spec]
    return next((m for m in definition.user_tasks.values() if m.lane == roles.PEMOHON and m.form), None)


def form_pair(definition: ProcessDefinition, meta: UserTaskMeta | None) -> tuple[dict, dict]:
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


def timeline(view: CaseView, show_names: bool, staff_events: bool,
              definition: ProcessDefinition | None = None) -> list[TimelineItem]:
    """The case's steps in order; with `definition`, each completed step carries its answer and documents."""
    kinds = TIMELINE_EVENTS + (STAFF_TIMELINE_EVENTS if staff_events else ())
    answers = {block.seq: block for block in answer_blocks(view, definition, show_names, skip_first=True)} \
        if definition is not None else {}
    items, first = [], True
    for entry in view.history:
        if entry.event_type not in kinds:
            continue
        title = event_title(entry.event_type, entry.task_name, entry.payload)
        if not title:
            continue
        documents: tuple[str, ...] = ()
        if entry.event_type == "task_completed" and definition is not None:
            documents = ("tanda_terima",) if first else _documents_of(entry.payload.get("submitted"))
            first = False
        items.append(TimelineItem(entry.at, title, actor_label(entry, show_names), status_after(entry.payload),
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


def awaited_step(view: CaseView, instance: ProcessInstance, deadlines: list[Deadline]) -> Awaited | None:
    """The open step that is due first (the applicant's own first), with its due date or the case's
    nearest legal deadline."""
    if instance.finished or not view.open_tasks:
        return None
    tasks = sorted(view.open_tasks, key=lambda t: (t["lane"] != roles.PEMOHON, t["due_at"] is None,
                                                   t["due_at"] or instance.created_at))
    task = tasks[0]
    due = task["due_at"] or next((d.due_at for d in deadlines if d.legal), None)
    return Awaited(task["title"], _office(task["lane"], instance), due, task["lane"] == roles.PEMOHON)


def case_deadlines(instance_id: int) -> list[Deadline]:
    rows = db.session.scalars(sa.select(TimerJob).where(TimerJob.instance_id == instance_id)
                              .order_by(TimerJob.due_at))
    return [Deadline(r.name, r.due_at, r.legal) for r in rows]


def attachment_links(actor: Actor, instance: ProcessInstance, titles: dict[str, str]) -> list[AttachmentLink]:
    personal_ok = may_see_personal_data(actor, instance)
    return [AttachmentLink(a.token, a.field, titles.get(a.field, a.field), a.original_name, a.content_type, a.size,
                           a.personal)
            for a in case_attachments(instance.id)
            if (personal_ok or not a.personal) and not withheld_from(actor, instance, a.field)]


def answer_blocks(view: CaseView, definition: ProcessDefinition, show_names: bool,
                  skip_first: bool) -> list[AnswerBlock]:
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
        schema, ui = form_pair(definition, meta)
        blocks.append(AnswerBlock(entry.seq, entry.at, entry.task_name or meta.name, actor_label(entry, show_names),
                                  schema, ui, submitted))
    return blocks
