"""Backups of the database while the service runs, and restoring one.

SQLite: `sqlite3.Connection.backup` (the online backup API) copies a consistent snapshot page by
page while web and timer workers go on writing; the copy is checked with ``PRAGMA
integrity_check`` before it is reported done. Restore copies a backup file into the configured
database file the same way (refusing to overwrite a database that has data unless forced).

PostgreSQL: ``pg_dump --format=custom`` (restore it with ``pg_restore``; `restore_database` does
not do PostgreSQL: a restore there is an operator's decision about roles and the target server).

Uploads (KTP scans, letters) are files in PPID_UPLOAD_DIR, not in the database: copy that folder
beside the database backup (docs/RELIABILITY.md).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from app.persistence.models import db


class BackupError(RuntimeError):
    """The backup or restore could not be made; the message says why (for the operator)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str  # "sqlite" or "pg_dump"
    size: int


def _url() -> sa.engine.URL:
    return db.engine.url


def sqlite_path(url: sa.engine.URL | None = None) -> Path:
    url = url or _url()
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(f"not a SQLite file database: {url.render_as_string(hide_password=True)}")
    return Path(url.database)


def _check(path: Path) -> None:
    con = sqlite3.connect(path)
    try:
        result = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    if result != "ok":
        raise BackupError(f"integrity check of {path} failed: {result}")


def _copy_sqlite(source: Path, target: Path) -> None:
    """Online backup from one SQLite file into another (the target is replaced)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst, pages=1024)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def backup_database(out: str | os.PathLike) -> BackupResult:
    """Write a backup of the configured database to `out` (a file; an existing one is replaced)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    url = _url()
    backend = url.get_backend_name()
    if backend == "sqlite":
        db.session.remove()  # do not hold a write lock of our own while the copy runs
        partial = out.with_name(out.name + ".partial")
        partial.unlink(missing_ok=True)
        _copy_sqlite(sqlite_path(url), partial)
        _check(partial)
        partial.replace(out)
        return BackupResult(out, "sqlite", out.stat().st_size)
    if backend == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
        command = ["pg_dump", "--format=custom", "--no-owner", "--file", str(out), "--dbname", libpq_url(url)]
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
        return BackupResult(out, "pg_dump", out.stat().st_size)
    raise BackupError(f"no backup for database kind {backend!r}")


def libpq_url(url: sa.engine.URL) -> str:
    """The SQLAlchemy URL as libpq understands it (no driver name, no password: PGPASSWORD carries it)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _has_data(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    con = sqlite3.connect(path)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "process_instance" not in tables and "app_user" not in tables:
            return False
        return any(con.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()
                   for t in ("process_instance", "app_user") if t in tables)
    finally:
        con.close()


def restore_database(backup: str | os.PathLike, force: bool = False) -> Path:
    """Copy a SQLite backup into the configured database file; returns that file.

    Stop the web and timer workers first. Refuses when the target already holds data, unless
    `force`. The backup is checked before anything is written.
    """
    backup = Path(backup)
    if not backup.is_file():
        raise BackupError(f"no such backup file: {backup}")
    target = sqlite_path()
    try:
        _check(backup)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{backup} is not a SQLite database: {exc}") from None
    db.session.remove()
    db.engine.dispose()
    if _has_data(target) and not force:
        raise BackupError(f"{target} already holds data; stop the service and use --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    _copy_sqlite(backup, target)
    _check(target)
    return target
