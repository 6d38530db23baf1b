"""The upload folder holds only files a row refers to.

A step writes its uploads under a temporary name and gives them their final name after the commit
(app/persistence/files.py). A process killed in between leaves a temporary file: with no row it is
personal data that erasure (driven by attachment rows) could never reach, so the sweep removes it; with a
committed row it is a file whose rename was lost, so the sweep finishes it. A final file no row refers
to (an erasure that stopped between its commit and its deletes, a file of an older release) is removed
too. `ppid data sweep-files` runs it; the timer worker runs it once a day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.domain.timeutil import wib_date
from app.persistence.files import FINAL_NAME, PENDING_NAME, PendingFile, make_final
from app.persistence.models import Attachment, Setting, db

from app.services.infrastructure.context import setting
from app.services.infrastructure.transaction import use_case

#: a temporary file this much older than the sweep belongs to no running step any more
GRACE = timedelta(hours=1)
LAST_RUN_KEY = "sapu_berkas_terakhir"


@dataclass
class FileSweep:
    """What one sweep did, by storage name."""

    removed: list[str] = field(default_factory=list)  # no row refers to them: deleted
    finished: list[str] = field(default_factory=list)  # a committed row's file, renamed to its final name
    kept_pending: int = 0  # temporary files of steps that may still be running

    def lines(self) -> list[str]:
        return ([f"removed (no row refers to it): {name}" for name in self.removed]
                + [f"finished (renamed after its commit): {name}" for name in self.finished])


def _stored_names() -> set[str]:
    return set(db.session.scalars(sa.select(Attachment.storage_name)))


def sweep_upload_folder(now: datetime, grace: timedelta = GRACE) -> FileSweep:
    """Remove the files no attachment row refers to; finish the renames a crash cut short.

    The folder is listed before the rows are read: a file that has its final name was committed before
    the listing, so its row is seen. A temporary file without a row is removed only once it is `grace`
    older than `now` (its step may still be running). Names that are not an upload's (another program's
    files) are left alone.
    """
    folder = Path(setting("PPID_UPLOAD_DIR"))
    names = sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    stored = _stored_names() if names else set()
    result, cutoff = FileSweep(), (now - grace).timestamp()
    for name in names:
        pending = PENDING_NAME.match(name)
        if pending is not None:
            if pending["final"] in stored:  # its row is committed: the file is final, whatever its age
                if make_final(PendingFile(folder / name, folder / pending["final"])):
                    result.finished.append(pending["final"])
            elif int(pending["stamp"]) > cutoff:
                result.kept_pending += 1
            elif _remove(folder / name):
                result.removed.append(name)
        elif FINAL_NAME.match(name) and name not in stored and _remove(folder / name):
            result.removed.append(name)
    return result


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


@use_case
def sweep_files(now: datetime, grace: timedelta = GRACE) -> FileSweep:
    """`ppid data sweep-files`: one sweep now, whether or not the worker swept today."""
    return sweep_upload_folder(now, grace)


def sweep_due(now: datetime) -> bool:
    """Whether the worker should sweep: not yet today (WIB)."""
    return db.session.scalar(sa.select(Setting.value).filter_by(key=LAST_RUN_KEY)) != wib_date(now).isoformat()


@use_case
def _sweep_once_today(now: datetime) -> FileSweep | None:
    row = db.session.get(Setting, LAST_RUN_KEY, with_for_update=True)  # one worker sweeps (PostgreSQL)
    if row is not None and row.value == wib_date(now).isoformat():
        return None
    row = row or Setting(key=LAST_RUN_KEY)
    row.value = wib_date(now).isoformat()
    db.session.add(row)
    db.session.flush()
    return sweep_upload_folder(now)


def daily_sweep(now: datetime) -> FileSweep | None:
    """The worker's hook: sweep once a WIB day (cheap when already done); None when it did not run."""
    return _sweep_once_today(now) if sweep_due(now) else None
