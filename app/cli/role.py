"""`ppid role`: the roles that work the lanes."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext


@click.group("role", cls=AppGroup)
def role_group() -> None:
    """Roles: a lane of a BPMN model is worked by the holders of the role it is named after."""


@role_group.command("add")
@click.argument("key")
@click.argument("label")
@click.option("--opd-scoped", is_flag=True, help="holders work only the cases of their own OPDs")
@with_appcontext
def role_add_command(key: str, label: str, opd_scoped: bool) -> None:
    """Add a role, so a process can have a lane of that name."""
    from app.domain.errors import DomainError, ValidationFailed
    from app.services.infrastructure.context import SYSTEM
    from app.services.people.roles import add_role

    try:
        role = add_role(SYSTEM, key, label, opd_scoped)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(m for msgs in exc.errors.values() for m in msgs)) from None
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"role {role.key} ({role.label}){' scoped to OPDs' if role.opd_scoped else ''} added")


@role_group.command("list")
@with_appcontext
def role_list_command() -> None:
    """Every role with its label and how many active accounts hold it."""
    from app.services.people.roles import list_roles

    for role in list_roles():
        click.echo(f"{role.key:20} {role.label:36} {'opd' if role.opd_scoped else '   '} {role.holders:>4} holder(s)")
