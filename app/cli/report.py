"""`ppid report`: the annual report and public statistics."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext


@click.group("report", cls=AppGroup)
def report_group() -> None:
    """The annual report and public statistics."""


@report_group.command("annual")
@click.option("--year", type=int, required=True)
@click.option("--out", "out_file", default=None, type=click.Path(dir_okay=False), help="also write it as CSV")
@with_appcontext
def report_annual_command(year: int, out_file: str | None) -> None:
    """Requests, decisions, time taken, objections and disputes per semester and OPD."""
    from pathlib import Path

    from app.services.records.reports import annual_report, report_csv

    report = annual_report(year)
    for line in report.lines():
        click.echo(line)
    if out_file:
        Path(out_file).write_text(report_csv(report), encoding="utf-8-sig")
        click.echo(f"written {out_file}")


@report_group.command("chart")
@click.option("--year", type=int, required=True)
@click.option("--by", type=click.Choice(["opd", "month"]), default="opd", show_default=True)
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="SVG file to write")
@with_appcontext
def report_chart_command(year: int, by: str, out_file: str) -> None:
    """Requests received per OPD or per month, as an SVG bar chart."""
    from pathlib import Path

    from app.services.records.reports import chart_svg

    Path(out_file).write_text(chart_svg(year, by), encoding="utf-8")
    click.echo(f"written {out_file}")
