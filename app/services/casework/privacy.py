"""Which fields of a case are personal data, identify the applicant or are the office's own working.

Read by the case views (app/services/casework/cases.py) and the file downloads (app/services/casework/attachments.py) alike.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.domain import roles
from app.engine import ProcessDefinition
from app.persistence.models import ProcessInstance

from app.services.infrastructure.context import Actor
from app.services.modelling.versions import definition_for

#: personal data (UU 27/2022) of versions stored before forms marked it with "x-personal"
PERSONAL_FIELDS = ("nik", "nomor_akta", "lampiran_identitas")


@dataclass(frozen=True)
class Privacy:
    """What the forms of one process version mark: `"x-personal": true` fields are personal data
    (shown only to who works the case); `"x-identitas": true` fields identify the applicant and
    are withheld from everybody but the applicant when the case data has `anonim == True`;
    `"x-internal": true` fields are the office's internal working (a disposition note, the OPD's
    answer to Diskominfo), withheld from the applicant, who gets the written notice instead."""

    personal: frozenset[str]
    identity: frozenset[str]
    internal: frozenset[str] = frozenset()


_privacy: dict[str, Privacy] = {}


def privacy_of(content_hash: str, forms: dict[str, dict]) -> Privacy:
    """The privacy marks of a version's forms (cached by content hash), plus PERSONAL_FIELDS."""
    found = _privacy.get(content_hash)
    if found is None:
        personal, identity, internal = set(PERSONAL_FIELDS), set(), set()
        for schema in forms.values():
            properties = schema.get("properties") if isinstance(schema, dict) else None
            for name, prop in (properties or {}).items() if isinstance(properties, dict) else ():
                if isinstance(prop, dict) and prop.get("x-personal") is True:
                    personal.add(name)
                if isinstance(prop, dict) and prop.get("x-identitas") is True:
                    identity.add(name)
                if isinstance(prop, dict) and prop.get("x-internal") is True:
                    internal.add(name)
        found = _privacy[content_hash] = Privacy(frozenset(personal), frozenset(identity), frozenset(internal))
    return found


def case_privacy(instance: ProcessInstance, definition: ProcessDefinition | None = None) -> Privacy:
    """The privacy marks of the version a case runs on (`definition`: that version's, when the caller has it)."""
    definition = definition or definition_for(instance)
    return privacy_of(definition.content_hash, definition.forms or {})


def is_own_case(actor: Actor, instance: ProcessInstance) -> bool:
    return actor.user_id is not None and instance.applicant_id == actor.user_id


def reads_as_applicant_only(actor: Actor, instance: ProcessInstance) -> bool:
    """The actor sees this case only because it is their own request (no staff role reads it)."""
    return is_own_case(actor, instance) and not (actor.roles - {roles.PEMOHON})
