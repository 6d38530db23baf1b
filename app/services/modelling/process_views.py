"""Read-only views of stored process versions for the process owner's pages (/proses).

Changing anything (import, migration) goes through app.services.modelling.processes; this module only
reads: version lists, one version's tasks, timers, diagram and files, and the comparison of
two versions with the running cases that can or cannot move.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from lxml import etree

from app.domain.errors import NotFound
from app.engine.decision_view import DecisionTable, decision_tables
from app.engine.diagram import DiagramPlane, diagram_planes, render_svg
from app.engine.migration import SpecChange
from app.engine.safexml import MAX_BPMN_BYTES
from app.persistence.models import HumanTask, ProcessInstance, ProcessVersion, db

from app.services.modelling.processes import VersionSummary, compare_versions, migration_candidates, version_summary
from app.services.people.roles import role_label, role_labels

__all__ = ["MAX_BPMN_BYTES", "ProcessGroup", "TaskRow", "TimerRow", "VersionDetail", "Candidate", "Comparison",
           "version_groups", "version_detail", "bpmn_file", "form_file", "decision_file", "CallRow", "comparison",
           "running_on", "safe_svg", "kind_label", "STAGE_LABELS"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

#: import stages (app.engine.problems.STAGES) in the words of the page
STAGE_LABELS = {
    "xml": "Keamanan dan format XML",
    "xsd": "Skema BPMN 2.0 (XSD)",
    "model": "Bentuk model (proses yang dijalankan, elemen yang dapat dijalankan produk ini)",
    "parse": "Pembacaan oleh mesin proses",
    "lint": "Aturan proses (peran, formulir, batas waktu, skrip, alur)",
    "simulate": "Simulasi (setiap jalur dijalankan di memori dengan jawaban contoh)",
    "scenario": "Skenario uji pemilik proses (processes/tests/)",
}

#: BPMN element kinds in the words of the page (others are shown as they are)
KIND_LABELS = {
    "UserTask": "Tugas pengguna", "userTask": "Tugas pengguna",
    "ScriptTask": "Tugas otomatis (skrip)", "scriptTask": "Tugas otomatis (skrip)",
    "ManualTask": "Tugas manual", "ServiceTask": "Tugas layanan", "Task": "Tugas",
    "SubWorkflowTask": "Subproses", "SubprocessTask": "Subproses", "subProcess": "Subproses",
    "CallActivity": "Pemanggilan proses",
    "BoundaryEvent": "Peristiwa batas", "boundaryEvent": "Peristiwa batas",
    "IntermediateCatchEvent": "Peristiwa tunggu", "intermediateCatchEvent": "Peristiwa tunggu",
    "IntermediateThrowEvent": "Peristiwa antara", "StartEvent": "Peristiwa awal", "startEvent": "Peristiwa awal",
    "EndEvent": "Peristiwa akhir", "ExclusiveGateway": "Percabangan eksklusif",
    "InclusiveGateway": "Percabangan inklusif", "ParallelGateway": "Percabangan paralel",
    "EventBasedGateway": "Percabangan berbasis peristiwa", "SequenceFlow": "Alur",
}
TIMER_LABELS = {"timeDate": "Tanggal", "timeDuration": "Lama", "timeCycle": "Berulang"}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


# -- the list of versions ------------------------------------------------------------------
@dataclass(frozen=True)
class ProcessGroup:
    """One process with its versions, newest first."""

    process_id: str
    name: str
    versions: list[VersionSummary]

    @property
    def latest(self) -> VersionSummary:
        return self.versions[0]


def version_groups() -> list[ProcessGroup]:
    """Every process (by id) with its stored versions, newest version first."""
    groups: dict[str, list[VersionSummary]] = {}
    for summary in version_summary():
        groups.setdefault(summary.process_id, []).append(summary)
    return [ProcessGroup(pid, versions[-1].name, versions[::-1]) for pid, versions in sorted(groups.items())]


def _summary(version_id: int) -> VersionSummary:
    process_id = db.session.scalar(sa.select(ProcessVersion.process_id).where(ProcessVersion.id == version_id))
    if process_id is None:
        raise NotFound(f"Versi proses {version_id} tidak ada.")
    return next(s for s in version_summary(process_id) if s.id == version_id)


def version_number(version_id: int) -> int:
    """1, 2, ... among the versions of its process: what pages call the version."""
    return _summary(version_id).number


def _version(version_id: int) -> ProcessVersion:
    version = db.session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(f"Versi proses {version_id} tidak ada.")
    return version


# -- one version ------------------------------------------------------------------------------
@dataclass(frozen=True)
class TaskRow:
    id: str
    name: str
    lane: str | None
    lane_label: str
    form: str | None
    ui_form: str | None


@dataclass(frozen=True)
class TimerRow:
    id: str
    name: str
    kind: str
    attached_to: str | None
    interrupting: bool
    expression_type: str
    expression: str


@dataclass(frozen=True)
class DiagramView:
    """One diagram of a file that holds several (collapsed subprocesses, pools): what it draws, and the drawing."""

    plane: DiagramPlane
    svg: str

    @property
    def number(self) -> int:
        return self.plane.index + 1


@dataclass(frozen=True)
class VersionDetail:
    summary: VersionSummary
    svg: str
    tasks: list[TaskRow]
    timers: list[TimerRow]
    forms: list[str]
    bpmn_filename: str
    others: list[VersionSummary] = field(default_factory=list)
    diagrams: list[DiagramView] = field(default_factory=list)  # every diagram, when the file holds more than one
    decisions: list[DecisionTable] = field(default_factory=list)
    calls: list["CallRow"] = field(default_factory=list)


@dataclass(frozen=True)
class CallRow:
    """A call activity and the deployed version it calls (fixed when this version was imported)."""

    activity_id: str
    activity_name: str
    process_id: str
    process_name: str
    version_id: int
    version_number: int
    content_hash: str
    pinned: bool


def _parse(bpmn: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(bpmn, parser)


def _timers(root: etree._Element) -> list[TimerRow]:
    names = {el.get("id"): el.get("name") or el.get("id") for el in root.iter(f"{{{BPMN_NS}}}*") if el.get("id")}
    rows = []
    for definition in root.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        event = definition.getparent()
        expression = next((child for child in definition if isinstance(child.tag, str)
                           and etree.QName(child).localname in TIMER_LABELS), None)
        kind = etree.QName(expression).localname if expression is not None else ""
        attached = event.get("attachedToRef")
        rows.append(TimerRow(
            id=event.get("id") or "", name=event.get("name") or event.get("id") or "",
            kind=kind_label(etree.QName(event).localname),
            attached_to=names.get(attached, attached) if attached else None,
            interrupting=event.get("cancelActivity", "true") != "false",
            expression_type=TIMER_LABELS.get(kind, kind or "-"),
            expression=(expression.text or "").strip() if expression is not None else ""))
    return rows


def _tasks(version: ProcessVersion) -> list[TaskRow]:
    order = {}
    try:
        root = _parse(version.bpmn_xml)
        order = {el.get("id"): i for i, el in enumerate(root.iter(f"{{{BPMN_NS}}}userTask"))}
    except etree.XMLSyntaxError:
        pass
    metas = sorted(version.user_tasks.values(), key=lambda m: (order.get(m["id"], len(order)), m["id"]))
    return [TaskRow(m["id"], m.get("name") or m["id"], m.get("lane"), role_label(m["lane"]) if m.get("lane") else "-",
                    m.get("form"), m.get("ui_form")) for m in metas]


def safe_svg(bpmn: bytes, highlight: dict[str, str] | None = None,
             lane_labels: dict[str, str] | None = None, diagram_index: int = 0) -> str:
    """The diagram as inline SVG with lanes under their roles' labels, or '' when it cannot be drawn."""
    try:
        return render_svg(bpmn, highlight, diagram_index=diagram_index,
                          lane_labels=role_labels() if lane_labels is None else lane_labels)
    except (ValueError, etree.XMLSyntaxError, IndexError, KeyError):
        return ""


def all_diagrams(bpmn: bytes) -> list[DiagramView]:
    """Every diagram of a file that holds more than one, each with the process, subprocess or pool it draws."""
    try:
        planes = diagram_planes(bpmn)
    except (ValueError, etree.XMLSyntaxError):
        return []
    if len(planes) < 2:
        return []
    labels = role_labels()
    return [DiagramView(plane, safe_svg(bpmn, lane_labels=labels, diagram_index=plane.index)) for plane in planes]


def version_detail(version_id: int) -> VersionDetail:
    """One version: its diagram, user tasks (lane, form), timers, form files and its sibling versions."""
    version = _version(version_id)
    summary = _summary(version_id)
    try:
        timers = _timers(_parse(version.bpmn_xml))
    except etree.XMLSyntaxError:
        timers = []
    others = [s for s in version_summary(version.process_id) if s.id != version.id][::-1]
    return VersionDetail(summary=summary, svg=safe_svg(version.bpmn_xml), tasks=_tasks(version), timers=timers,
                         forms=sorted(version.forms), bpmn_filename=f"{version.process_id}-v{version.id}.bpmn",
                         others=others, diagrams=all_diagrams(version.bpmn_xml),
                         decisions=decision_tables(version.decisions), calls=_calls(version))


def _calls(version: ProcessVersion) -> list[CallRow]:
    called = version.called_versions or {}
    if not called:
        return []
    try:
        names = {el.get("id"): el.get("name") or el.get("id") for el in _parse(version.bpmn_xml).iter()
                 if isinstance(el.tag, str) and el.get("id")}
    except etree.XMLSyntaxError:
        names = {}
    numbers = {row.id: row.number for row in version_summary()}
    return [CallRow(activity_id, names.get(activity_id, activity_id), c["process_id"], c.get("name") or c["process_id"],
                    c["version_id"], numbers.get(c["version_id"], 0), c["content_hash"], bool(c.get("pinned")))
            for activity_id, c in sorted(called.items(), key=lambda item: names.get(item[0], item[0]))]


def decision_file(version_id: int, name: str) -> bytes:
    """One DMN file of a version, as deployed (NotFound for names it does not have)."""
    version = _version(version_id)
    if name not in (version.decisions or {}):
        raise NotFound(f"Versi {version_id} tidak memakai tabel keputusan '{name}'.")
    return version.decisions[name].encode("utf-8")


def bpmn_file(version_id: int) -> tuple[str, bytes]:
    """(download name, the stored BPMN exactly as deployed)."""
    version = _version(version_id)
    return f"{version.process_id}-v{version.id}.bpmn", version.bpmn_xml


def form_file(version_id: int, name: str) -> bytes:
    """One form file of a version, as the JSON it was deployed with (NotFound for names it does not have)."""
    version = _version(version_id)
    if name not in version.forms:
        raise NotFound(f"Versi {version_id} tidak memakai formulir '{name}'.")
    return json.dumps(version.forms[name], indent=2, ensure_ascii=False).encode() + b"\n"


# -- comparing two versions ------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A running case on the old version: can it move to the new one, and why not."""

    registration_number: str
    status: str
    open_tasks: list[str]
    can_move: bool
    reasons: list[str]


@dataclass(frozen=True)
class Comparison:
    old: VersionSummary
    new: VersionSummary
    added: list[SpecChange]
    removed: list[SpecChange]
    changed: list[SpecChange]
    candidates: list[Candidate]

    @property
    def same(self) -> bool:
        return self.old.id == self.new.id

    @property
    def movable(self) -> list[str]:
        return [c.registration_number for c in self.candidates if c.can_move]


def comparison(old_id: int, new_id: int, now: datetime) -> Comparison:
    """What changed from `old_id` to `new_id` (same process) and which running cases of `old_id` can move."""
    old, new = _summary(old_id), _summary(new_id)
    if old.process_id != new.process_id:
        raise NotFound(f"Versi {old_id} ({old.process_id}) dan versi {new_id} ({new.process_id}) bukan versi "
                       "dari proses yang sama.")
    diff = compare_versions(old_id, new_id)
    candidates = []
    if old_id != new_id:
        found = migration_candidates(old_id, new_id, now)
        details = _case_details([reg for reg, _can, _why in found])
        candidates = [Candidate(reg, *details.get(reg, ("", [])), can, list(why)) for reg, can, why in found]
    return Comparison(old, new, list(diff.added), list(diff.removed), list(diff.changed), candidates)


def _case_details(numbers: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Status and open task titles of cases (no personal data: the owner is not a case reader)."""
    if not numbers:
        return {}
    out: dict[str, tuple[str, list[str]]] = {}
    rows = db.session.execute(sa.select(ProcessInstance.id, ProcessInstance.registration_number,
                                        ProcessInstance.status)
                              .where(ProcessInstance.registration_number.in_(numbers))).all()
    by_id = {row.id: row.registration_number for row in rows}
    tasks: dict[int, list[str]] = {}
    for instance_id, title in db.session.execute(
            sa.select(HumanTask.instance_id, HumanTask.title).where(HumanTask.instance_id.in_(by_id))
            .order_by(HumanTask.id)):
        tasks.setdefault(instance_id, []).append(title)
    for row in rows:
        out[row.registration_number] = (row.status or "", tasks.get(row.id, []))
    return out


def running_on(version_id: int) -> set[str]:
    """Registration numbers of the unfinished cases pinned to a version."""
    return set(db.session.scalars(sa.select(ProcessInstance.registration_number).where(
        ProcessInstance.version_id == version_id, ProcessInstance.finished.is_(False))))
