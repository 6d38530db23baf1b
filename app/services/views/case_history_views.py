"""Read-only views of a case's history behind the audit pages (/audit/...).

- `case_history`: a case's full history as the actor may see it (`cases.get_case` masking),
  whether its hash chain verifies (`audit.verify_instance`) and its final hash;
- `case_at`: the case as it was at one event: the diagram with the path so far, the tasks and
  timers open at that moment and the case data then (all from the events' payloads);
- `history_document`: the history as PDF (`app.documents.history_pdf`) sealed with the final hash.

Nothing here writes. Personal data stays masked for whoever may not see it: histories come from `get_case`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from lxml import etree

from app.domain import roles
from app.domain.errors import NotFound
from app.domain.timeutil import parse_iso
from app.persistence.models import ProcessInstance, ProcessVersion, db

from app.services.records.audit import canonical, final_hash
from app.services.views.audit_findings import Finding, chain_findings
from app.services.views.case_documents import document_data
from app.services.views.case_view_parts import field_titles
from app.services.casework.cases import CaseView, HistoryEntry, find_instance, get_case
from app.services.infrastructure.context import Actor
from app.services.people.roles import role_labels
from app.services.modelling.versions import definition_for, version_of

EVENT_LABELS = {
    "case_started": "Permohonan dibuat",
    "task_completed": "Tugas diselesaikan",
    "task_claimed": "Tugas diambil",
    "task_unclaimed": "Tugas dilepas",
    "timer_fired": "Batas waktu tercapai",
    "case_migrated": "Dipindah ke versi proses baru",
    "case_redispatched": "Diteruskan ke OPD lain",
    "case_claimed": "Diklaim pemohon ke akunnya",
    "message_received": "Permohonan dicabut",
    "personal_data_erased": "Data pribadi dihapus",
    "incident_opened": "Insiden: langkah gagal dijalankan",
    "incident_resolved": "Insiden diselesaikan",
}


# --------------------------------------------------------------------------- the history page

@dataclass(frozen=True)
class CaseHistory:
    case: CaseView
    findings: list[Finding]
    final_hash: str | None
    field_props: dict[str, dict]
    process_name: str

    @property
    def chain_ok(self) -> bool:
        return not self.findings


def _field_props(instance: ProcessInstance) -> dict[str, dict]:
    props: dict[str, dict] = {}
    for name, schema in (definition_for(instance).forms or {}).items():
        if name.endswith(".uischema.json") or not isinstance(schema, dict):
            continue
        for key, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict):
                props.setdefault(key, prop)
    return props


def case_history(actor: Actor, registration_number: str) -> CaseHistory:
    """The whole history of a case as the actor may see it, its chain status and final hash."""
    view = get_case(actor, registration_number)
    instance = find_instance(view.registration_number)
    return CaseHistory(case=view, findings=chain_findings(instance), final_hash=final_hash(instance.id),
                       field_props=_field_props(instance), process_name=definition_for(instance).name)


# --------------------------------------------------------------------------- one event

@dataclass(frozen=True)
class MomentTask:
    spec_id: str
    name: str
    lane: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class CaseAtEvent:
    """The case as it was right after event #seq."""

    case: CaseView
    entry: HistoryEntry
    seq: int
    total: int
    prev_seq: int | None
    next_seq: int | None
    svg: str | None  # the diagram (SVG markup made by lxml) or None when it cannot be drawn
    done: list[str]  # element ids run in events 1..seq, in order
    active: list[MomentTask]
    timers: list[MomentTask]
    case_data: dict
    version_hash: str
    field_props: dict[str, dict]


_names: dict[str, dict[str, str]] = {}


def element_names(version: ProcessVersion) -> dict[str, str]:
    """BPMN element id -> name of one stored version (cached by content hash)."""
    found = _names.get(version.content_hash)
    if found is None:
        from app.engine.diagram_model import element_name, index_elements, parse_bpmn

        try:
            index = index_elements(parse_bpmn(version.bpmn_xml))
            found = {key: element_name(el, index) or key for key, el in index.items()}
        except (ValueError, etree.XMLSyntaxError):
            found = {}
        _names[version.content_hash] = found
    return found


def _version_at(instance: ProcessInstance, history: list[HistoryEntry], seq: int) -> ProcessVersion:
    wanted = None
    for entry in history:
        if entry.seq > seq:
            break
        if entry.event_type == "case_started" and entry.payload.get("version"):
            wanted = entry.payload["version"]
        elif entry.payload.get("to_version"):
            wanted = entry.payload["to_version"]
    if wanted and wanted != definition_for(instance).content_hash:
        found = db.session.scalar(sa.select(ProcessVersion).filter_by(content_hash=wanted))
        if found is not None:
            return found
    return version_of(instance)


def _when(value: Any) -> datetime | None:
    if isinstance(value, str) and value:
        try:
            return parse_iso(value)
        except ValueError:
            return None
    return None


def highlight_at(history: list[HistoryEntry], seq: int) -> tuple[list[str], list[dict], list[dict], dict]:
    """(done ids in order, open task rows, timer rows, case data) right after event #seq.

    Claims and the start event record no open tasks: the last event up to #seq that did counts.
    """
    done: list[str] = []
    tasks: list[dict] = []
    timers: list[dict] = []
    data: dict = {}
    for entry in history:
        if entry.seq > seq:
            break
        for step in entry.payload.get("steps") or ():
            if isinstance(step, dict) and step.get("id") and step["id"] not in done:
                done.append(str(step["id"]))
        if "open_tasks" in entry.payload:
            tasks = [t for t in entry.payload.get("open_tasks") or () if isinstance(t, dict)]
        if "timers" in entry.payload:
            timers = [t for t in entry.payload.get("timers") or () if isinstance(t, dict)]
        if isinstance(entry.payload.get("case_data"), dict):
            data = entry.payload["case_data"]
    return done, tasks, timers, data


def _diagram(version: ProcessVersion, done: list[str], active: list[str], timers: list[str]) -> str | None:
    from app.engine.diagram import render_svg

    highlight = {key: "done" for key in done}
    highlight.update({key: "timer" for key in timers})
    highlight.update({key: "active" for key in active})
    try:
        return render_svg(version.bpmn_xml, highlight, lane_labels=role_labels())
    except (ValueError, IndexError, KeyError, etree.XMLSyntaxError):
        return None


def case_at(actor: Actor, registration_number: str, seq: int) -> CaseAtEvent:
    """The case right after its event #seq (NotFound when there is no such event)."""
    view = get_case(actor, registration_number)
    by_seq = {e.seq: e for e in view.history}
    if seq not in by_seq:
        raise NotFound("Langkah riwayat ini tidak ada.")
    instance = find_instance(view.registration_number)
    version = _version_at(instance, view.history, seq)
    names = element_names(version)
    done, task_rows, timer_rows, data = highlight_at(view.history, seq)
    active = [MomentTask(str(t.get("spec_id")), names.get(str(t.get("spec_id")), str(t.get("spec_id"))),
                         t.get("lane"), _when(t.get("due_at"))) for t in task_rows]
    timers = [MomentTask(str(t.get("spec_id")), names.get(str(t.get("spec_id")), str(t.get("spec_id"))),
                         None, _when(t.get("due_at"))) for t in timer_rows]
    seqs = sorted(by_seq)
    at = seqs.index(seq)
    return CaseAtEvent(
        case=view, entry=by_seq[seq], seq=seq, total=len(seqs),
        prev_seq=seqs[at - 1] if at > 0 else None, next_seq=seqs[at + 1] if at + 1 < len(seqs) else None,
        svg=_diagram(version, done, [t.spec_id for t in active], [t.spec_id for t in timers]),
        done=done, active=active, timers=timers, case_data=data, version_hash=version.content_hash,
        field_props=_field_props(instance),
    )


# --------------------------------------------------------------------------- the history PDF

def _summary(entry: HistoryEntry, titles: dict[str, str], labels: dict[str, dict[str, str]]) -> str:
    """What one event submitted and changed, timers set and fired, notifications: one line of text."""

    def shown(key: str, value: Any) -> str:
        if value in (None, ""):
            return "-"
        if isinstance(value, bool):
            return "Ya" if value else "Tidak"
        if isinstance(value, str) and value.startswith("lampiran:"):
            return "berkas terlampir"
        text = labels.get(key, {}).get(str(value)) if not isinstance(value, (dict, list)) else None
        return text or (value if isinstance(value, str) else canonical(value))

    payload = entry.payload
    parts = []
    changes = payload.get("changes") or {}
    if changes:
        parts.append("Perubahan: " + "; ".join(
            f"{titles.get(k, k)}: {shown(k, c.get('before'))} -> {shown(k, c.get('after'))}"
            for k, c in changes.items() if isinstance(c, dict)))
    if payload.get("timers_set"):
        parts.append("Batas waktu dipasang: " + "; ".join(str(t) for t in payload["timers_set"]))
    if payload.get("timers_cleared"):
        parts.append("Batas waktu selesai/dibatalkan: " + "; ".join(str(t) for t in payload["timers_cleared"]))
    if payload.get("notifications"):
        parts.append("Pemberitahuan: " + "; ".join(
            f"{roles.role_label(str(n.get('to')))} ({n.get('template')})"
            + ("" if n.get("address", "") is not None else ": tidak ada penerima")
            for n in payload["notifications"] if isinstance(n, dict)))
    return ". ".join(parts)


def history_document(actor: Actor, registration_number: str) -> bytes:
    """Riwayat penanganan as PDF, sealed with the final hash; personal data masked unless the actor
    may see it (the same view as the case page)."""
    from app.documents import history_pdf

    docs = document_data(actor, registration_number)
    view = get_case(actor, registration_number)
    instance = find_instance(view.registration_number)
    titles = field_titles(definition_for(instance))
    history = []
    for item, entry in zip(docs.data.history, view.history):
        extra = _summary(entry, titles, docs.labels)
        history.append({**item, "summary": extra or item.get("summary") or ""})
    data = replace(docs.data, history=history, attachments=[], verification_hash=final_hash(instance.id))
    return history_pdf(data, docs.labels)
