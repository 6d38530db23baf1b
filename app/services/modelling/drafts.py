"""The process modeler's drafts (/proses/<process_id>/ubah): save as draft, check, deploy (issue 17).

A draft is one owner's unfinished change to one process: the BPMN text from the modeler and the
forms made or changed in the form editor (file name -> JSON text as typed). An owner may keep several
at once; nobody else sees them. "Periksa" runs the import's whole pipeline on the draft (XML safety,
XSD, model, parse, lint, simulation, and the process's scenarios) without storing anything, and keeps
the report with the content it checked: every problem with its element, the differences from the
newest version, and which running cases could move onto it. "Terapkan" deploys a draft whose current
content passed, through app.services.modelling.processes.import_process, so the new version, processes/ and
forms/ end up exactly as after `ppid process import`.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import undefer

from app.domain.errors import NotFound, ValidationFailed
from app.domain.timeutil import parse_iso
from app.engine import ImportRefused, Problem, ProcessDefinition, check_import, form_reader
from app.engine.migration import check_migration, compare_definitions, form_difference
from app.engine.safexml import MAX_BPMN_BYTES
from app.engine.scenarios import run_scenarios
from app.persistence.models import ProcessDraft, ProcessInstance, ProcessVersion, db

from app.services.infrastructure.context import Actor, setting
from app.services.casework.forms import option_sources
from app.services.modelling.process_calls import deployed_library
from app.services.modelling.process_views import version_number
from app.services.modelling.processes import ImportResult, definition_of, import_process, latest_version
from app.services.people.roles import require_manager, role_keys
from app.services.modelling.scenarios import STAGE as SCENARIO, scenario_files
from app.services.casework.steps import new_context
from app.services.infrastructure.transaction import use_case

MAX_DRAFTS = 20  # per owner, all processes
MAX_FORMS = 40  # per draft
MAX_FORM_BYTES = 256 * 1024
MAX_CANDIDATES = 200  # running cases checked for moving
FORM_FILE = re.compile(r"^[a-z0-9][a-z0-9_]{0,79}\.(schema|uischema)\.json$")
NOT_FOUND = "Draf tidak ditemukan (draf hanya terlihat oleh pembuatnya)."


@dataclass(frozen=True)
class EditorSource:
    """What the modeler opens: a BPMN text and where it comes from."""

    process_id: str
    name: str
    version_id: int
    version_number: int
    bpmn_xml: str


def latest_source(process_id: str) -> EditorSource:
    """The newest version of a process, as the modeler opens it (NotFound when never deployed)."""
    version = latest_version(process_id)
    return EditorSource(version.process_id, version.name, version.id, version_number(version.id),
                        version.bpmn_xml.decode("utf-8"))


@dataclass(frozen=True)
class CheckReport:
    """What "Periksa" found for one content of a draft (kept as JSON on the draft)."""

    at: datetime
    content: str
    ok: bool
    stage: str | None
    problems: list[dict]
    warnings: list[str] = field(default_factory=list)
    simulation: str = ""
    scenarios: int = 0
    base_version_id: int | None = None
    base_version_number: int = 0
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    forms: list[dict] = field(default_factory=list)
    candidates: list[dict] = field(default_factory=list)
    running: int = 0
    current: bool = True  # the draft still holds the content checked

    @property
    def movable(self) -> int:
        return sum(1 for c in self.candidates if c["can_move"])


@dataclass(frozen=True)
class DraftView:
    id: int
    process_id: str
    title: str
    base_version_number: int
    created_at: datetime
    updated_at: datetime
    form_names: list[str]
    check: CheckReport | None
    bpmn_xml: str = ""
    forms: dict[str, str] = field(default_factory=dict)


# -- reading ----------------------------------------------------------------------------------
def _own(actor: Actor, draft_id: int) -> ProcessDraft:
    require_manager(actor)
    draft = db.session.get(ProcessDraft, draft_id)
    if draft is None or draft.owner_id != actor.user_id or draft.deployed_version_id is not None:
        raise NotFound(NOT_FOUND)
    return draft


def _content(draft: ProcessDraft) -> str:
    digest = hashlib.sha256(draft.bpmn_xml)
    digest.update(json.dumps(draft.forms, sort_keys=True).encode())
    return digest.hexdigest()


def _report(draft: ProcessDraft) -> CheckReport | None:
    if not draft.checked:
        return None
    found = dict(draft.checked)
    return CheckReport(**{**found, "at": parse_iso(found["at"]), "current": found["content"] == _content(draft)})


def _view(draft: ProcessDraft, whole: bool = False) -> DraftView:
    base = version_number(draft.base_version_id) if draft.base_version_id else 0
    return DraftView(draft.id, draft.process_id, draft.title, base, draft.created_at, draft.updated_at,
                     sorted(draft.forms), _report(draft), draft.bpmn_xml.decode("utf-8") if whole else "",
                     dict(draft.forms) if whole else {})


def list_drafts(actor: Actor, process_id: str | None = None) -> list[DraftView]:
    """The actor's own drafts not yet deployed (of one process, or all), newest change first."""
    query = sa.select(ProcessDraft).where(ProcessDraft.owner_id == actor.user_id,
                                          ProcessDraft.deployed_version_id.is_(None))
    if process_id:
        query = query.where(ProcessDraft.process_id == process_id)
    return [_view(d) for d in db.session.scalars(query.order_by(ProcessDraft.updated_at.desc(), ProcessDraft.id.desc()))]


def draft_detail(actor: Actor, draft_id: int) -> DraftView:
    """One of the actor's drafts with its BPMN text and forms (NotFound for anyone else's)."""
    return _view(_own(actor, draft_id), whole=True)


def draft_form(actor: Actor, draft_id: int, name: str) -> str | None:
    """A form file as the draft holds it, else as forms/ holds it, else None (a new form)."""
    draft = _own(actor, draft_id)
    if name in draft.forms:
        return draft.forms[name]
    path = Path(setting("PPID_FORMS_DIR")) / name
    return path.read_text(encoding="utf-8") if FORM_FILE.match(name) and path.is_file() else None


# -- changing -----------------------------------------------------------------------------------
def _bpmn(text: str) -> bytes:
    data = (text or "").encode("utf-8")
    if not data.strip():
        raise ValidationFailed({"bpmn_xml": ["Diagram kosong: tidak ada yang dapat disimpan."]})
    if len(data) > MAX_BPMN_BYTES:
        raise ValidationFailed({"bpmn_xml": [f"Diagram lebih dari {MAX_BPMN_BYTES // (1024 * 1024)} MB."]})
    return data


def _forms(current: dict[str, str], changes: dict[str, str | None]) -> dict[str, str]:
    forms = dict(current)
    for name, text in changes.items():
        if not FORM_FILE.match(name):
            raise ValidationFailed({"form": [f"Nama formulir '{name}' tidak sah: huruf kecil, angka dan _, "
                                             "berakhiran .schema.json atau .uischema.json."]})
        if text is None:
            forms.pop(name, None)
        elif len(text.encode("utf-8")) > MAX_FORM_BYTES:
            raise ValidationFailed({"form": [f"Formulir {name} lebih dari {MAX_FORM_BYTES // 1024} KB."]})
        else:
            forms[name] = text
    if len(forms) > MAX_FORMS:
        raise ValidationFailed({"form": [f"Satu draf memuat paling banyak {MAX_FORMS} berkas formulir."]})
    return forms


@use_case
def create_draft(actor: Actor, process_id: str, now: datetime, bpmn_xml: str | None = None, title: str = "") -> int:
    """A new draft of a process, from the given BPMN text (the modeler's) or the newest version's."""
    require_manager(actor)
    latest = latest_version(process_id)
    mine = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessDraft).where(
        ProcessDraft.owner_id == actor.user_id, ProcessDraft.deployed_version_id.is_(None)))
    if mine >= MAX_DRAFTS:
        raise ValidationFailed({"": [f"Anda sudah menyimpan {MAX_DRAFTS} draf: terapkan atau hapus sebagian dulu."]})
    draft = ProcessDraft(process_id=process_id, owner_id=actor.user_id, base_version_id=latest.id,
                         title=(title or "").strip()[:200] or f"Draf {latest.name}",
                         bpmn_xml=_bpmn(bpmn_xml) if bpmn_xml is not None else latest.bpmn_xml,
                         forms={}, created_at=now, updated_at=now)
    db.session.add(draft)
    db.session.flush()
    return draft.id


@use_case
def save_draft(actor: Actor, draft_id: int, now: datetime, bpmn_xml: str | None = None,
               forms: dict[str, str | None] | None = None, title: str | None = None) -> None:
    """Keep the modeler's BPMN text and/or form files (None: the form is dropped from the draft)."""
    draft = _own(actor, draft_id)
    if bpmn_xml is not None:
        draft.bpmn_xml = _bpmn(bpmn_xml)
    if forms:
        draft.forms = _forms(draft.forms, forms)
    if title is not None and title.strip():
        draft.title = title.strip()[:200]
    draft.updated_at = now


@use_case
def delete_draft(actor: Actor, draft_id: int) -> None:
    db.session.delete(_own(actor, draft_id))


# -- checking --------------------------------------------------------------------------------------
def _inputs(draft: ProcessDraft, latest: ProcessVersion) -> dict:
    """What the import is given for this draft: its forms, and the newest version's DMN tables."""
    return {"extra_forms": {n: t.encode("utf-8") for n, t in draft.forms.items()} or None,
            "decisions": {n: t.encode("utf-8") for n, t in (latest.decisions or {}).items()} or None}


def _scenarios(definition: ProcessDefinition) -> int:
    """The import's scenario stage, without remembering results (a draft is not a deployed version)."""
    files = scenario_files(definition.process_id)
    if not files:
        return 0
    results = run_scenarios(definition, files, options=option_sources(staffed_only=False))
    failed = [r for r in results if not r.passed]
    if failed:
        raise ImportRefused(SCENARIO, [Problem(SCENARIO, None, r.name, None, f"{r.source}: {r.difference}")
                                       for r in failed])
    return len(results)


def _pipeline(draft: ProcessDraft, latest: ProcessVersion):
    checked = check_import(draft.bpmn_xml, form_reader(Path(setting("PPID_FORMS_DIR"))), known_roles=role_keys(),
                           options=option_sources(staffed_only=False), library=deployed_library(),
                           **_inputs(draft, latest))
    if checked.definition.process_id != draft.process_id:
        raise ImportRefused("model", [Problem(
            "model", checked.definition.process_id, checked.definition.name, None,
            f"id proses harus tetap '{draft.process_id}': draf ini mengubah proses itu (proses lain diimpor "
            "sendiri di halaman Proses)")])
    return checked, _scenarios(checked.definition)


def _form_changes(old: ProcessDefinition, new: ProcessDefinition) -> list[dict]:
    out = []
    for name in sorted(set(old.forms) | set(new.forms)):
        before, after = old.forms.get(name), new.forms.get(name)
        if before == after:
            continue
        what = ("baru" if before is None else "tidak dipakai lagi" if after is None
                else form_difference(before, after) if name.endswith(".schema.json") else "tampilan berubah")
        out.append({"name": name, "what": what})
    return out


def _candidates(new: ProcessDefinition, now: datetime) -> tuple[list[dict], int]:
    """The running cases of the process (any version) and whether each could move onto the draft."""
    query = (sa.select(ProcessInstance).where(ProcessInstance.process_id == new.process_id,
                                              ProcessInstance.finished.is_(False))
             .order_by(ProcessInstance.id).options(undefer(ProcessInstance.state)))
    running = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    ctx, versions, out = new_context(now), {}, []
    for instance in db.session.scalars(query.limit(MAX_CANDIDATES)):
        if instance.version_id not in versions:
            versions[instance.version_id] = db.session.get(ProcessVersion, instance.version_id)
        check = check_migration(definition_of(versions[instance.version_id]), new, instance.state, ctx)
        out.append({"registration_number": instance.registration_number, "status": instance.status or "",
                    "version_number": version_number(instance.version_id), "can_move": check.can_migrate,
                    "reasons": list(check.reasons)})
    return out, running


@use_case
def check_draft(actor: Actor, draft_id: int, now: datetime) -> CheckReport:
    """Run the whole import pipeline on the draft and keep what it found (nothing is deployed)."""
    draft = _own(actor, draft_id)
    latest = latest_version(draft.process_id)
    report: dict = {"at": now.isoformat(), "content": _content(draft), "base_version_id": latest.id,
                    "base_version_number": version_number(latest.id)}
    try:
        checked, tested = _pipeline(draft, latest)
    except ImportRefused as refused:
        report.update(ok=False, stage=refused.stage, problems=[asdict(p) for p in refused.problems])
    else:
        diff = compare_definitions(definition_of(latest), checked.definition)
        candidates, running = _candidates(checked.definition, now)
        report.update(ok=True, stage=None, problems=[], warnings=list(checked.warnings), scenarios=tested,
                      simulation=checked.simulation.summary() if checked.simulation else "",
                      added=[asdict(c) for c in diff.added], removed=[asdict(c) for c in diff.removed],
                      changed=[asdict(c) for c in diff.changed],
                      forms=_form_changes(definition_of(latest), checked.definition),
                      candidates=candidates, running=running)
    draft.checked = report
    return _report(draft)


# -- deploying -------------------------------------------------------------------------------------
@use_case
def deploy_draft(actor: Actor, draft_id: int, now: datetime, note: str = "") -> ImportResult:
    """Deploy a draft that passed "Periksa" as it now stands, as the import does (the pipeline runs again);
    the draft is then closed (no longer listed) and names the version it became."""
    draft = _own(actor, draft_id)
    report = _report(draft)
    if report is None or not report.ok or not report.current:
        message = ("Periksa draf ini dulu: hanya draf yang lolos pemeriksaan, dan tidak diubah sesudahnya, yang dapat "
                   "diterapkan.")
        raise ValidationFailed({"": [message]}, message)
    latest = latest_version(draft.process_id)
    if latest.id != report.base_version_id:
        message = (f"Sejak pemeriksaan, versi {version_number(latest.id)} proses ini sudah dipasang: periksa draf ini "
                   "lagi untuk melihat perbedaannya dengan versi itu.")
        raise ValidationFailed({"": [message]}, message)
    result = import_process.__wrapped__(actor, draft.bpmn_xml, now, note=note, **_inputs(draft, latest))
    draft.deployed_version_id = result.version.id
    draft.updated_at = now
    return result


# -- what-if on past cases ---------------------------------------------------------------------------
def new_user_tasks(actor: Actor, draft_id: int) -> list[dict]:
    """The user tasks the draft adds (by its last passing check): the what-if asks how long each takes."""
    report = _report(_own(actor, draft_id))
    return [c for c in (report.added if report is not None and report.ok else []) if c["type"] == "UserTask"]


def what_if_draft(actor: Actor, draft_id: int, now: datetime, *, since=None, until=None, limit: int = 200,
                  durations: dict[str, float] | None = None):
    """The draft as it is saved, run on the recorded history of past cases against the newest version
    (app.services.modelling.whatif; read only). ImportRefused when the draft fails a check."""
    from app.services.modelling.whatif import what_if

    draft = _own(actor, draft_id)
    return what_if(actor, now, draft.bpmn_xml, since=since, until=until, limit=limit, durations=durations,
                   **_inputs(draft, latest_version(draft.process_id)))
