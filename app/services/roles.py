"""Roles kept in the database, so a process owner can add a lane's role without code.

A BPMN lane is worked by the users holding the role named like the lane; an `opd_scoped`
role (like `opd`) additionally needs the case's OPD among the user's OPDs.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.domain import roles as builtin
from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.persistence.models import Role, User, db

from .context import Actor
from .transaction import use_case

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
    return frozenset(db.session.scalars(db.select(Role.key).where(Role.opd_scoped.is_(True)))) | {builtin.OPD}


def role_label(key: str) -> str:
    role = db.session.get(Role, key)
    return role.label if role is not None else builtin.role_label(key)


def list_roles() -> list[RoleView]:
    holders: dict[str, int] = {}
    for user_roles in db.session.scalars(db.select(User.roles).where(User.active.is_(True))):
        for key in user_roles.split():
            holders[key] = holders.get(key, 0) + 1
    return [RoleView(r.key, r.label, r.opd_scoped, holders.get(r.key, 0))
            for r in db.session.scalars(db.select(Role).order_by(Role.key))]


def holders_of(key: str) -> int:
    """How many active users hold a role (roles are a space-separated list on the user)."""
    return sum(1 for user_roles in db.session.scalars(db.select(User.roles).where(User.active.is_(True)))
               if key in user_roles.split())


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
    return RoleView(key, label, opd_scoped, 0)
