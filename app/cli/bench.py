"""`ppid bench`: the benchmark."""
from __future__ import annotations

import click


@click.command("bench")
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
