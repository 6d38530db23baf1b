"""Setting up a database: its schema, the regency's OPDs and the processes of processes/ (start-up, `ppid init-db`)."""
from __future__ import annotations

from datetime import datetime

from app.persistence.models import ProcessVersion

from app.services.people.accounts import ensure_opds
from app.services.infrastructure.context import SYSTEM
from app.services.modelling.processes import deploy_processes_folder
from app.services.infrastructure.transaction import use_case


def init_database(now: datetime) -> list[ProcessVersion]:
    """Migrate the schema to the newest revision, add the regency's OPDs, then deploy the BPMN files of
    processes/ whose content is new; returns the versions stored. Safe to run on every start."""
    from flask_migrate import upgrade  # Alembic runs its own transactions

    upgrade()
    _add_opds()
    return deploy_processes_folder(SYSTEM, now)


@use_case
def _add_opds() -> None:
    ensure_opds()
