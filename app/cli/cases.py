"""`ppid cases`: cases."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext


@click.group("cases", cls=AppGroup)
def cases_group() -> None:
    """Cases."""


@cases_group.command("list")
@click.option("--status", default=None)
@click.option("--limit", default=50, show_default=True)
@with_appcontext
def cases_list_command(status: str | None, limit: int) -> None:
    """List cases, newest first."""
    from app.domain.timeutil import format_waktu
    from app.services.casework.cases import list_cases

    for c in list_cases(limit=limit, status=status):
        click.echo(f"{c.registration_number:18} {c.status:26} {c.opd_code or '-':16} {format_waktu(c.created_at)}")
