"""`ppid backup` and `ppid restore`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("backup")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="backup file to write")
@with_appcontext
def backup_command(out_file: str) -> None:
    """Back up the database while the service runs (SQLite online backup; PostgreSQL pg_dump)."""
    from app.services.infrastructure.backup import BackupError, backup_database

    try:
        result = backup_database(out_file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup ({result.kind}, {result.size} bytes) written to {result.path}")


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="replace a database that already holds data")
@with_appcontext
def restore_command(backup_file: str, force: bool) -> None:
    """Restore a SQLite backup into the configured database (stop the service first)."""
    from app.services.infrastructure.backup import BackupError, restore_database

    try:
        target = restore_database(backup_file, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {backup_file} into {target}")
