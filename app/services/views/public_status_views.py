"""The public status page: what anyone may know about a case from its number (no personal data, no request
text)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.domain import data_contract as contract
from app.persistence.models import AuditEvent, db

from app.services.views.case_view_parts import TIMELINE_EVENTS, Deadline, case_deadlines, event_title
from app.services.casework.cases import find_instance

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
        title = event_title(event_type, task_name, steps)
        if title:
            milestones.append(Milestone(at, title))
    legal = [d for d in case_deadlines(instance.id) if d.legal]
    data = instance.case_data or {}
    return PublicStatus(
        registration_number=instance.registration_number, status=instance.status, received_at=instance.created_at,
        finished=instance.finished, milestones=milestones, next_due=legal[0] if legal else None,
        status_keberatan=_text(data.get(contract.STATUS_KEBERATAN)),
        status_sengketa=_text(data.get(contract.STATUS_SENGKETA)),
    )


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str) and value else None
