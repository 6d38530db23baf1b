"""What every use case needs besides its arguments: the engine, the settings, the actor."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from app.domain import roles
from app.engine import Engine


@dataclass(frozen=True)
class Actor:
    """The person acting, as the web layer or the CLI identified them."""

    user_id: int | None
    username: str
    full_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    opd_codes: frozenset[str] = field(default_factory=frozenset)

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def main_role(self) -> str:
        """The first of the actor's roles in the order of roles.ROLES (for the audit log)."""
        return next((r for r in roles.ROLES if r in self.roles), next(iter(sorted(self.roles)), ""))


SYSTEM = Actor(user_id=None, username="sistem", full_name="Sistem (pengatur waktu)", roles=frozenset({"sistem"}))


def engine() -> Engine:
    """The application's engine (one per app: it caches parsed process versions)."""
    return current_app.extensions["ppid_engine"]


def setting(name: str):
    return current_app.config[name]
