"""`ppid lapor`: complaints to carry into SP4N-LAPOR!."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext


@click.group("lapor", cls=AppGroup)
def lapor_group() -> None:
    """SP4N-LAPOR!: complaints to carry into LAPOR! (no network call)."""


@lapor_group.command("export")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="CSV file to write")
@click.option("--all", "include_finished", is_flag=True, help="also finished complaints")
@with_appcontext
def lapor_export_command(out_file: str, include_finished: bool) -> None:
    """Write the CSV of open complaints (never an anonymous complainant's identity)."""
    from pathlib import Path

    from app.services.records.lapor import ManualLaporExport, export_complaints

    client = ManualLaporExport()
    Path(out_file).write_text(export_complaints(client, include_finished), encoding="utf-8-sig")
    click.echo(f"{len(client.complaints)} complaint(s) written to {out_file}")
