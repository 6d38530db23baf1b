"""Who can take a lane's tasks: active accounts holding the lane's role (and, for an OPD-scoped
role, the case's OPD). A case must never wait in a lane that no active account can work.
"""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from app.domain import roles
from app.persistence.models import HumanTask, Opd, User, db, user_opd

from .roles import opd_scoped_roles

UNSTAFFED_MESSAGE = ("OPD ini belum memiliki petugas aktif; pilih OPD lain atau minta administrator "
                     "menambahkan petugas lebih dulu.")


def _active_staff() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.active.is_(True), User.roles != roles.PEMOHON)))


def officer_counts(role: str = roles.OPD) -> Counter:
    """OPD code -> how many active accounts hold `role` for that OPD."""
    counts: Counter = Counter()
    for user in _active_staff():
        if role in user.role_set:
            counts.update(o.code for o in user.opds)
    return counts


def staffed_opd_codes(role: str = roles.OPD) -> set[str]:
    """Active OPDs that at least one active account holding `role` works for."""
    return set(db.session.scalars(sa.select(Opd.code).where(Opd.active.is_(True), staffed(role))))


def staffed(role: str = roles.OPD):
    """SQL, correlated with Opd: at least one active account holding `role` works for the OPD."""
    pattern = "% " + role.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + " %"
    holds = (sa.literal(" ") + User.roles + sa.literal(" ")).like(pattern, escape="\\")
    return sa.select(user_opd.c.user_id).join(User, User.id == user_opd.c.user_id).where(
        user_opd.c.opd_code == Opd.code, User.active.is_(True), holds).exists()


def _unstaffed_condition():
    """SQL: an open staff task that no active account may take (correlated with HumanTask)."""
    scoped = sorted(opd_scoped_roles())
    holds_lane = (sa.literal(" ") + User.roles + sa.literal(" ")).like(
        sa.literal("% ") + HumanTask.lane + sa.literal(" %"))
    holder = sa.select(User.id).where(User.active.is_(True), holds_lane)
    scoped_holder = holder.join(user_opd, user_opd.c.user_id == User.id).where(
        user_opd.c.opd_code == HumanTask.opd_code)
    return sa.and_(HumanTask.lane.is_not(None), HumanTask.lane != roles.PEMOHON, sa.or_(
        sa.and_(HumanTask.lane.in_(scoped), ~scoped_holder.exists()),
        sa.and_(HumanTask.lane.not_in(scoped), ~holder.exists())))


def unstaffed_tasks(limit: int = 200) -> list[HumanTask]:
    """Open staff tasks that no active account may take, nearest deadline first."""
    return list(db.session.scalars(sa.select(HumanTask).where(_unstaffed_condition())
                                   .order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.id).limit(limit)))


def count_unstaffed_tasks() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(_unstaffed_condition()))
