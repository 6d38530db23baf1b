"""What every command starts from: the time it runs at and the account it acts as."""
from __future__ import annotations

from datetime import datetime, timezone

import click


def now() -> datetime:
    """A command's time (also the timer worker's, `ppid timers run`): the only clock read of the CLI."""
    return datetime.now(timezone.utc)


def command_actor(username: str | None):
    """The actor of an operator command: a named account (--by) or the system."""
    from app.services.people.accounts import actor_named
    from app.services.infrastructure.context import SYSTEM

    if not username:
        return SYSTEM
    actor = actor_named(username)
    if actor is None:
        raise click.ClickException(f"no account '{username}'")
    return actor
