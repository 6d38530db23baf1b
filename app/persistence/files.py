"""Files that belong to a database transaction (uploads): written under a temporary name inside the
transaction, made final only after its commit, removed when it rolls back.

A process that dies between the write and the commit (or between the commit and the rename) leaves a
temporary file behind; app/services/casework/file_sweep.py removes it (no row refers to it) or finishes it (the
committed row refers to its final name).
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

PENDING_SUFFIX = ".part"
#: a stored upload (secrets.token_hex(16) + ".bin") and its temporary form "<name>.<unix time>.part"
FINAL_NAME = re.compile(r"^[0-9a-f]{32}\.bin$")
PENDING_NAME = re.compile(r"^(?P<final>[0-9a-f]{32}\.bin)\.(?P<stamp>[0-9]{1,12})\.part$")
_KEY = "ppid_pending_files"
_log = logging.getLogger(__name__)
_listening = False


@dataclass(frozen=True)
class PendingFile:
    temporary: Path
    final: Path


def pending_name(storage_name: str, now: datetime) -> str:
    """The temporary name: the final one, the time of the step that wrote it (the sweep's grace counts from it)."""
    return f"{storage_name}.{int(now.timestamp())}{PENDING_SUFFIX}"


def write_pending(session: Session, folder: Path, storage_name: str, data: bytes, now: datetime) -> PendingFile:
    """Write `data` under a temporary name, on disk before the commit; it takes `storage_name` after the commit."""
    folder.mkdir(parents=True, exist_ok=True)
    pending = PendingFile(folder / pending_name(storage_name, now), folder / storage_name)
    session.info.setdefault(_KEY, []).append(pending)  # known before the write: a failed write is removed too
    with open(pending.temporary, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())  # the row that refers to it may commit next: the bytes are on disk first
    return pending


def make_final(pending: PendingFile) -> bool:
    """Rename a temporary file to its final name; False when it is gone (another process finished it)."""
    try:
        os.replace(pending.temporary, pending.final)
    except FileNotFoundError:
        return False
    return True


def _after_commit(session: Session) -> None:
    for pending in session.info.pop(_KEY, []):
        try:
            make_final(pending)
        except OSError:  # the row is committed: the sweep finishes the rename
            _log.exception("upload %s could not take its final name", pending.final.name)


def _after_transaction_end(session: Session, transaction) -> None:
    """A transaction that ended without a commit (rolled back, or closed) leaves none of its files."""
    if transaction.parent is not None:
        return  # a savepoint: its outer transaction decides
    for pending in session.info.pop(_KEY, []):
        try:
            pending.temporary.unlink(missing_ok=True)
        except OSError:  # the sweep removes it
            _log.exception("upload %s could not be removed after a rollback", pending.temporary.name)


def listen() -> None:
    """Tie pending files to every session's transactions (once per process)."""
    global _listening
    if _listening:
        return
    _listening = True
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
