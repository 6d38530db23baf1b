"""Stored process versions as the engine sees them: one definition per content hash, kept by the engine.

A version row holds the whole BPMN, forms and parsed spec (about 170 KB for our request process): it is
read only when the engine does not know its content hash yet. `ProcessInstance.version` is `lazy="raise"`,
so no code loads it by walking from a case; `version_of` reads it where the row itself is wanted.
"""
from __future__ import annotations

import sqlalchemy as sa

from app.engine import ProcessDefinition, UserTaskMeta
from app.persistence.memo import transaction_memo
from app.persistence.models import ProcessInstance, ProcessVersion, db

from app.services.infrastructure.context import engine


def _built(version: ProcessVersion) -> ProcessDefinition:
    return ProcessDefinition(
        process_id=version.process_id, name=version.name, content_hash=version.content_hash,
        bpmn_xml=version.bpmn_xml, forms=version.forms,
        user_tasks={k: UserTaskMeta(**{**v, "exclude_completers_of": tuple(v["exclude_completers_of"])})
                    for k, v in version.user_tasks.items()},
        properties=version.properties, spec_json=version.spec_json,
        decisions=dict(version.decisions or {}), called=dict(version.called_versions or {}),
    )


def definition_of(version: ProcessVersion) -> ProcessDefinition:
    """The engine-side definition of a stored version (built once per content hash)."""
    return engine().definition(version.content_hash, lambda: _built(version))


def definition_for(instance: ProcessInstance, content_hash: str | None = None) -> ProcessDefinition:
    """The definition a case runs on, without loading its version row once the engine knows the version.

    `content_hash`: the version's hash when the caller read it already (with the case); else it is asked for.
    """
    known = transaction_memo(db.session, "version_hash")  # a page asks for it several times
    if content_hash is None:
        content_hash = known.get(instance.version_id) or db.session.scalar(
            sa.select(ProcessVersion.content_hash).where(ProcessVersion.id == instance.version_id))
    known[instance.version_id] = content_hash
    return engine().definition(content_hash, lambda: _built(version_of(instance)))


def stored_definition(content_hash: str | None) -> ProcessDefinition | None:
    """The definition of the stored version with that content hash; None when no such version is stored (a
    hash the engine knows from elsewhere, e.g. a checked import, counts only once it is stored)."""
    version_id = db.session.scalar(sa.select(ProcessVersion.id).where(ProcessVersion.content_hash == content_hash)
                                   .limit(1)) if content_hash else None
    if version_id is None:
        return None
    return engine().definition(content_hash, lambda: _built(db.session.get(ProcessVersion, version_id)))


def version_of(instance: ProcessInstance) -> ProcessVersion:
    """The version row of a case, where the row itself is wanted (its id, note, date; a migration)."""
    return db.session.get(ProcessVersion, instance.version_id)
