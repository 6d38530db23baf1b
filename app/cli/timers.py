"""`ppid timers`: the timer worker."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup, with_appcontext

from .context import now


@click.group("timers", cls=AppGroup)
def timers_group() -> None:
    """The timer worker."""


@timers_group.command("run")
@click.option("--once", is_flag=True, help="one sweep, then exit")
@click.option("--interval", default=None, type=float, help="seconds between sweeps")
@with_appcontext
def timers_run_command(once: bool, interval: float | None) -> None:
    """Fire due timers (and deliver mail), repeatedly; safe to run on several machines."""
    from flask import current_app

    from app.services.infrastructure.worker import sweep

    interval = interval or float(current_app.config["PPID_TIMER_INTERVAL"])
    while True:
        result, sent = sweep(now())
        if result.timers or sent or once or result.incidents:
            click.echo(f"timers fired: {result.timers} in {result.cases} cases; conflicts: {result.conflicts}; mail sent: {sent}")
        if result.incidents:
            click.echo(f"  {result.incidents} case(s) whose timer failed: see `ppid incident list`")
        for line in result.fired:
            click.echo(f"  {line}")
        if once:
            return
        time.sleep(interval)
