"""Who may see and work what: lanes, OPDs, case ownership."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.domain import roles
from app.persistence.models import AuditEvent, HumanTask, ProcessInstance, db

from app.services.infrastructure.context import Actor
from app.services.people.roles import opd_scoped_roles

#: roles that read every case (auditors read, never write)
CASE_READERS = frozenset({roles.DISKOMINFO, roles.KEPALA_DISKOMINFO, roles.ATASAN_PPID, roles.AUDITOR})


@dataclass(frozen=True)
class Branch:
    """One part of a worklist: the rows of one lane (of one OPD, or of one applicant, when given)."""

    lane: str
    opd_code: str | None = None
    applicant_id: int | None = None

    @property
    def condition(self):
        condition = HumanTask.lane == self.lane
        if self.opd_code is not None:
            condition = sa.and_(condition, HumanTask.opd_code == self.opd_code)
        if self.applicant_id is not None:
            condition = sa.and_(condition, HumanTask.applicant_id == self.applicant_id)
        return condition


def task_branches(actor: Actor) -> list[Branch]:
    """The worklist rows the actor may work, as disjoint branches that each fix the lane.

    A lane is worked by the holders of the role named like the lane (roles live in the
    database, so a new lane needs no code); an OPD-scoped role also needs the case's OPD
    among the actor's OPDs (one branch per lane and OPD); the applicant's lane is worked by
    the case's applicant only. Each branch's condition matches the leading columns of an index
    (`lane`, `lane, opd_code` or `applicant_id`), so a worklist reads each in its index order and
    merges them (`tasks.list_tasks`) instead of scanning every open row.
    """
    branches = [Branch(roles.PEMOHON, applicant_id=actor.user_id)] if actor.user_id is not None else []
    held = sorted(actor.roles - {roles.PEMOHON})
    scoped = opd_scoped_roles() if held else frozenset()
    for role in held:
        if role in scoped:
            branches += [Branch(role, opd_code=code) for code in sorted(actor.opd_codes)]
        else:
            branches.append(Branch(role))
    return branches


def task_filter(actor: Actor):
    """SQL condition selecting the worklist rows the actor may work (the branches of `task_branches`)."""
    branches = task_branches(actor)
    return sa.or_(*(b.condition for b in branches)) if branches else sa.false()


#: who may record an applicant's step on their behalf (a request or objection brought to the counter, by phone
#: or by letter: UU 14/2008 art. 22(1),(3))
ON_BEHALF_ROLES = frozenset({roles.DISKOMINFO})


def may_work(actor: Actor, row: HumanTask, on_behalf: bool = False, lane_scoped: bool | None = None) -> bool:
    """Whether the actor may work this task; `on_behalf`: an officer records the applicant's own step for them.
    `lane_scoped`: whether the lane's role is OPD-scoped, when the caller read it with the task."""
    lane = row.lane or ""
    if lane == roles.PEMOHON:
        if on_behalf:
            return bool(actor.roles & ON_BEHALF_ROLES)
        return actor.user_id is not None and row.applicant_id == actor.user_id
    if not lane or lane not in actor.roles:
        return False
    scoped = lane in opd_scoped_roles() if lane_scoped is None else lane_scoped
    return not scoped or row.opd_code in actor.opd_codes


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
    if roles.OPD in actor.roles and instance.opd_code in actor.opd_codes:
        return True
    # holders of any other role (a lane added by a process owner) read the cases they have a task in
    return db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == instance.id, task_filter(actor))) > 0


def may_see_personal_data(actor: Actor, instance: ProcessInstance) -> bool:
    """NIK and KTP scans: the applicant and the staff who work the case, not auditors of the public."""
    if actor.user_id is not None and instance.applicant_id == actor.user_id:
        return True
    if actor.roles & {roles.DISKOMINFO, roles.KEPALA_DISKOMINFO, roles.ATASAN_PPID}:
        return True
    return roles.OPD in actor.roles and instance.opd_code in actor.opd_codes
