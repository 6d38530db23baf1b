"""Setting up: the database, the processes, the first administrator, demo accounts."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .context import now


def print_first_admin() -> None:
    """On a database without accounts: make the first administrator and print its password once,
    to the terminal only (never to a log); it must be changed at the first sign-in."""
    from app.services.people.accounts import create_first_admin

    created = create_first_admin(now())
    if created:
        click.echo(f"First administrator created: username '{created[0]}', password '{created[1]}'\n"
                   "  - shown only this once; it must be changed at the first sign-in (/masuk).")


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database and deploy processes/; on an empty one, the first administrator."""
    from app.services.infrastructure.installation import init_database

    versions = init_database(now())
    for v in versions:
        click.echo(f"process {v.process_id} version {v.id} ({v.content_hash[:12]})")
    print_first_admin()
    click.echo("database ready")


@click.command("demo-data")
@click.option("--password", required=True, help="password given to every demo account")
@with_appcontext
def demo_data_command(password: str) -> None:
    """Load the regency's OPDs and one account per role."""
    from app.services.people.accounts import load_demo_data

    for username, full_name, roles in load_demo_data(password, now()):
        click.echo(f"{username:10} {roles:20} {full_name}")
