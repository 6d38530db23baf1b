"""The `ppid` command: everything an operator does."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import click
from flask.cli import FlaskGroup, with_appcontext

from app import create_app


def _now() -> datetime:
    return datetime.now(timezone.utc)


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=True)
def main() -> None:
    """PPID Kabupaten Pasuruan: operator commands."""


def init_database() -> list:
    """Migrate the schema to the newest revision and deploy the BPMN files of processes/."""
    from flask_migrate import upgrade

    from app.services.accounts import ensure_opds
    from app.services.context import SYSTEM
    from app.services.processes import deploy_processes_folder
    from app.persistence.models import db

    upgrade()
    ensure_opds()
    db.session.commit()
    return deploy_processes_folder(SYSTEM, _now())


@main.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database and deploy processes/."""
    versions = init_database()
    for v in versions:
        click.echo(f"process {v.process_id} version {v.id} ({v.content_hash[:12]})")
    click.echo("database ready")


@main.command("demo-data")
@click.option("--password", required=True, help="password given to every demo account")
@with_appcontext
def demo_data_command(password: str) -> None:
    """Load the regency's OPDs and one account per role."""
    from app.services.accounts import load_demo_data

    for username, full_name, roles in load_demo_data(password, _now()):
        click.echo(f"{username:10} {roles:20} {full_name}")


@main.group("timers")
def timers_group() -> None:
    """The timer worker."""


@timers_group.command("run")
@click.option("--once", is_flag=True, help="one sweep, then exit")
@click.option("--interval", default=None, type=float, help="seconds between sweeps")
@with_appcontext
def timers_run_command(once: bool, interval: float | None) -> None:
    """Fire due timers (and deliver mail), repeatedly; safe to run on several machines."""
    from flask import current_app

    from app.services.worker import sweep

    interval = interval or float(current_app.config["PPID_TIMER_INTERVAL"])
    while True:
        result, sent = sweep(_now())
        if result.timers or sent or once:
            click.echo(f"timers fired: {result.timers} in {result.cases} cases; conflicts: {result.conflicts}; mail sent: {sent}")
        for line in result.fired:
            click.echo(f"  {line}")
        if once:
            return
        time.sleep(interval)


@main.group("cases")
def cases_group() -> None:
    """Cases."""


@cases_group.command("list")
@click.option("--status", default=None)
@click.option("--limit", default=50, show_default=True)
@with_appcontext
def cases_list_command(status: str | None, limit: int) -> None:
    """List cases, newest first."""
    from app.domain.timeutil import format_waktu
    from app.services.cases import list_cases

    for c in list_cases(limit=limit, status=status):
        click.echo(f"{c.registration_number:18} {c.status:26} {c.opd_code or '-':16} {format_waktu(c.created_at)}")


@main.group("audit")
def audit_group() -> None:
    """Audit: verify history."""


@audit_group.command("verify")
@click.argument("case", required=False)
@with_appcontext
def audit_verify_command(case: str | None) -> None:
    """Verify the hash chain and stored state of one case (registration number) or of all."""
    from app.services.audit import verify_all

    count, problems = verify_all(case)
    for problem in problems:
        click.echo(f"FAIL {problem}")
    if problems:
        raise SystemExit(1)
    click.echo(f"OK: {count} case(s) verified")


@main.group("process")
def process_group() -> None:
    """Process versions: import, list, draw."""


@process_group.command("draw")
@click.argument("bpmn_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="SVG file to write")
def process_draw_command(bpmn_file: str, out_file: str) -> None:
    """Draw any BPMN file (executable or not) as SVG from its diagram interchange."""
    from pathlib import Path

    from app.engine.diagram import render_svg

    try:
        svg = render_svg(Path(bpmn_file).read_bytes())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    Path(out_file).write_text(svg, encoding="utf-8")
    click.echo(f"written {out_file}")


@main.group("calendar")
def calendar_group() -> None:
    """The working-day calendar: holidays and cuti bersama."""


@calendar_group.command("list")
@click.option("--year", type=int, default=None, help="year (default: this year)")
@with_appcontext
def calendar_list_command(year: int | None) -> None:
    """Days off of a year, as deadlines count them."""
    from app.domain.timeutil import format_tanggal, today_wib
    from app.services.calendar import current_calendar

    for day, name in current_calendar().days_off(year or today_wib().year).items():
        click.echo(f"{day.isoformat()}  {format_tanggal(day):28} {name}")


@calendar_group.command("add")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("name")
@click.option("--working", is_flag=True, help="declare an official holiday a working day instead")
@with_appcontext
def calendar_add_command(day, name: str, working: bool) -> None:
    """Add an extra day off (or, with --working, a worked holiday). Running cases keep their due dates."""
    from app.services.calendar import set_calendar_day

    set_calendar_day(day.date(), name, day_off=not working)
    click.echo(f"{day.date().isoformat()}: {'working day' if working else 'day off'} ({name})")


@calendar_group.command("remove")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@with_appcontext
def calendar_remove_command(day) -> None:
    """Remove an admin edit of the calendar."""
    from app.services.calendar import clear_calendar_day

    click.echo("removed" if clear_calendar_day(day.date()) else "no edit on that day")


@calendar_group.command("cuti-bersama")
@click.argument("mode", type=click.Choice(["libur", "kerja"]))
@with_appcontext
def calendar_cuti_bersama_command(mode: str) -> None:
    """Whether cuti bersama days are days off (libur, the default) or working days (kerja)."""
    from app.services.calendar import set_cuti_bersama_working

    set_cuti_bersama_working(mode == "kerja")
    click.echo(f"cuti bersama: {mode}")
