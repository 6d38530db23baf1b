"""`ppid mail`: the outbox."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from .context import now


@click.group("mail", cls=AppGroup)
def mail_group() -> None:
    """The outbox: the staff's daily digest and delivery."""


@mail_group.command("digest")
@with_appcontext
def mail_digest_command() -> None:
    """Queue today's digest for every officer with late or soon-due tasks (once per officer per WIB day)."""
    from app.services.infrastructure.digest import queue_staff_digest

    click.echo(f"digests queued: {queue_staff_digest(now())}")


@mail_group.command("send")
@with_appcontext
def mail_send_command() -> None:
    """Deliver the mail waiting in the outbox (failed mail is retried later with back-off)."""
    from app.services.infrastructure.notifications import deliver_pending

    sent, failed = deliver_pending(now())
    click.echo(f"mail sent: {sent}; failed: {failed}")
