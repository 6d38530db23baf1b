"""Roles kept in the database, so a process owner can add a lane's role without code.

A BPMN lane is worked by the users holding the role named like the lane; an `opd_scoped`
role (like `opd`) additionally needs the case's OPD among the user's OPDs.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.domain import roles as builtin
from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.persistence.memo import transaction_memo
from app.persistence.models import Role, User, UserRole, db

from app.services.infrastructure.context import Actor
from app.services.infrastructure.transaction import use_case

KEY = builtin.ROLE_KEY
#: who may change roles and processes (the CLI acts as the system)
MANAGERS = frozenset({builtin.ADMIN, builtin.PROCESS_OWNER, "sistem"})


@dataclass(frozen=True)
class RoleView:
    key: str
    label: str
    opd_scoped: bool
    holders: int


def require_manager(actor: Actor) -> None:
    """Processes and roles are changed by a process owner or an administrator only."""
    if not actor.roles & MANAGERS:
        raise Forbidden("Hanya pemilik proses atau administrator yang boleh mengubah proses dan peran.")


def role_keys() -> frozenset[str]:
    """Every role key: the built-in ones and those added since."""
    return frozenset(db.session.scalars(db.select(Role.key))) | frozenset(builtin.ROLES)


#: roles that never work a lane's tasks
NON_LANE_ROLES = frozenset({builtin.PEMOHON, builtin.AUDITOR, builtin.PROCESS_OWNER, builtin.ADMIN})


def ordered_role_keys() -> list[str]:
    """Every role key: the built-in ones in their usual order, then those added since."""
    extra = sorted(role_keys() - set(builtin.ROLES))
    return list(builtin.ROLES) + extra


def works_lanes(actor_roles: frozenset[str]) -> bool:
    """Whether someone with these roles has a worklist (any lane role, built-in or added later)."""
    return bool(actor_roles - NON_LANE_ROLES)


def role_labels() -> dict[str, str]:
    labels = dict(builtin.ROLE_LABELS)
    labels.update({key: label for key, label in db.session.execute(db.select(Role.key, Role.label))})
    return labels


def opd_scoped_roles() -> frozenset[str]:
    """The roles whose tasks are worked per OPD: read once in a transaction (a page's filters ask again)."""
    known = transaction_memo(db.session, _SCOPED)
    if _SCOPED not in known:
        known[_SCOPED] = frozenset(db.session.scalars(db.select(Role.key).where(Role.opd_scoped.is_(True)))) \
            | {builtin.OPD}
    return known[_SCOPED]


_SCOPED = "opd_scoped_roles"


def role_label(key: str) -> str:
    role = db.session.get(Role, key)
    return role.label if role is not None else builtin.role_label(key)


def _holders(*keys: str):
    """SQL: (role key, active holders) per role, counted in the database."""
    query = db.select(UserRole.role_key, db.func.count()).join(User, User.id == UserRole.user_id).where(
        User.active.is_(True)).group_by(UserRole.role_key)
    return query.where(UserRole.role_key.in_(keys)) if keys else query


def list_roles() -> list[RoleView]:
    holders = dict(db.session.execute(_holders()).all())
    return [RoleView(r.key, r.label, r.opd_scoped, holders.get(r.key, 0))
            for r in db.session.scalars(db.select(Role).order_by(Role.key))]


def holders_of(key: str) -> int:
    """How many active users hold a role."""
    return dict(db.session.execute(_holders(key)).all()).get(key, 0)


@use_case
def add_role(actor: Actor, key: str, label: str, opd_scoped: bool = False) -> RoleView:
    """Add a role (a lane name a process may use); its users are then given it like any other role."""
    require_manager(actor)
    key, label = key.strip(), label.strip()
    problems = {}
    if not KEY.match(key):
        problems["key"] = ["Kunci peran 2-60 huruf kecil, angka dan garis bawah, diawali huruf (mis. bagian_hukum)."]
    if not label:
        problems["label"] = ["Wajib diisi."]
    if problems:
        raise ValidationFailed(problems)
    if db.session.get(Role, key) is not None or key in builtin.ROLES:
        raise Conflict(f"Peran '{key}' sudah ada.")
    db.session.add(Role(key=key, label=label, opd_scoped=opd_scoped))
    db.session.flush()
    transaction_memo(db.session, _SCOPED).clear()
    return RoleView(key, label, opd_scoped, 0)
