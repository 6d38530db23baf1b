"""The `ppid` command: everything an operator does, one module per command group."""
from __future__ import annotations

import click
from flask.cli import FlaskGroup

from app import create_app

from .audit import audit_group
from .backup import backup_command, restore_command
from .bench import bench_command
from .calendar import calendar_group
from .cases import cases_group
from .data import data_group
from .export import export_group
from .incident import incident_group
from .installation import demo_data_command, init_db_command, print_first_admin
from .lapor import lapor_group
from .mail import mail_group
from .process import process_group
from .report import report_group
from .role import role_group
from .timers import timers_group

__all__ = ["main", "print_first_admin"]


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=True)
def main() -> None:
    """PPID Kabupaten Pasuruan: operator commands."""


for command in (init_db_command, demo_data_command, timers_group, cases_group, audit_group, process_group,
                incident_group, role_group, calendar_group, mail_group, lapor_group, export_group, report_group,
                bench_command, data_group, backup_command, restore_command):
    main.add_command(command)
