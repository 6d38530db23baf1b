"""Who can take a lane's tasks: active accounts holding the lane's role (and, for an OPD-scoped
role, the case's OPD). A case must never wait in a lane that no active account can work.
"""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from app.domain import roles
from app.persistence.models import HumanTask, Opd, Role, User, UserRole, db, user_opd

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
    """SQL: an open staff task that no active account may take.

    Whether a task can be taken depends only on its lane (and, for an OPD-scoped lane, its OPD), so the
    staffed lanes and (lane, OPD) pairs are read first — two small grouped reads of the holders, by index —
    and the tasks are then matched against those lists, read by the lane indexes, instead of asking about
    the holders once per open task."""
    scoped = sorted(opd_scoped_roles())
    active = sa.and_(User.id == UserRole.user_id, User.active.is_(True))
    # the staff roles there are (built in or added), never the applicants' role: its holders are every account
    candidates = (set(roles.ROLES) | set(db.session.scalars(sa.select(Role.key)))) - set(scoped) - {roles.PEMOHON}
    staffed_lanes = set(db.session.scalars(
        sa.select(UserRole.role_key).join(User, active).where(UserRole.role_key.in_(sorted(candidates)))
        .group_by(UserRole.role_key)))
    # per OPD, whether one of its officers holds the lane (stops at the first): bounded by the OPDs, not the staff
    staffed_pairs = db.session.execute(sa.union_all(*[
        sa.select(sa.literal(lane).label("lane"), Opd.code).where(staffed(lane)) for lane in scoped])).all()
    unstaffed_scoped = HumanTask.opd_code.is_(None)
    if staffed_pairs:
        unstaffed_scoped = sa.or_(unstaffed_scoped,
                                  sa.tuple_(HumanTask.lane, HumanTask.opd_code).not_in([tuple(p) for p in staffed_pairs]))
    return sa.or_(
        sa.and_(HumanTask.lane.in_(scoped), unstaffed_scoped),
        sa.and_(HumanTask.lane.is_not(None), HumanTask.lane.not_in(sorted({roles.PEMOHON, *scoped, *staffed_lanes}))))


def unstaffed_tasks(limit: int = 200) -> list[HumanTask]:
    """Open staff tasks that no active account may take, nearest deadline first."""
    return list(db.session.scalars(sa.select(HumanTask).where(_unstaffed_condition())
                                   .order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.id).limit(limit)))


def count_unstaffed_tasks() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(HumanTask).where(_unstaffed_condition()))
