"""`ppid process`: process versions: import, test, what-if, list, diff, migrate, draw."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from .context import command_actor, now


@click.group("process", cls=AppGroup)
def process_group() -> None:
    """Process versions: import, list, diff, migrate, draw."""


@process_group.command("draw")
@click.argument("bpmn_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="SVG file to write")
@click.option("--diagram", "number", type=click.IntRange(min=1), default=None,
              help="which diagram to draw, 1 = the first (a file may hold several: collapsed subprocesses, pools)")
@click.option("--all", "draw_all", is_flag=True, help="draw every diagram: OUT-1.svg, OUT-2.svg, ...")
def process_draw_command(bpmn_file: str, out_file: str, number: int | None, draw_all: bool) -> None:
    """Draw any BPMN file (executable or not) as SVG from its diagram interchange; says which diagram is which."""
    from pathlib import Path

    from app.engine.diagram import diagram_planes, render_svg

    if number is not None and draw_all:
        raise click.UsageError("use --diagram N or --all, not both")
    data = Path(bpmn_file).read_bytes()
    try:
        planes = diagram_planes(data)
        if not planes:
            render_svg(data)  # raises the renderer's own message (no diagram interchange)
        if number is not None and number > len(planes):
            raise ValueError(f"the file has {len(planes)} diagram(s); --diagram takes 1 to {len(planes)}")
        chosen = planes if draw_all else [planes[(number or 1) - 1]]
        out = Path(out_file)
        for plane in chosen:
            target = out.with_name(f"{out.stem}-{plane.index + 1}{out.suffix or '.svg'}") if draw_all else out
            target.write_text(render_svg(data, diagram_index=plane.index), encoding="utf-8")
            what = " ".join(x for x in (plane.element_kind or "diagram", f"'{plane.element_name}'" * bool(
                plane.element_name), f"({plane.element_id})" * bool(plane.element_id)) if x)
            named = f", named '{plane.name}'" if plane.name and plane.name != plane.element_name else ""
            click.echo(f"written {target}: diagram {plane.index + 1} of {len(planes)}, {what}{named}")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if len(planes) > 1 and not draw_all and number is None:
        click.echo(f"the file has {len(planes)} diagrams: --diagram N draws one, --all draws every one")


def _refused(exc) -> None:
    click.echo(f"refused at stage {exc.stage}: {len(exc.problems)} problem(s)", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


@process_group.command("import")
@click.argument("bpmn_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--note", default="", help="why the procedure changed (kept with the version)")
@click.option("--forms", "forms_dir", type=click.Path(exists=True, file_okay=False),
              help="folder of new or changed forms (*.json) that come with this BPMN; its *.dmn files too")
@click.option("--dmn", "dmn_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="a DMN decision table its business rule tasks call (repeat for several)")
@click.option("--decisions", "decisions_dir", type=click.Path(exists=True, file_okay=False),
              help="folder of DMN files (*.dmn) that come with this BPMN")
@click.option("--scenarios", "scenarios_dir", type=click.Path(exists=True, file_okay=False),
              help="folder of scenario tests (*.json) that come with this BPMN (kept in processes/tests/<id>/)")
@click.option("--by", "username", default=None, help="account the import is recorded under (default: sistem)")
@with_appcontext
def process_import_command(bpmn_file: str, note: str, forms_dir: str | None, username: str | None,
                           dmn_files: tuple[str, ...] = (), decisions_dir: str | None = None,
                           scenarios_dir: str | None = None) -> None:
    """Check a BPMN export (e.g. from bpmn_editor_exports/) and deploy it as a new version."""
    from pathlib import Path

    from app.services.modelling.processes import ImportRefused, import_process

    extra = {p.name: p.read_bytes() for p in sorted(Path(forms_dir).glob("*.json"))} if forms_dir else None
    decisions = {p.name: p.read_bytes() for folder in (forms_dir, decisions_dir) if folder
                 for p in sorted(Path(folder).glob("*.dmn"))}
    decisions.update({Path(f).name: Path(f).read_bytes() for f in dmn_files})
    try:
        result = import_process(command_actor(username), Path(bpmn_file).read_bytes(), now(), note=note,
                                extra_forms=extra, decisions=decisions or None,
                                scenarios={p.name: p.read_bytes() for p in sorted(Path(scenarios_dir).glob("*.json"))}
                                if scenarios_dir else None)
    except ImportRefused as exc:
        _refused(exc)
    for line in result.normalized:
        click.echo(f"normalized: {line}")
    if result.simulation:
        click.echo(result.simulation)
    for line in result.warnings:
        click.echo(f"warning: {line}")
    v = result.version
    if result.created:
        click.echo(f"imported: process {v.process_id} version {v.id} ({v.content_hash[:12]}); new cases start on it")
    else:
        click.echo(f"unchanged: identical to process {v.process_id} version {v.id} ({v.content_hash[:12]})")


@process_group.command("test")
@click.argument("process_id", required=False)
@with_appcontext
def process_test_command(process_id: str | None) -> None:
    """Run the scenario tests of processes/tests/<process_id>/ on the newest version; exit 1 if one fails."""
    from app.domain.errors import NotFound
    from app.services.infrastructure.context import SYSTEM
    from app.services.modelling.processes import run_process_scenarios

    try:
        found = run_process_scenarios(SYSTEM, now(), process_id)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    if not found:
        click.echo(f"no scenarios in processes/tests/{process_id or '<process_id>'}/")
    failed = 0
    for pid, results in found.items():
        for result in results:
            click.echo(f"{pid}  {result.line()}")
            failed += not result.passed
    total = sum(len(r) for r in found.values())
    click.echo(f"{total - failed} passed, {failed} failed")
    if failed:
        raise SystemExit(1)


@process_group.command("whatif")
@click.argument("bpmn_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="first day received (WIB), included")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), help="last day received (WIB), included")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1), help="newest finished cases run")
@click.option("--forms", "forms_dir", type=click.Path(exists=True, file_okay=False),
              help="folder of new or changed forms (*.json) and DMN files of the draft")
@click.option("--duration", "durations", multiple=True, metavar="TASK_ID=DAYS",
              help="working days a step with no history takes (repeatable; default: the median of its lane)")
@click.option("--seed", default=1, show_default=True, type=int, help="seed of the sample answers of new steps")
@click.option("--json", "as_json", is_flag=True, help="the report as one JSON object")
@click.option("--by", "username", default=None, help="account the what-if runs as (default: sistem)")
@with_appcontext
def process_whatif_command(bpmn_file: str, since, until, limit: int, forms_dir: str | None,
                           durations: tuple[str, ...], seed: int, as_json: bool, username: str | None) -> None:
    """Run a draft BPMN against the history of finished cases, beside the current version (a simulation)."""
    import json
    from pathlib import Path

    from app.domain.errors import DomainError
    from app.services.modelling.processes import ImportRefused
    from app.services.modelling.whatif import what_if

    given = {}
    for item in durations:
        task_id, _, days = item.partition("=")
        try:
            given[task_id.strip()] = float(days.replace(",", "."))
        except ValueError:
            raise click.UsageError(f"--duration {item!r}: write TASK_ID=DAYS, e.g. Activity_TelaahHukum=1.5") from None
    files = sorted(Path(forms_dir).iterdir()) if forms_dir else []
    try:
        report = what_if(command_actor(username), now(), Path(bpmn_file).read_bytes(), since=since and since.date(),
                         until=until and until.date(), limit=limit, durations=given, seed=seed,
                         extra_forms={p.name: p.read_bytes() for p in files if p.suffix == ".json"} or None,
                         decisions={p.name: p.read_bytes() for p in files if p.suffix == ".dmn"} or None)
    except ImportRefused as exc:
        _refused(exc)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, default=str) if as_json else "\n".join(report.lines()))


@process_group.command("list")
@with_appcontext
def process_list_command() -> None:
    """Stored versions: id, process, hash, created, by, note, cases running on it."""
    from app.domain.timeutil import format_waktu
    from app.services.modelling.processes import version_summary

    click.echo(f"{'id':>4}  {'process':24} {'hash':12}  {'created':22} {'by':14} {'running':>7}  note")
    for v in version_summary():
        mark = "*" if v.latest else " "
        click.echo(f"{v.id:>4}{mark} {v.process_id:24} {v.content_hash[:12]}  {format_waktu(v.created_at):22} "
                   f"{v.created_by:14} {v.running_cases:>7}  {v.note}")


@process_group.command("diff")
@click.argument("old_id", type=int)
@click.argument("new_id", type=int)
@with_appcontext
def process_diff_command(old_id: int, new_id: int) -> None:
    """What changed from one version to another."""
    from app.domain.errors import NotFound
    from app.services.modelling.processes import compare_versions

    try:
        diff = compare_versions(old_id, new_id)
    except NotFound as exc:
        raise click.ClickException(exc.message) from None
    if diff.empty:
        click.echo("no differences in the process elements")
    for sign, items in (("+", diff.added), ("-", diff.removed), ("~", diff.changed)):
        for item in items:
            click.echo(f"{sign} {item}")


@process_group.command("migrate")
@click.argument("new_version_id", type=int)
@click.option("--case", "cases", multiple=True, help="registration number (repeatable)")
@click.option("--all", "all_cases", is_flag=True, help="every running case of the process on an older version")
@click.option("--by", "username", default=None, help="account the migration is recorded under (default: sistem)")
@with_appcontext
def process_migrate_command(new_version_id: int, cases: tuple[str, ...], all_cases: bool, username: str | None) -> None:
    """Move running cases onto another version; cases that cannot move are listed with the reason."""
    from app.domain.errors import NotFound
    from app.services.modelling.processes import migrate_cases, migration_candidates, version_summary

    if bool(cases) == all_cases:
        raise click.UsageError("give --case REG (one or more) or --all")
    versions = {v.id: v for v in version_summary()}
    if new_version_id not in versions:
        raise click.ClickException(f"no version {new_version_id}")
    if all_cases:
        target = versions[new_version_id]
        cases = tuple(reg for v in versions.values() if v.process_id == target.process_id and v.id != target.id
                      for reg, _can, _why in migration_candidates(v.id, target.id, now()))
    try:
        outcomes = migrate_cases(command_actor(username), list(cases), new_version_id, now())
    except NotFound as exc:
        raise click.ClickException(exc.message) from None
    for outcome in outcomes:
        if outcome.moved:
            click.echo(f"moved    {outcome.registration_number} -> version {new_version_id}")
        else:
            click.echo(f"stays    {outcome.registration_number}: {'; '.join(outcome.reasons)}")
    moved = sum(o.moved for o in outcomes)
    click.echo(f"{moved} moved, {len(outcomes) - moved} stay")
