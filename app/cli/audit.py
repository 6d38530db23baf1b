"""`ppid audit`: verify and replay history, read the personal data access log."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup, with_appcontext


@click.group("audit", cls=AppGroup)
def audit_group() -> None:
    """Audit: verify history, read the personal data access log."""


@audit_group.command("verify")
@click.argument("case", required=False)
@with_appcontext
def audit_verify_command(case: str | None) -> None:
    """Verify the hash chain and stored state of one case (registration number) or of all."""
    from app.services.records.audit import verify_all

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
    from app.services.records.access_log import AccessFilters, find_accesses

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


@audit_group.command("replay")
@click.argument("case", required=False)
@click.option("--all", "all_cases", is_flag=True, help="replay every case")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="worker processes for --all (default: the number of CPUs)")
@with_appcontext
def audit_replay_command(case: str | None, all_cases: bool, jobs: int | None) -> None:
    """Re-execute a case (or all) from its history and compare every step; exit 1 on any mismatch."""
    import os
    import sys

    from flask import current_app

    from app import same_app
    from app.services.records.replay import case_ids, replay_case
    from app.services.records.replay_pool import replay_cases

    if bool(case) == all_cases:
        raise click.UsageError("name one case (registration number) or give --all")
    started = time.perf_counter()
    seen = {"cases": 0, "events": 0}

    def count(report) -> None:
        seen["cases"] += 1
        seen["events"] += report.steps_checked

    if case:
        reports = [replay_case(case)]
        count(reports[0])
    else:
        ids = case_ids()
        with click.progressbar(length=len(ids), label="replay", file=sys.stderr) as bar:
            def progress(report) -> None:
                count(report)
                bar.update(1)

            # only the reports with something to say stay in memory (a million clean cases need not)
            reports = replay_cases(ids, jobs or os.cpu_count() or 1, same_app(current_app), progress=progress,
                                   keep=lambda report: bool(report.mismatches or report.note))
    failed = [r for r in reports if r.mismatches]
    for report in failed:
        for mismatch in report.mismatches:
            click.echo(f"MISMATCH {report.registration_number} {mismatch}")
    for report in reports:
        if report.note:
            click.echo(f"NOTE {report.registration_number}: {report.note}")
    click.echo(f"{'FAIL' if failed else 'OK'}: {seen['cases']} case(s) replayed, {seen['events']} event(s) checked, "
               f"{len(failed)} with mismatches ({time.perf_counter() - started:.1f} s)")
    if failed:
        raise SystemExit(1)


@audit_group.command("hash")
@click.argument("case")
@with_appcontext
def audit_hash_command(case: str) -> None:
    """Print the hash of a case's last audit event: it seals the whole history."""
    from app.services.records.audit import final_hash
    from app.services.casework.cases import find_instance

    click.echo(final_hash(find_instance(case).id) or "(no events)")
