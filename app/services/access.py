"""Who may see and work what: lanes, OPDs, case ownership."""
from __future__ import annotations

import sqlalchemy as sa

from app.domain import roles
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, db

from .context import Actor

#: roles that read every case (auditors read, never write)
CASE_READERS = frozenset({roles.DISKOMINFO, roles.KEPALA_DISKOMINFO, roles.ATASAN_PPID, roles.AUDITOR})


def task_filter(actor: Actor):
    """SQL condition selecting the worklist rows the actor may work."""
    conditions = [HumanTask.lane == roles.PEMOHON, HumanTask.applicant_id == actor.user_id]
    clauses = [sa.and_(*conditions)] if actor.user_id is not None else []
    staff_lanes = [lane for lane, role in roles.LANE_ROLES.items()
                   if role in actor.roles and lane not in (roles.PEMOHON, roles.OPD)]
    if staff_lanes:
        clauses.append(HumanTask.lane.in_(staff_lanes))
    if roles.OPD in actor.roles and actor.opd_codes:
        clauses.append(sa.and_(HumanTask.lane == roles.OPD, HumanTask.opd_code.in_(actor.opd_codes)))
    return sa.or_(*clauses) if clauses else sa.false()


def may_work(actor: Actor, row: HumanTask) -> bool:
    if row.lane == roles.PEMOHON:
        return actor.user_id is not None and row.applicant_id == actor.user_id
    if row.lane == roles.OPD:
        return roles.OPD in actor.roles and row.opd_code in actor.opd_codes
    return roles.LANE_ROLES.get(row.lane or "") in actor.roles


def completed_by_actor(actor: Actor, instance_id: int, spec_ids: tuple[str, ...]) -> bool:
    """Whether the actor completed one of these tasks in this case (separation of duties)."""
    if not spec_ids or actor.user_id is None:
        return False
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance_id, AuditEvent.event_type == "task_completed",
        AuditEvent.actor_id == actor.user_id, AuditEvent.task_spec_id.in_(spec_ids))) > 0


def may_read_case(actor: Actor, instance: ProcessInstance) -> bool:
    if actor.roles & CASE_READERS:
        return True
    if actor.user_id is not None and instance.applicant_id == actor.user_id:
        return True
    return roles.OPD in actor.roles and instance.opd_code in actor.opd_codes


def may_see_personal_data(actor: Actor, instance: ProcessInstance) -> bool:
    """NIK and KTP scans: the applicant and the staff who work the case, not auditors of the public."""
    if actor.user_id is not None and instance.applicant_id == actor.user_id:
        return True
    if actor.roles & {roles.DISKOMINFO, roles.KEPALA_DISKOMINFO, roles.ATASAN_PPID}:
        return True
    return roles.OPD in actor.roles and instance.opd_code in actor.opd_codes
