"""Throwaway databases (a SQLite file in a temp folder, or a new PostgreSQL database) and apps on them.

The bench never writes into a database it was pointed at: for PostgreSQL it connects to the given
URL only to CREATE (and at the end DROP) databases of its own on the same server.
"""
from __future__ import annotations

import secrets
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from .workload import bpmn_path, forms_dir

DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Backend:
    """One database server kind of the run: makes and removes the databases of the rows."""

    name: str  # "sqlite" or "postgresql"
    workdir: Path
    admin_url: str | None = None
    created: list[str] = field(default_factory=list)

    def new_database(self, label: str) -> str:
        if self.name == "sqlite":
            return f"sqlite:///{self.workdir / (label + '.sqlite3')}"
        db_name = f"ppid_bench_{label}_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{db_name}"')
        finally:
            engine.dispose()
        url = make_url(self.admin_url).set(database=db_name).render_as_string(hide_password=False)
        self.created.append(url)
        return url

    def clone(self, template_url: str, label: str) -> str:
        """A new database holding what the template holds (a file copy; PostgreSQL: CREATE ... TEMPLATE)."""
        if self.name == "sqlite":
            url = self.new_database(label)
            shutil.copy(make_url(template_url).database, make_url(url).database)
            return url
        db_name = f"ppid_bench_{label}_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{db_name}" TEMPLATE "{make_url(template_url).database}"')
        finally:
            engine.dispose()
        url = make_url(self.admin_url).set(database=db_name).render_as_string(hide_password=False)
        self.created.append(url)
        return url

    def drop_all(self) -> None:
        if self.name != "postgresql":
            return
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for url in self.created:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
        finally:
            engine.dispose()
        self.created.clear()


def check_postgres(admin_url: str) -> None:
    """Fail early (with the server's message) when the PostgreSQL server cannot be reached."""
    engine = sa.create_engine(admin_url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()


@dataclass
class Workspace:
    """The temp folder of a run: processes/ with our BPMN alone, instance folders, SQLite files."""

    root: Path
    password: str

    @classmethod
    def create(cls) -> "Workspace":
        root = Path(tempfile.mkdtemp(prefix="ppid-bench-"))
        (root / "processes").mkdir()
        shutil.copy(bpmn_path(), root / "processes" / bpmn_path().name)
        return cls(root, "bench-" + secrets.token_hex(8))

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def config(self, database_url: str, label: str) -> dict:
        """Settings of an app of this run (also given to the server subprocess as environment)."""
        instance = self.root / f"instance-{label}"
        return {
            "DATABASE_URL": database_url, "SECRET_KEY": "bench-" + label,
            "PPID_PROCESSES_DIR": str(self.root / "processes"), "PPID_FORMS_DIR": str(forms_dir()),
            "PPID_UPLOAD_DIR": str(instance / "uploads"), "PPID_MAIL_DIR": str(instance / "mail"),
            # the bench files thousands of requests from a few applicant accounts: no per-account limits
            "PPID_REQUESTS_PER_HOUR": "0", "PPID_REQUESTS_PER_DAY": "0", "PPID_STORAGE_PER_ACCOUNT_MB": "0",
        }

    def instance_path(self, label: str) -> Path:
        return self.root / f"instance-{label}"


def make_app(workspace: Workspace, database_url: str, label: str, **extra):
    from app import create_app

    return create_app({**workspace.config(database_url, label), **extra},
                      instance_path=str(workspace.instance_path(label)))


def prepare_database(app, password: str) -> None:
    """Schema (migrations), the process, the regency's OPDs and the demo accounts."""
    import logging

    from app.persistence.models import db
    from app.services.people.accounts import load_demo_data
    from app.services.infrastructure.installation import init_database

    logging.disable(logging.INFO)  # the migrations' INFO lines would bury the table
    try:
        with app.app_context():
            now = datetime.now(timezone.utc)
            init_database(now)
            load_demo_data(password, now)
            db.session.remove()
    finally:
        logging.disable(logging.NOTSET)


def dispose(app) -> None:
    from app.persistence.models import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
