"""`ppid export`: event logs and the registers the law requires."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext


def _period_options(func):
    func = click.option("--opd", default=None, help="only cases of this OPD (code)")(func)
    func = click.option("--to", "last", default=None, type=click.DateTime(formats=["%Y-%m-%d"]),
                        help="last day (WIB), included")(func)
    func = click.option("--from", "first", default=None, type=click.DateTime(formats=["%Y-%m-%d"]),
                        help="first day (WIB), included")(func)
    return click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False),
                        help="file to write")(func)


@click.group("export", cls=AppGroup)
def export_group() -> None:
    """Exports: event logs (XES, CSV) and the registers the law requires."""


@export_group.command("xes")
@_period_options
@with_appcontext
def export_xes_command(out_file: str, first, last, opd: str | None) -> None:
    """Every case's history as an IEEE 1849 XES event log (no personal data)."""
    from app.services.records.exports import export_xes

    with open(out_file, "wb") as out:
        traces, events = export_xes(out, first and first.date(), last and last.date(), opd)
    click.echo(f"{traces} case(s), {events} event(s) written to {out_file}")


@export_group.command("csv")
@_period_options
@with_appcontext
def export_csv_command(out_file: str, first, last, opd: str | None) -> None:
    """Every case's history as CSV: case, event, time (WIB), resource, role, lane, OPD."""
    from app.services.records.exports import export_csv

    with open(out_file, "w", encoding="utf-8-sig", newline="") as out:
        cases, events = export_csv(out, first and first.date(), last and last.date(), opd)
    click.echo(f"{cases} case(s), {events} event(s) written to {out_file}")


@export_group.command("register")
@click.argument("kind", type=click.Choice(["permohonan", "keberatan"]))
@_period_options
@with_appcontext
def export_register_command(kind: str, out_file: str, first, last, opd: str | None) -> None:
    """The request or objection register (CSV, or XLSX when FILE ends in .xlsx); never a NIK."""
    from pathlib import Path

    from app.services.records import registers

    rows = (registers.request_register if kind == "permohonan" else registers.objection_register)(
        first and first.date(), last and last.date(), opd)
    if out_file.lower().endswith(".xlsx"):
        Path(out_file).write_bytes(registers.to_xlsx(rows, kind))
    else:
        Path(out_file).write_text(registers.to_csv(rows, kind), encoding="utf-8-sig")
    click.echo(f"{len(rows)} row(s) written to {out_file}")
