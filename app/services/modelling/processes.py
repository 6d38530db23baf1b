"""Process versions: deploy BPMN files, find the version a new case starts on."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import undefer

from app.domain import roles
from app.domain.errors import InvalidProcess, NotFound
from app.engine import (DefinitionError, ImportRefused, Problem, ProcessDefinition, build_definition,
                        check_import, form_reader)
from app.engine.migration import (DefinitionDiff, MigrationRefused, check_migration, compare_definitions,
                                  migrate_state)
from app.engine.scenarios import ScenarioResult, run_scenarios
from app.persistence.models import HumanTask, ProcessInstance, ProcessVersion, TimerJob, db

from app.services.infrastructure.context import Actor, engine, setting
from app.services.modelling.process_calls import deploy_order, deployed_library, folder_decisions
from app.services.casework.incidents import MIGRATION, StepFailed, guard, record_incident
from app.services.casework.forms import option_sources
from app.services.modelling.scenarios import gate as scenario_gate, remember_results, scenario_files, write_scenarios
from app.services.people.roles import holders_of, require_manager, role_keys
from app.services.casework.steps import new_context, persist_run
from app.services.modelling.versions import definition_of, version_of
from app.services.infrastructure.transaction import use_case

def load_definition_file(path: Path, forms_dir: Path | None = None) -> ProcessDefinition:
    """Build a definition from a BPMN file and the forms folder; InvalidProcess if it fails."""
    forms_dir = forms_dir or Path(setting("PPID_FORMS_DIR"))
    try:
        return build_definition(path.read_bytes(), form_reader(forms_dir), known_roles=role_keys(),
                                decisions=folder_decisions(path.parent), library=deployed_library())
    except DefinitionError as exc:
        raise InvalidProcess([f"{path.name}: {p}" for p in exc.problems]) from None


def store_definition(definition: ProcessDefinition, actor: Actor, now: datetime, note: str = "") -> ProcessVersion:
    """Add a definition as a new version unless the same content is stored already (flush only)."""
    existing = db.session.scalar(db.select(ProcessVersion).filter_by(content_hash=definition.content_hash))
    if existing is not None:
        return existing
    version = ProcessVersion(
        process_id=definition.process_id, name=definition.name, content_hash=definition.content_hash,
        bpmn_xml=definition.bpmn_xml, forms=definition.forms,
        user_tasks={k: json.loads(json.dumps(v.__dict__)) for k, v in definition.user_tasks.items()},
        properties=definition.properties, spec_json=definition.spec_json,
        decisions=definition.decisions, called_versions=definition.called,
        created_at=now, created_by=actor.username, note=note,
    )
    db.session.add(version)
    db.session.flush()
    return version


@use_case
def deploy_processes_folder(actor: Actor, now: datetime) -> list[ProcessVersion]:
    """Store every BPMN file of processes/ whose content is new (start-up and `ppid init-db`); a process
    another one calls is stored first, so the caller's call activity finds it."""
    folder = Path(setting("PPID_PROCESSES_DIR"))
    return [store_definition(load_definition_file(p), actor, now, note=f"dipasang dari berkas {p.name}")
            for p in deploy_order(sorted(folder.glob("*.bpmn")))]


def latest_version(process_id: str) -> ProcessVersion:
    """The newest version of a process: new cases start on it."""
    version = db.session.scalar(
        db.select(ProcessVersion).filter_by(process_id=process_id).order_by(ProcessVersion.id.desc()).limit(1))
    if version is None:
        raise NotFound(f"Proses '{process_id}' belum dipasang.")
    return version


def list_versions() -> list[ProcessVersion]:
    return list(db.session.scalars(db.select(ProcessVersion).order_by(ProcessVersion.id)))


# -- importing a new version (issue 4: procedures change without code) --------------------
@dataclass(frozen=True)
class ImportResult:
    """A version after an import: new (`created`) or the stored one with identical content."""

    version: ProcessVersion
    normalized: list[str]
    warnings: list[str]
    created: bool = True
    #: what the simulation stage found, in one line (paths, ends, coverage): app.engine.simulation
    simulation: str = ""


_PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _role_warnings(definition: ProcessDefinition, stored_roles: frozenset[str]) -> list[str]:
    warnings = []
    for lane in sorted({m.lane for m in definition.user_tasks.values() if m.lane and m.lane != roles.PEMOHON}):
        if lane not in stored_roles:
            warnings.append(f"peran '{lane}' belum ada di daftar peran: tambahkan (`ppid role add {lane} "
                            "\"<nama peran>\"`) sebelum kasus sampai ke jalurnya")
        elif holders_of(lane) == 0:
            warnings.append(f"belum ada yang memegang peran '{lane}': tugas di jalur itu akan menunggu sampai ada")
    return warnings


@use_case
def import_process(actor: Actor, bpmn_bytes: bytes, now: datetime, note: str = "",
                   extra_forms: dict[str, bytes] | None = None, extra_roles: Iterable[str] = (),
                   decisions: dict[str, bytes] | None = None,
                   scenarios: dict[str, bytes] | None = None) -> ImportResult:
    """Check a BPMN export (stages xml, xsd, parse, lint; editor dialects normalized) and store it.

    Forms come from PPID_FORMS_DIR plus `extra_forms` (name -> JSON bytes). On success the
    new version is stored under its content hash (identical content: the existing version
    is returned), the normalized BPMN is written to PPID_PROCESSES_DIR/<process_id>.bpmn and
    the extra forms it uses to PPID_FORMS_DIR. Refused: ImportRefused, nothing is written.
    New cases start on the newest version; running cases stay on theirs until migrated.
    `decisions` (DMN file name -> bytes) serve its business rule tasks: the files a task calls are
    stored with the version and written to PPID_PROCESSES_DIR. Call activities call the deployed
    processes (newest version, or the one pinned): app.engine.calls.
    The process's scenarios (PPID_PROCESSES_DIR/tests/<process_id>/*.json, with `scenarios` given
    here replacing or adding files) must all pass on the new version (stage "scenario"); the given
    ones are then kept beside the model.
    """
    require_manager(actor)
    forms_dir, processes_dir = Path(setting("PPID_FORMS_DIR")), Path(setting("PPID_PROCESSES_DIR"))
    stored_roles = role_keys()
    checked = check_import(bpmn_bytes, form_reader(forms_dir), known_roles=stored_roles | set(extra_roles),
                           extra_forms=extra_forms, options=option_sources(staffed_only=False),
                           decisions=decisions, library=deployed_library())
    definition = checked.definition
    if not _PROCESS_ID.match(definition.process_id):
        raise ImportRefused("lint", [Problem("lint", definition.process_id, definition.name, None,
                                             "id proses harus nama sederhana (huruf, angka, _ . -)")])
    warnings = list(checked.warnings) + _role_warnings(definition, stored_roles)
    tested = scenario_gate(definition, scenarios, now)
    summary = "; ".join(filter(None, [checked.simulation.summary() if checked.simulation else "",
                                      f"skenario: {len(tested)} lulus" if tested else ""]))
    existing = db.session.scalar(db.select(ProcessVersion).filter_by(content_hash=definition.content_hash))
    if existing is not None:
        write_scenarios(definition.process_id, scenarios)
        return ImportResult(existing, checked.normalized, warnings, created=False, simulation=summary)
    version = store_definition(definition, actor, now, note=note)
    for name in sorted(set(extra_forms or {}) & set(definition.forms)):
        target = forms_dir / name
        content = json.dumps(definition.forms[name], indent=2, ensure_ascii=False).encode() + b"\n"
        if target.exists() and json.loads(target.read_bytes()) != definition.forms[name]:
            warnings.append(f"formulir {name} di forms/ diganti; proses lain yang menyebutnya memakai formulir baru "
                            "pada impor berikutnya")
        _atomic_write(target, content)
    for name, text in sorted(definition.decisions.items()):
        if (processes_dir / name).exists() and (processes_dir / name).read_bytes() != text.encode("utf-8"):
            warnings.append(f"berkas keputusan {name} di processes/ diganti; proses lain yang memakainya mendapat "
                            "tabel baru pada impor berikutnya")
        _atomic_write(processes_dir / name, text.encode("utf-8"))
    _atomic_write(processes_dir / f"{definition.process_id}.bpmn", definition.bpmn_xml)
    write_scenarios(definition.process_id, scenarios)
    return ImportResult(version, checked.normalized, warnings, created=True, simulation=summary)


@dataclass(frozen=True)
class VersionSummary:
    id: int
    process_id: str
    name: str
    content_hash: str
    created_at: datetime
    created_by: str
    note: str
    running_cases: int
    latest: bool
    number: int = 0  # 1, 2, ... among the versions of this process (ids are shared by all processes)


def version_summary(process_id: str | None = None) -> list[VersionSummary]:
    """Every stored version (oldest first) with the number of unfinished cases pinned to it."""
    running = dict(db.session.execute(
        sa.select(ProcessInstance.version_id, sa.func.count()).where(ProcessInstance.finished.is_(False))
        .group_by(ProcessInstance.version_id)).all())
    query = sa.select(ProcessVersion.id, ProcessVersion.process_id, ProcessVersion.name, ProcessVersion.content_hash,
                      ProcessVersion.created_at, ProcessVersion.created_by, ProcessVersion.note).order_by(ProcessVersion.id)
    if process_id:
        query = query.where(ProcessVersion.process_id == process_id)
    rows = db.session.execute(query).all()
    newest, numbers, counts = {}, {}, {}
    for row in rows:
        newest[row.process_id] = row.id
    for process, first in db.session.execute(  # numbering counts every version, even when filtered
            sa.select(ProcessVersion.process_id, ProcessVersion.id).order_by(ProcessVersion.id)).all():
        counts[process] = numbers[first] = counts.get(process, 0) + 1
    return [VersionSummary(r.id, r.process_id, r.name, r.content_hash, r.created_at, r.created_by, r.note or "",
                           running.get(r.id, 0), newest[r.process_id] == r.id, numbers[r.id]) for r in rows]


def _version(version_id: int) -> ProcessVersion:
    version = db.session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(f"Versi proses {version_id} tidak ada.")
    return version


def compare_versions(old_id: int, new_id: int) -> DefinitionDiff:
    """Elements added, removed and changed from one stored version to another."""
    return compare_definitions(definition_of(_version(old_id)), definition_of(_version(new_id)))


@dataclass(frozen=True)
class MigrationOutcome:
    registration_number: str
    moved: bool
    reasons: list[str]
    incident_id: int | None = None  # a step failed on the new version: the case stays, the incident says why


def migration_candidates(old_id: int, new_id: int, now: datetime) -> list[tuple[str, bool, list[str]]]:
    """Each unfinished case on `old_id`: (registration number, can it move to `new_id`, why not)."""
    old, new = definition_of(_version(old_id)), definition_of(_version(new_id))
    ctx = new_context(now)
    out = []
    for instance in db.session.scalars(sa.select(ProcessInstance).where(
            ProcessInstance.version_id == old_id, ProcessInstance.finished.is_(False)).order_by(ProcessInstance.id)
            .options(undefer(ProcessInstance.state))):
        check = check_migration(old, new, instance.state, ctx)
        out.append((instance.registration_number, check.can_migrate, check.reasons))
    return out


def migrate_cases(actor: Actor, registration_numbers: Iterable[str], new_version_id: int,
                  now: datetime) -> list[MigrationOutcome]:
    """Move running cases onto another version of their process, in one transaction.

    A case that cannot move (see app.engine.migration) stays where it is and is reported
    with its reasons. A moved case gets its worklist and timer rows rebuilt from the new
    state (claims kept for tasks that stay open) and a `case_migrated` audit event with
    both versions' content hashes. A case whose next steps fail on the new version (a script
    error) stays too, and the failure is recorded as an incident (app/services/casework/incidents.py)
    once the others have moved.
    """
    failures: dict[str, StepFailed] = {}
    outcomes = _migrate_cases(actor, list(registration_numbers), new_version_id, now, failures)
    return [_failed_migration(o.registration_number, failures[o.registration_number])
            if o.registration_number in failures else o for o in outcomes]


def _failed_migration(registration_number: str, failure: StepFailed) -> MigrationOutcome:
    incident_id = record_incident(failure)
    f = failure.failure
    where = f"{f.element_id} ({f.element_name})" if f.element_name else (f.element_id or "?")
    return MigrationOutcome(registration_number, False,
                            [f"sebuah langkah gagal pada versi baru di {where}: {f.message} (insiden #{incident_id})"],
                            incident_id)


@use_case
def _migrate_cases(actor: Actor, registration_numbers: list[str], new_version_id: int, now: datetime,
                   failures: dict[str, StepFailed]) -> list[MigrationOutcome]:
    require_manager(actor)
    target = _version(new_version_id)
    new = definition_of(target)
    outcomes = []
    for reg in registration_numbers:
        instance = db.session.scalar(sa.select(ProcessInstance).filter_by(registration_number=reg))
        if instance is None:
            outcomes.append(MigrationOutcome(reg, False, ["kasus tidak ditemukan"]))
            continue
        if instance.version_id == target.id:
            outcomes.append(MigrationOutcome(reg, False, ["kasus sudah berjalan pada versi ini"]))
            continue
        old_version = version_of(instance)
        ctx = new_context(now)
        try:
            state = migrate_state(definition_of(old_version), new, instance.state, ctx)
        except MigrationRefused as exc:
            outcomes.append(MigrationOutcome(reg, False, exc.reasons))
            continue
        try:
            with guard(MIGRATION, actor, now, instance=instance, retry={"to_version_id": target.id}):
                with db.session.begin_nested():  # numbers a failing script allocated go back too
                    run = engine().open(new, state, ctx)
                    run.advance()
        except StepFailed as failure:
            failures[reg] = failure
            outcomes.append(MigrationOutcome(reg, False, []))
            continue
        claims = {r.task_id: (r.claimed_by_id, r.claimed_by_name, r.claimed_at)
                  for r in db.session.scalars(sa.select(HumanTask).filter_by(instance_id=instance.id))}
        db.session.execute(sa.delete(HumanTask).where(HumanTask.instance_id == instance.id))
        db.session.execute(sa.delete(TimerJob).where(TimerJob.instance_id == instance.id))
        instance.version_id = target.id
        persist_run(instance, run, actor, now, "case_migrated", payload_extra={
            "from_version": old_version.content_hash, "to_version": target.content_hash,
            "from_version_id": old_version.id, "to_version_id": target.id})
        for row in db.session.scalars(sa.select(HumanTask).filter_by(instance_id=instance.id)):
            if row.task_id in claims and claims[row.task_id][0] is not None:
                row.claimed_by_id, row.claimed_by_name, row.claimed_at = claims[row.task_id]
        outcomes.append(MigrationOutcome(reg, True, []))
    return outcomes


# -- a process owner's scenario tests, on the deployed versions (`ppid process test`, the process page) -------------
@use_case
def run_process_scenarios(actor: Actor, now: datetime,
                          process_id: str | None = None) -> dict[str, list[ScenarioResult]]:
    """Run the scenarios of every deployed process (or one) on its newest version; remember the results."""
    require_manager(actor)
    if process_id:
        ids = [process_id]
        latest_version(process_id)  # NotFound when it was never deployed
    else:
        ids = sorted(set(db.session.scalars(db.select(ProcessVersion.process_id))))
    out = {}
    for pid in ids:
        files = scenario_files(pid)
        if not files:
            continue
        results = run_scenarios(definition_of(latest_version(pid)), files,
                                options=option_sources(staffed_only=False))
        remember_results(pid, results, now)
        out[pid] = results
    return out
