"""Shared fixtures: an app on a fresh database (SQLite by default, PostgreSQL when asked)."""
from __future__ import annotations

import os
import re
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine

from app import create_app
from app.persistence.models import db

from tests.support import Driver, wib

PG_ADMIN_URL = os.environ.get("PPID_TEST_POSTGRES_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
USE_POSTGRES = os.environ.get("PPID_TEST_DB") == "postgres"
PASSWORD = "rahasia-uji-123"


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def create_pg_database(template: str | None = None) -> str:
    """Create a throwaway database (a copy of `template`, a database URL, when given); return its URL."""
    name = f"ppid_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
    engine.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def build_app(instance: Path, database_url: str | None, **extra):
    config = {"DATABASE_URL": database_url, "SECRET_KEY": "test", "TESTING": True,
              "WTF_CSRF_ENABLED": False,
              # tests start many cases for one applicant at one frozen moment: the per-account limits
              # (app/services/casework/quotas.py) are switched off unless a test sets them (tests/services/test_quotas.py)
              "PPID_REQUESTS_PER_HOUR": 0, "PPID_REQUESTS_PER_DAY": 0, "PPID_STORAGE_PER_ACCOUNT_MB": 0, **extra}
    application = create_app(config, instance_path=str(instance))

    def _fresh_login_per_request():
        # Tests keep one app context open, so `g` (where Flask-Login caches the signed-in user)
        # would outlive a request and leak one client's user into another client's request.
        from flask import g

        g.pop("_login_user", None)

    # first, before the app's own hooks read the user: a request loads it once, as on a server
    application.before_request_funcs.setdefault(None, []).insert(0, _fresh_login_per_request)
    return application


def migrate(app) -> None:
    from app.services.people.accounts import load_demo_data
    from app.services.infrastructure.installation import init_database

    with app.app_context():
        init_database(datetime.now(timezone.utc))
        load_demo_data(PASSWORD, datetime.now(timezone.utc))
        db.session.remove()
        db.engine.dispose()  # closing the last connection checkpoints SQLite's WAL into the file


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    """Migrate once, then each test gets its own copy: SQLite copies the file, PostgreSQL creates a
    database from this one as its template (so no test sees what another left behind)."""
    base = tmp_path_factory.mktemp("template")
    if USE_POSTGRES:
        if not postgres_available():
            pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
        url = create_pg_database()
        migrate(build_app(base / "instance", url))
        yield url
        drop_pg_database(url)
        return
    path = base / "template.sqlite3"
    migrate(build_app(base / "instance", f"sqlite:///{path}"))
    yield path


def _fresh_app(template, tmp_path, **extra):
    """An app on this test's own copy of the template database, inside an app context."""
    url = None
    if USE_POSTGRES:
        url = create_pg_database(template=template)
        application = build_app(tmp_path / "instance", url, **extra)
    else:
        target = tmp_path / "ppid.sqlite3"
        shutil.copy(template, target)
        application = build_app(tmp_path / "instance", f"sqlite:///{target}", **extra)
    with application.app_context():
        yield application
        db.session.remove()
    with application.app_context():
        db.engine.dispose()
    if url:
        drop_pg_database(url)


@pytest.fixture
def app(_template_db, tmp_path):
    yield from _fresh_app(_template_db, tmp_path)


@pytest.fixture
def csrf_app(_template_db, tmp_path):
    """Like `app`, with the CSRF checks on (the other fixtures turn them off)."""
    yield from _fresh_app(_template_db, tmp_path, WTF_CSRF_ENABLED=True)


def csrf_token(client) -> str:
    """The CSRF token of the client's session, read off the sign-in page."""
    page = client.get("/masuk").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def owner(app, tmp_path):
    """The deployed folders (processes/, forms/) copied, so a process import may write into them.

    Without the scenario tests of processes/tests/: the tests that use this folder edit the models on
    purpose (a new step, another target) and are about importing and moving cases, not about the
    scenarios' gate, which tests/cli/test_process_scenarios.py shows with the scenarios copied in."""
    root = Path(__file__).resolve().parents[1]
    folders = SimpleNamespace(processes=tmp_path / "processes", forms=tmp_path / "forms")
    shutil.copytree(root / "processes", folders.processes, ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(root / "forms", folders.forms)
    app.config.update(PPID_PROCESSES_DIR=str(folders.processes), PPID_FORMS_DIR=str(folders.forms))
    return folders


@pytest.fixture
def folders(owner):
    """The copied processes/ and forms/ folders of `owner`, as (processes, forms)."""
    return owner.processes, owner.forms


@pytest.fixture
def drive(app, request):
    """A Driver (tests/support.py) with the clock frozen at the test module's `START`, or at Monday
    2 March 2026, 09:00 WIB when the module names none; a module that needs more defines its own."""
    with time_machine.travel(getattr(request.module, "START", wib(2026, 3, 2)), tick=False) as traveller:
        yield Driver(traveller)


@pytest.fixture
def client(app):
    return app.test_client()
