"""Persistence: SQLAlchemy models and queries (flush, never commit)."""
from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_configured = False


def configure_engine_events() -> None:
    """SQLite: WAL, a busy timeout, foreign keys, and writers that take the lock up front; what lives
    as long as one transaction (pending upload files, the transaction memo)."""
    global _configured
    if _configured:
        return
    _configured = True
    from . import files, memo

    files.listen()  # uploads written in a transaction become final after its commit
    memo.listen()  # facts remembered within one transaction are forgotten when it ends

    @event.listens_for(Engine, "connect")
    def _on_connect(dbapi_connection, _record):
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    @event.listens_for(Engine, "begin")
    def _on_begin(connection):
        if connection.dialect.name == "sqlite":
            read_only = connection.get_execution_options().get(_READ_ONLY_OPTION)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


_READ_ONLY_OPTION = "ppid_read_only"


def read_only_transaction(session) -> None:
    """Open the session's next transaction as one that only reads (the replay): SQLite begins it deferred, so it
    neither takes nor waits for the writers' lock (in WAL mode a reader sees a snapshot while others write), and
    several processes read side by side. Does nothing when the session is in a transaction already."""
    if not session.in_transaction():
        session.connection(execution_options={_READ_ONLY_OPTION: True})
