"""`ppid data`: an applicant's personal data and the upload folder's sweep."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from .context import command_actor, now


@click.group("data", cls=AppGroup)
def data_group() -> None:
    """An applicant's personal data (UU 27/2022): export, erasure, and the upload folder's sweep."""


@data_group.command("export")
@click.argument("username")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="ZIP file to write")
@click.option("--by", "by_username", default=None,
              help="account the export is recorded under in the personal data access log (default: sistem)")
@with_appcontext
def data_export_command(username: str, out_file: str, by_username: str | None) -> None:
    """Write everything held about one account (account, cases, submitted data, uploads) as a ZIP."""
    from pathlib import Path

    from app.domain.errors import DomainError
    from app.services.records.access_log import record_applicant_export
    from app.services.records.personal_data import export_applicant

    operator = command_actor(by_username)
    try:
        content, counts = export_applicant(username)
        record_applicant_export(operator, username, f"ppid data export {username}", now())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    Path(out_file).write_bytes(content)
    click.echo(f"{counts['cases']} case(s), {counts['files']} file(s) written to {out_file}")


@data_group.command("erase")
@click.argument("username")
@click.option("--by", "by_username", default=None, help="account the erasure is recorded under (default: sistem)")
@with_appcontext
def data_erase_command(username: str, by_username: str | None) -> None:
    """Erase an applicant's personal data from FINISHED cases, delete their KTP scans, end the account."""
    from app.domain.errors import DomainError
    from app.services.records.personal_data import erase_applicant

    try:
        result = erase_applicant(username, command_actor(by_username), now())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    for number in result.cases_erased:
        click.echo(f"erased: {number}")
    for number in result.cases_running:
        click.echo(f"kept (still running): {number}")
    click.echo(f"cases erased: {len(result.cases_erased)}; files deleted: {result.files_deleted}; "
               f"account {'erased and deactivated' if result.account_erased else 'kept (cases still running)'}")


@data_group.command("sweep-files")
@with_appcontext
def data_sweep_files_command() -> None:
    """Remove uploaded files no row refers to (a step stopped before its commit) and list them; the timer worker
    does the same once a day."""
    from app.services.casework.file_sweep import sweep_files

    result = sweep_files(now())
    for line in result.lines():
        click.echo(line)
    click.echo(f"files removed: {len(result.removed)}; renames finished: {len(result.finished)}; "
               f"temporary files of running steps kept: {result.kept_pending}")
