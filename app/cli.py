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


def print_first_admin() -> None:
    """On a database without accounts: make the first administrator and print its password once,
    to the terminal only (never to a log); it must be changed at the first sign-in."""
    from app.services.accounts import create_first_admin

    created = create_first_admin(_now())
    if created:
        click.echo(f"First administrator created: username '{created[0]}', password '{created[1]}'\n"
                   "  - shown only this once; it must be changed at the first sign-in (/masuk).")


@main.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database and deploy processes/; on an empty one, the first administrator."""
    from app.services.installation import init_database

    versions = init_database(_now())
    for v in versions:
        click.echo(f"process {v.process_id} version {v.id} ({v.content_hash[:12]})")
    print_first_admin()
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
        if result.timers or sent or once or result.incidents:
            click.echo(f"timers fired: {result.timers} in {result.cases} cases; conflicts: {result.conflicts}; mail sent: {sent}")
        if result.incidents:
            click.echo(f"  {result.incidents} case(s) whose timer failed: see `ppid incident list`")
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
    """Audit: verify history, read the personal data access log."""


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


@audit_group.command("access")
@click.option("--case", "case", default=None, help="registration number: only views of this case")
@click.option("--user", "username", default=None, help="username: only this officer's views")
@click.option("--since", default=None, type=click.DateTime(formats=["%Y-%m-%d"]), help="first day (WIB), included")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1), help="newest rows shown")
@click.option("--json", "as_json", is_flag=True, help="one JSON object per line")
@with_appcontext
def audit_access_command(case: str | None, username: str | None, since, limit: int, as_json: bool) -> None:
    """Who saw personal data in full (NIK, KTP scans), newest first (UU 27/2022 access log)."""
    import json

    from app.domain.timeutil import format_waktu
    from app.services.access_log import AccessFilters, find_accesses

    result = find_accesses(AccessFilters(username, case, since and since.date()), per_page=limit)
    for a in result.rows:
        if as_json:
            click.echo(json.dumps({"at": a.at.isoformat(), "username": a.username, "role": a.role,
                                   "case": a.registration_number, "kind": a.kind, "what": a.what, "path": a.path},
                                  ensure_ascii=False))
        else:
            click.echo(f"{format_waktu(a.at)}  {a.username:16} {a.registration_number or '-':18} {a.kind:8} "
                       f"{a.what}  {a.path}")
    if not as_json:
        click.echo(f"{len(result.rows)} of {result.total} view(s)")


@main.group("process")
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


def _operator(username: str | None):
    """The actor of an operator command: a named account (--by) or the system."""
    from app.services.accounts import actor_named
    from app.services.context import SYSTEM

    if not username:
        return SYSTEM
    actor = actor_named(username)
    if actor is None:
        raise click.ClickException(f"no account '{username}'")
    return actor


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

    from app.services.processes import ImportRefused, import_process

    extra = {p.name: p.read_bytes() for p in sorted(Path(forms_dir).glob("*.json"))} if forms_dir else None
    decisions = {p.name: p.read_bytes() for folder in (forms_dir, decisions_dir) if folder
                 for p in sorted(Path(folder).glob("*.dmn"))}
    decisions.update({Path(f).name: Path(f).read_bytes() for f in dmn_files})
    try:
        result = import_process(_operator(username), Path(bpmn_file).read_bytes(), _now(), note=note,
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
    from app.services.context import SYSTEM
    from app.services.processes import run_process_scenarios

    try:
        found = run_process_scenarios(SYSTEM, _now(), process_id)
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
    from app.services.processes import ImportRefused
    from app.services.whatif import what_if

    given = {}
    for item in durations:
        task_id, _, days = item.partition("=")
        try:
            given[task_id.strip()] = float(days.replace(",", "."))
        except ValueError:
            raise click.UsageError(f"--duration {item!r}: write TASK_ID=DAYS, e.g. Activity_TelaahHukum=1.5") from None
    files = sorted(Path(forms_dir).iterdir()) if forms_dir else []
    try:
        report = what_if(_operator(username), _now(), Path(bpmn_file).read_bytes(), since=since and since.date(),
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
    from app.services.processes import version_summary

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
    from app.services.processes import compare_versions

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
    from app.services.processes import migrate_cases, migration_candidates, version_summary

    if bool(cases) == all_cases:
        raise click.UsageError("give --case REG (one or more) or --all")
    versions = {v.id: v for v in version_summary()}
    if new_version_id not in versions:
        raise click.ClickException(f"no version {new_version_id}")
    if all_cases:
        target = versions[new_version_id]
        cases = tuple(reg for v in versions.values() if v.process_id == target.process_id and v.id != target.id
                      for reg, _can, _why in migration_candidates(v.id, target.id, _now()))
    try:
        outcomes = migrate_cases(_operator(username), list(cases), new_version_id, _now())
    except NotFound as exc:
        raise click.ClickException(exc.message) from None
    for outcome in outcomes:
        if outcome.moved:
            click.echo(f"moved    {outcome.registration_number} -> version {new_version_id}")
        else:
            click.echo(f"stays    {outcome.registration_number}: {'; '.join(outcome.reasons)}")
    moved = sum(o.moved for o in outcomes)
    click.echo(f"{moved} moved, {len(outcomes) - moved} stay")


@main.group("incident")
def incident_group() -> None:
    """Incidents: steps that failed at run time (a script error, a timer that cannot fire), to fix and retry."""


@incident_group.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="resolved incidents too")
@with_appcontext
def incident_list_command(include_resolved: bool) -> None:
    """Open incidents (and with --all the resolved ones): number, time, case, step, error."""
    from app.domain.timeutil import format_waktu
    from app.services.incidents import list_incidents

    rows = list_incidents(include_resolved=include_resolved)
    for i in rows:
        element = f"{i.element_id or '?'} ({i.element_name})" if i.element_name else (i.element_id or "?")
        click.echo(f"#{i.id:<5} {i.status:8} {format_waktu(i.occurred_at):22} {i.registration_number or '-':20} "
                   f"{i.kind:9} {element}: {i.error}")
        if i.status != "open":
            click.echo(f"       resolved {format_waktu(i.resolved_at)} by {i.resolved_by}: {i.resolution}")
        elif i.retry_count:
            click.echo(f"       retried {i.retry_count} time(s): {i.last_retry_error or '-'}")
    click.echo(f"{sum(i.status == 'open' for i in rows)} open")


@incident_group.command("retry")
@click.argument("incident_id", type=int)
@click.option("--by", "username", default=None, help="account the retry is recorded under (default: sistem)")
@with_appcontext
def incident_retry_command(incident_id: int, username: str | None) -> None:
    """Run the failed step again on the case as it now stands (after a fix and a migration)."""
    from app.domain.errors import DomainError
    from app.services.incidents import retry_incident

    try:
        outcome = retry_incident(_operator(username), incident_id, _now())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"#{incident_id} {'resolved' if outcome.resolved else 'still open'}: {outcome.message}")
    if not outcome.resolved:
        raise SystemExit(1)


@main.group("role")
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
    from app.services.context import SYSTEM
    from app.services.roles import add_role

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
    from app.services.roles import list_roles

    for role in list_roles():
        click.echo(f"{role.key:20} {role.label:36} {'opd' if role.opd_scoped else '   '} {role.holders:>4} holder(s)")


@main.group("calendar")
def calendar_group() -> None:
    """The working-day calendar: holidays and cuti bersama."""


@calendar_group.command("list")
@click.option("--year", type=int, default=None, help="year (default: this year)")
@with_appcontext
def calendar_list_command(year: int | None) -> None:
    """Days off of a year, as deadlines count them."""
    from app.domain.timeutil import format_tanggal, wib_date
    from app.services.calendar import current_calendar

    for day, name in current_calendar().days_off(year or wib_date(_now()).year).items():
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


@main.group("mail")
def mail_group() -> None:
    """The outbox: the staff's daily digest and delivery."""


@mail_group.command("digest")
@with_appcontext
def mail_digest_command() -> None:
    """Queue today's digest for every officer with late or soon-due tasks (once per officer per WIB day)."""
    from app.services.digest import queue_staff_digest

    click.echo(f"digests queued: {queue_staff_digest(_now())}")


@mail_group.command("send")
@with_appcontext
def mail_send_command() -> None:
    """Deliver the mail waiting in the outbox (failed mail is retried later with back-off)."""
    from app.services.notifications import deliver_pending

    sent, failed = deliver_pending(_now())
    click.echo(f"mail sent: {sent}; failed: {failed}")


@main.group("lapor")
def lapor_group() -> None:
    """SP4N-LAPOR!: complaints to carry into LAPOR! (no network call)."""


@lapor_group.command("export")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="CSV file to write")
@click.option("--all", "include_finished", is_flag=True, help="also finished complaints")
@with_appcontext
def lapor_export_command(out_file: str, include_finished: bool) -> None:
    """Write the CSV of open complaints (never an anonymous complainant's identity)."""
    from pathlib import Path

    from app.services.lapor import ManualLaporExport, export_complaints

    client = ManualLaporExport()
    Path(out_file).write_text(export_complaints(client, include_finished), encoding="utf-8-sig")
    click.echo(f"{len(client.complaints)} complaint(s) written to {out_file}")



@audit_group.command("replay")
@click.argument("case", required=False)
@click.option("--all", "all_cases", is_flag=True, help="replay every case")
@with_appcontext
def audit_replay_command(case: str | None, all_cases: bool) -> None:
    """Re-execute a case (or all) from its history and compare every step; exit 1 on any mismatch."""
    import sys

    from app.services.replay import count_cases, replay_all, replay_case

    if bool(case) == all_cases:
        raise click.UsageError("name one case (registration number) or give --all")
    started = time.perf_counter()
    if case:
        reports = [replay_case(case)]
    else:
        with click.progressbar(length=count_cases(), label="replay", file=sys.stderr) as bar:
            reports = replay_all(progress=lambda _report: bar.update(1))
    failed = [r for r in reports if r.mismatches]
    for report in failed:
        for mismatch in report.mismatches:
            click.echo(f"MISMATCH {report.registration_number} {mismatch}")
    for report in reports:
        if report.note:
            click.echo(f"NOTE {report.registration_number}: {report.note}")
    events = sum(r.steps_checked for r in reports)
    click.echo(f"{'FAIL' if failed else 'OK'}: {len(reports)} case(s) replayed, {events} event(s) checked, "
               f"{len(failed)} with mismatches ({time.perf_counter() - started:.1f} s)")
    if failed:
        raise SystemExit(1)


@audit_group.command("hash")
@click.argument("case")
@with_appcontext
def audit_hash_command(case: str) -> None:
    """Print the hash of a case's last audit event: it seals the whole history."""
    from app.services.audit import final_hash
    from app.services.cases import find_instance

    click.echo(final_hash(find_instance(case).id) or "(no events)")


def _period_options(func):
    func = click.option("--opd", default=None, help="only cases of this OPD (code)")(func)
    func = click.option("--to", "last", default=None, type=click.DateTime(formats=["%Y-%m-%d"]),
                        help="last day (WIB), included")(func)
    func = click.option("--from", "first", default=None, type=click.DateTime(formats=["%Y-%m-%d"]),
                        help="first day (WIB), included")(func)
    return click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False),
                        help="file to write")(func)


@main.group("export")
def export_group() -> None:
    """Exports: event logs (XES, CSV) and the registers the law requires."""


@export_group.command("xes")
@_period_options
@with_appcontext
def export_xes_command(out_file: str, first, last, opd: str | None) -> None:
    """Every case's history as an IEEE 1849 XES event log (no personal data)."""
    from app.services.exports import export_xes

    with open(out_file, "wb") as out:
        traces, events = export_xes(out, first and first.date(), last and last.date(), opd)
    click.echo(f"{traces} case(s), {events} event(s) written to {out_file}")


@export_group.command("csv")
@_period_options
@with_appcontext
def export_csv_command(out_file: str, first, last, opd: str | None) -> None:
    """Every case's history as CSV: case, event, time (WIB), resource, role, lane, OPD."""
    from app.services.exports import export_csv

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

    from app.services import registers

    rows = (registers.request_register if kind == "permohonan" else registers.objection_register)(
        first and first.date(), last and last.date(), opd)
    if out_file.lower().endswith(".xlsx"):
        Path(out_file).write_bytes(registers.to_xlsx(rows, kind))
    else:
        Path(out_file).write_text(registers.to_csv(rows, kind), encoding="utf-8-sig")
    click.echo(f"{len(rows)} row(s) written to {out_file}")


@main.group("report")
def report_group() -> None:
    """The annual report and public statistics."""


@report_group.command("annual")
@click.option("--year", type=int, required=True)
@click.option("--out", "out_file", default=None, type=click.Path(dir_okay=False), help="also write it as CSV")
@with_appcontext
def report_annual_command(year: int, out_file: str | None) -> None:
    """Requests, decisions, time taken, objections and disputes per semester and OPD."""
    from pathlib import Path

    from app.services.reports import annual_report, report_csv

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

    from app.services.reports import chart_svg

    Path(out_file).write_text(chart_svg(year, by), encoding="utf-8")
    click.echo(f"written {out_file}")


@main.command("bench", with_appcontext=False)
@click.option("--quick", is_flag=True, help="small sizes (2,000 cases, 20,000 events...): checks the bench, not the system")
@click.option("--json", "json_file", type=click.Path(dir_okay=False), default=None, help="write the results as JSON")
@click.option("--database-url", envvar="DATABASE_URL", default=None,
              help="a PostgreSQL server to run every row on as well (the bench creates and drops its own databases "
                   "there and never writes into the one named)")
@click.option("--pg", is_flag=True, help="also PostgreSQL at postgresql+psycopg://postgres@127.0.0.1:5432")
@click.option("--keep", is_flag=True, help="keep the temp folder (SQLite files, server logs) and the PostgreSQL databases")
@click.option("--only", default=None, metavar="PARTS",
              help="comma-separated parts: throughput, replay, memory, worklist, timers (default: all)")
@click.option("--memory-cases", default=None, metavar="A,B", help="cases before the two memory readings")
@click.option("--no-sqlite", is_flag=True, help="PostgreSQL only (with --pg or --database-url)")
def bench_command(quick: bool, json_file: str | None, database_url: str | None, pg: bool, keep: bool,
                  only: str | None, memory_cases: str | None, no_sqlite: bool) -> None:
    """Measure the whole system against the bare engine; print PASS/FAIL per target (docs/PERFORMANCE.md)."""
    import dataclasses
    from pathlib import Path

    from app.bench.databases import DEFAULT_PG_ADMIN_URL
    from app.bench.report import write_json
    from app.bench.runner import FULL, PARTS, QUICK, run_bench

    pg_url = DEFAULT_PG_ADMIN_URL if pg else None
    if database_url and database_url.startswith("postgresql"):
        pg_url = database_url
    parts = frozenset(p.strip() for p in only.split(",")) if only else PARTS
    if parts - PARTS:
        raise click.BadParameter(f"unknown parts: {', '.join(sorted(parts - PARTS))}", param_hint="--only")
    sizes = QUICK if quick else FULL
    if memory_cases:
        try:
            small, large = (int(n) for n in memory_cases.split(","))
        except ValueError:
            raise click.BadParameter("two numbers, e.g. 1000,10000", param_hint="--memory-cases") from None
        sizes = dataclasses.replace(sizes, memory=(small, large))
    if no_sqlite and not pg_url:
        raise click.UsageError("--no-sqlite needs --pg or a PostgreSQL --database-url")
    document = run_bench(sizes, quick, pg_url, keep, parts, sqlite=not no_sqlite)
    if json_file:
        write_json(Path(json_file), document)
        click.echo(f"written {json_file}")


@main.group("data")
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
    from app.services.access_log import record_applicant_export
    from app.services.personal_data import export_applicant

    operator = _operator(by_username)
    try:
        content, counts = export_applicant(username)
        record_applicant_export(operator, username, f"ppid data export {username}", _now())
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
    from app.services.personal_data import erase_applicant

    try:
        result = erase_applicant(username, _operator(by_username), _now())
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
    from app.services.file_sweep import sweep_files

    result = sweep_files(_now())
    for line in result.lines():
        click.echo(line)
    click.echo(f"files removed: {len(result.removed)}; renames finished: {len(result.finished)}; "
               f"temporary files of running steps kept: {result.kept_pending}")


@main.command("backup")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="backup file to write")
@with_appcontext
def backup_command(out_file: str) -> None:
    """Back up the database while the service runs (SQLite online backup; PostgreSQL pg_dump)."""
    from app.services.backup import BackupError, backup_database

    try:
        result = backup_database(out_file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup ({result.kind}, {result.size} bytes) written to {result.path}")


@main.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="replace a database that already holds data")
@with_appcontext
def restore_command(backup_file: str, force: bool) -> None:
    """Restore a SQLite backup into the configured database (stop the service first)."""
    from app.services.backup import BackupError, restore_database

    try:
        target = restore_database(backup_file, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {backup_file} into {target}")
