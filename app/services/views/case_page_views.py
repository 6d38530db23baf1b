"""The applicant's list of cases and the case page (/permohonan/...), as the actor may see them.

Nothing here writes: the actor's rights are checked through `cases`, `access` and `attachments`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.domain import data_contract as contract
from app.domain import roles
from app.persistence.models import HumanTask, ProcessInstance, TimerJob, db

from app.services.casework.access import may_work
from app.services.views.case_view_parts import (AttachmentLink, Awaited, Deadline, TimelineItem, attachment_links, awaited_step,
                              case_deadlines, field_titles, form_pair, is_owner, start_meta, timeline)
from app.services.casework.cases import CaseView, find_instance, get_case, my_cases
from app.services.infrastructure.context import Actor
from app.services.modelling.versions import definition_for
from app.services.casework.withdrawal import may_withdraw

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
    definition = definition_for(instance)
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
    definition = definition_for(instance)
    owner = is_owner(actor, instance)
    show_names = not owner
    mine, others = [], []
    rows = {r.id: r for r in db.session.scalars(sa.select(HumanTask).where(HumanTask.instance_id == instance.id))}
    for task in sorted(view.open_tasks, key=lambda t: (t["due_at"] is None, t["due_at"] or instance.created_at)):
        row = rows.get(task["id"])
        entry = {**task, "lane_label": roles.role_label(task["lane"] or "")}
        (mine if row is not None and may_work(actor, row) else others).append(entry)
    schema, ui = form_pair(definition, start_meta(instance, definition))
    data = view.data
    deadlines = case_deadlines(instance.id)
    return CasePage(
        case=view, is_owner=owner, show_names=show_names,
        timeline=timeline(view, show_names, staff_events=not owner, definition=definition),
        my_tasks=mine, other_tasks=others, deadlines=deadlines,
        attachments=attachment_links(actor, instance, field_titles(definition)),
        request_schema=schema, request_ui=ui,
        has_notice=bool(data.get(contract.KEPUTUSAN)), has_dispute=bool(data.get(contract.STATUS_SENGKETA)),
        status_keberatan=data.get(contract.STATUS_KEBERATAN), nomor_keberatan=data.get(contract.NOMOR_KEBERATAN),
        awaited=awaited_step(view, instance, deadlines),
        may_withdraw=may_withdraw(actor, instance),
    )
