"""Process versions: deploy BPMN files, find the version a new case starts on."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from app.domain.errors import InvalidProcess, NotFound
from app.engine import DefinitionError, ProcessDefinition, UserTaskMeta, build_definition, form_reader
from app.persistence.models import ProcessVersion, db

from .context import Actor, setting
from .transaction import use_case

_definitions: dict[str, ProcessDefinition] = {}


def definition_of(version: ProcessVersion) -> ProcessDefinition:
    """The engine-side definition of a stored version (built once per content hash)."""
    found = _definitions.get(version.content_hash)
    if found is None:
        found = ProcessDefinition(
            process_id=version.process_id, name=version.name, content_hash=version.content_hash,
            bpmn_xml=version.bpmn_xml, forms=version.forms,
            user_tasks={k: UserTaskMeta(**{**v, "exclude_completers_of": tuple(v["exclude_completers_of"])})
                        for k, v in version.user_tasks.items()},
            properties=version.properties, spec_json=version.spec_json,
        )
        _definitions[version.content_hash] = found
    return found


def load_definition_file(path: Path, forms_dir: Path | None = None) -> ProcessDefinition:
    """Build a definition from a BPMN file and the forms folder; InvalidProcess if it fails."""
    forms_dir = forms_dir or Path(setting("PPID_FORMS_DIR"))
    try:
        return build_definition(path.read_bytes(), form_reader(forms_dir))
    except DefinitionError as exc:
        raise InvalidProcess([f"{path.name}: {exc.stage}: {p}" for p in exc.problems]) from None


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
        created_at=now, created_by=actor.username, note=note,
    )
    db.session.add(version)
    db.session.flush()
    return version


@use_case
def deploy_processes_folder(actor: Actor, now: datetime) -> list[ProcessVersion]:
    """Store every BPMN file of processes/ whose content is new (start-up and `ppid init-db`)."""
    folder = Path(setting("PPID_PROCESSES_DIR"))
    return [store_definition(load_definition_file(p), actor, now, note=f"deployed from {p.name}")
            for p in sorted(folder.glob("*.bpmn"))]


def latest_version(process_id: str) -> ProcessVersion:
    """The newest version of a process: new cases start on it."""
    version = db.session.scalar(
        db.select(ProcessVersion).filter_by(process_id=process_id).order_by(ProcessVersion.id.desc()).limit(1))
    if version is None:
        raise NotFound(f"Proses '{process_id}' belum dipasang.")
    return version


def list_versions() -> list[ProcessVersion]:
    return list(db.session.scalars(db.select(ProcessVersion).order_by(ProcessVersion.id)))
