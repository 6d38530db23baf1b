"""`ppid backup` and `ppid restore`: a backup of a database with cases, taken while it is in use,
restores into a new file whose every case still verifies (hash chain, stored state) and replays.
On PostgreSQL the backup is pg_dump's; it is restored with pg_restore into a new database."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from app.cli import main as ppid
from app.persistence.models import AuditEvent, ProcessInstance, db
from app.services.records.audit import verify_all
from app.services.infrastructure.backup import libpq_url
from app.services.records.replay import replay_all
from tests.conftest import USE_POSTGRES, build_app, create_pg_database, drop_pg_database
from tests.support import Driver

PATHS = {"granted": ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD", "Activity_JawabPermohonan",
                     "Activity_TerbitkanPemberitahuan", "Activity_SerahkanInformasi"),
         "forwarded": ("Activity_PeriksaKelengkapan", "Activity_TeruskanKeOPD"),
         "new": ()}


def invoke(*args):
    db.session.remove()
    result = CliRunner().invoke(ppid, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _cases() -> dict[str, int]:
    numbers = {}
    for name, steps in PATHS.items():
        for _ in range(2):
            reg = Driver(None).start()
            Driver(None).walk(reg, *steps)
            numbers[reg] = len(steps)
    db.session.remove()
    return numbers


def _check_restored(app, numbers: dict[str, int], events: int) -> None:
    with app.app_context():
        found = set(db.session.scalars(db.select(ProcessInstance.registration_number)))
        assert found == set(numbers)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
        count, problems = verify_all()
        assert count == len(numbers) and not problems, problems
        reports = replay_all()
        assert len(reports) == len(numbers) and all(r.ok for r in reports), [str(m) for r in reports for m in r.mismatches]
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(USE_POSTGRES, reason="SQLite backup; the PostgreSQL run tests pg_dump")
def test_sqlite_backup_while_in_use_and_restore_into_a_new_file(app, tmp_path):
    numbers = _cases()
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    db.session.remove()  # our own transaction would hold SQLite's write lock (BEGIN IMMEDIATE)
    source = Path(db.engine.url.database)
    # another process holds an open write transaction meanwhile: the online backup copies committed data
    writer = sqlite3.connect(source, timeout=30)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE setting SET value = value")
    backup = tmp_path / "backups" / "ppid-backup.sqlite3"
    try:
        code, output = invoke("backup", "--out", str(backup))
    finally:
        writer.rollback()
        writer.close()
    assert code == 0 and "backup (sqlite" in output, output
    assert not Path(str(backup) + "-wal").exists() and not backup.with_name(backup.name + ".partial").exists()

    restored = tmp_path / "restored" / "ppid.sqlite3"
    target = build_app(tmp_path / "restored-instance", f"sqlite:///{restored}")
    with target.app_context():
        code, output = invoke("restore", str(backup))
        assert code == 0 and str(restored) in output, output
        code, output = invoke("restore", str(backup))
        assert code != 0 and "--force" in output  # never over a database that holds data by accident
        assert invoke("restore", "--force", str(backup))[0] == 0
        db.engine.dispose()
    _check_restored(target, numbers, events)
    with app.app_context():  # what a restore cannot use is refused before anything is written
        junk = tmp_path / "junk.sqlite3"
        junk.write_bytes(b"not a database" * 100)
        target2 = build_app(tmp_path / "i3", f"sqlite:///{tmp_path / 'new.sqlite3'}")
        with target2.app_context():
            code, output = invoke("restore", str(junk))
            assert code != 0 and "not a SQLite database" in output
            assert not (tmp_path / "new.sqlite3").exists() or (tmp_path / "new.sqlite3").stat().st_size == 0
            db.engine.dispose()


@pytest.mark.skipif(not USE_POSTGRES, reason="pg_dump backs up PostgreSQL only (the PostgreSQL run)")
def test_postgres_backup_with_pg_dump_restores_with_pg_restore(app, tmp_path):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore not installed")
    numbers = _cases()
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    backup = tmp_path / "ppid.dump"
    code, output = invoke("backup", "--out", str(backup))
    assert code == 0 and "pg_dump" in output, output
    assert backup.read_bytes()[:5] == b"PGDMP"
    url = create_pg_database()
    try:
        done = subprocess.run(["pg_restore", "--no-owner", "--dbname", libpq_url(sa.engine.make_url(url)), str(backup)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        _check_restored(build_app(tmp_path / "restored", url), numbers, events)
    finally:
        drop_pg_database(url)
