"""`ppid calendar`: the working-day calendar."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from .context import now


@click.group("calendar", cls=AppGroup)
def calendar_group() -> None:
    """The working-day calendar: holidays and cuti bersama."""


@calendar_group.command("list")
@click.option("--year", type=int, default=None, help="year (default: this year)")
@with_appcontext
def calendar_list_command(year: int | None) -> None:
    """Days off of a year, as deadlines count them."""
    from app.domain.timeutil import format_tanggal, wib_date
    from app.services.infrastructure.calendar import current_calendar

    for day, name in current_calendar().days_off(year or wib_date(now()).year).items():
        click.echo(f"{day.isoformat()}  {format_tanggal(day):28} {name}")


@calendar_group.command("add")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("name")
@click.option("--working", is_flag=True, help="declare an official holiday a working day instead")
@with_appcontext
def calendar_add_command(day, name: str, working: bool) -> None:
    """Add an extra day off (or, with --working, a worked holiday). Running cases keep their due dates."""
    from app.services.infrastructure.calendar import set_calendar_day

    set_calendar_day(day.date(), name, day_off=not working)
    click.echo(f"{day.date().isoformat()}: {'working day' if working else 'day off'} ({name})")


@calendar_group.command("remove")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@with_appcontext
def calendar_remove_command(day) -> None:
    """Remove an admin edit of the calendar."""
    from app.services.infrastructure.calendar import clear_calendar_day

    click.echo("removed" if clear_calendar_day(day.date()) else "no edit on that day")


@calendar_group.command("cuti-bersama")
@click.argument("mode", type=click.Choice(["libur", "kerja"]))
@with_appcontext
def calendar_cuti_bersama_command(mode: str) -> None:
    """Whether cuti bersama days are days off (libur, the default) or working days (kerja)."""
    from app.services.infrastructure.calendar import set_cuti_bersama_working

    set_cuti_bersama_working(mode == "kerja")
    click.echo(f"cuti bersama: {mode}")
