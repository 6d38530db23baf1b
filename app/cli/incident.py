"""`ppid incident`: steps that failed at run time, to fix and retry."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from .context import command_actor, now


@click.group("incident", cls=AppGroup)
def incident_group() -> None:
    """Incidents: steps that failed at run time (a script error, a timer that cannot fire), to fix and retry."""


@incident_group.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="resolved incidents too")
@with_appcontext
def incident_list_command(include_resolved: bool) -> None:
    """Open incidents (and with --all the resolved ones): number, time, case, step, error."""
    from app.domain.timeutil import format_waktu
    from app.services.casework.incidents import list_incidents

    rows = list_incidents(include_resolved=include_resolved)
    for i in rows:
        element = f"{i.element_id or '?'} ({i.element_name})" if i.element_name else (i.element_id or "?")
        click.echo(f"#{i.id:<5} {i.status:8} {format_waktu(i.occurred_at):22} {i.registration_number or '-':20} "
                   f"{i.kind:9} {element}: {i.error}")
        if i.status != "open":
            click.echo(f"       resolved {format_waktu(i.resolved_at)} by {i.resolved_by}: {i.resolution}")
        elif i.retry_count:
            click.echo(f"       retried {i.retry_count} time(s): {i.last_retry_error or '-'}")
    click.echo(f"{sum(i.status == 'open' for i in rows)} open")


@incident_group.command("retry")
@click.argument("incident_id", type=int)
@click.option("--by", "username", default=None, help="account the retry is recorded under (default: sistem)")
@with_appcontext
def incident_retry_command(incident_id: int, username: str | None) -> None:
    """Run the failed step again on the case as it now stands (after a fix and a migration)."""
    from app.domain.errors import DomainError
    from app.services.casework.incidents import retry_incident

    try:
        outcome = retry_incident(command_actor(username), incident_id, now())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"#{incident_id} {'resolved' if outcome.resolved else 'still open'}: {outcome.message}")
    if not outcome.resolved:
        raise SystemExit(1)
