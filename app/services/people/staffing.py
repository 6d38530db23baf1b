"""Who can take a lane's tasks: active accounts holding the lane's role (and, for an OPD-scoped
role, the case's OPD). A case must never wait in a lane that no active account can work.
"""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from app.domain import roles
from app.persistence.models import HumanTask, Opd, User, UserRole, db, user_opd

from app.services.people.roles import opd_scoped_roles

UNSTAFFED_MESSAGE = ("OPD ini belum memiliki petugas aktif; pilih OPD lain atau minta administrator "
                     "menambahkan petugas lebih dulu.")


def officer_counts(role: str = roles.OPD) -> Counter:
    """OPD code -> how many active accounts hold `role` for that OPD."""
    return Counter(dict(db.session.execute(
        sa.select(user_opd.c.opd_code, sa.func.count()).join(UserRole, UserRole.user_id == user_opd.c.user_id)
        .join(User, User.id == user_opd.c.user_id)
        .where(UserRole.role_key == role, User.active.is_(True)).group_by(user_opd.c.opd_code)).all()))


def staffed_opd_codes(role: str = roles.OPD) -> set[str]:
    """Active OPDs that at least one active account holding `role` works for."""
    return set(db.session.scalars(sa.select(Opd.code).where(Opd.active.is_(True), staffed(role))))


def holds(role) -> sa.ColumnElement[bool]:
    """SQL, correlated with User: the account holds `role` (a key or a column), looked up by primary key."""
    return sa.select(UserRole.user_id).where(UserRole.user_id == User.id, UserRole.role_key == role).exists()


def staffed(role: str = roles.OPD):
    """SQL, correlated with Opd: at least one active account holding `role` works for the OPD (the OPD's
    officers by index, each checked by key: no read of every account)."""
    return sa.select(user_opd.c.user_id).join(UserRole, sa.and_(
        UserRole.user_id == user_opd.c.user_id, UserRole.role_key == role)).join(
        User, User.id == user_opd.c.user_id).where(user_opd.c.opd_code == Opd.code, User.active.is_(True)).exists()


def _unstaffed_condition():
    """SQL: an open staff task that no active account may take (correlated with HumanTask)."""
    scoped = sorted(opd_scoped_roles())
    holder = sa.select(UserRole.user_id).join(User, User.id == UserRole.user_id).where(
        UserRole.role_key == HumanTask.lane, User.active.is_(True))
    # the case's OPD's officers first (by index), each asked whether they hold the lane's role
    scoped_holder = sa.select(user_opd.c.user_id).join(User, User.id == user_opd.c.user_id).where(
        user_opd.c.opd_code == HumanTask.opd_code, User.active.is_(True), holds(HumanTask.lane))
    return sa.and_(HumanTask.lane.is_not(None), HumanTask.lane != roles.PEMOHON, sa.or_(
        sa.and_(HumanTask.lane.in_(scoped), ~scoped_holder.exists()),
        sa.and_(HumanTask.lane.not_in(scoped), ~holder.exists())))


def unstaffed_tasks(limit: int = 200) -> list[HumanTask]:
    """Open staff tasks that no active account may take, nearest deadline first."""
    return list(db.session.scalars(sa.select(HumanTask).where(_unstaffed_condition())
                                   .order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.id).limit(limit)))


def count_unstaffed_tasks() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(_unstaffed_condition()))
