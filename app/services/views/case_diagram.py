"""The diagram of one case: its process version drawn with the path taken, open tasks and timers.

Read-only and without loading the workflow: the path comes from the "steps" lists of the
case's audit events, the open tasks from its worklist rows (HumanTask) and the running
timers from its timer rows (TimerJob). Who may see it: whoever may read the case.
"""
from __future__ import annotations

import functools
import json

import sqlalchemy as sa

from app.persistence.models import AuditEvent, HumanTask, ProcessVersion, TimerJob, db

from app.services.casework.cases import readable_instance
from app.services.infrastructure.context import Actor
from app.services.modelling.process_views import safe_svg
from app.services.people.roles import role_labels


def case_highlight(instance_id: int) -> dict[str, str]:
    """BPMN element id -> "done" (a step taken), "timer" (a timer waiting) or "active" (a task open).

    A later state wins over an earlier one: an open task that was done before (a loop) is
    active, a waiting timer that fired before (a cycle) is a timer.
    """
    highlight: dict[str, str] = {}
    for payload in db.session.scalars(sa.select(AuditEvent.payload).where(AuditEvent.instance_id == instance_id)
                                      .order_by(AuditEvent.seq)):
        try:
            steps = json.loads(payload).get("steps") or []
        except (ValueError, AttributeError):
            continue
        for step in steps:
            if isinstance(step, dict) and step.get("id"):
                highlight[str(step["id"])] = "done"
    for spec_id in db.session.scalars(sa.select(TimerJob.spec_id).where(TimerJob.instance_id == instance_id)):
        highlight[spec_id] = "timer"
    for spec_id in db.session.scalars(sa.select(HumanTask.spec_id).where(HumanTask.instance_id == instance_id)):
        highlight[spec_id] = "active"
    return highlight


@functools.lru_cache(maxsize=64)
def _render(content_hash: str, highlight: tuple[tuple[str, str], ...], labels: tuple[tuple[str, str], ...]) -> str:
    bpmn = db.session.scalar(sa.select(ProcessVersion.bpmn_xml).where(ProcessVersion.content_hash == content_hash))
    return safe_svg(bpmn, dict(highlight), dict(labels)) if bpmn else ""


def case_diagram_svg(actor: Actor, registration_number: str) -> str:
    """The case's process version as inline SVG (classes st-done/st-active/st-timer), '' if it cannot be drawn.

    NotFound for an unknown number and for whoever may not read the case (the rule of get_case).
    """
    instance = readable_instance(actor, registration_number)
    content_hash = db.session.scalar(sa.select(ProcessVersion.content_hash)
                                     .where(ProcessVersion.id == instance.version_id))
    return _render(content_hash, tuple(sorted(case_highlight(instance.id).items())), tuple(sorted(role_labels().items())))
