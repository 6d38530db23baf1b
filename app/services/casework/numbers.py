"""Registration numbers: one counter per kind and year, safe under concurrent use."""
from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa

from app.domain.timeutil import to_wib
from app.persistence.models import NumberSequence, db


@functools.cache
def _next_statement(dialect: str) -> sa.Executable:
    """One statement per number, built once per dialect: insert the year's counter at 1, or add 1 to it, and
    return it (an upsert: both backends lock the counter row until the step commits)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(NumberSequence).values(kind=sa.bindparam("kind"), year=sa.bindparam("year"), last=1)
    return statement.on_conflict_do_update(index_elements=[NumberSequence.kind, NumberSequence.year],
                                           set_={"last": NumberSequence.last + 1}).returning(NumberSequence.last)


def allocate_number(kind: str, now: datetime) -> str:
    """Next number of `kind` in the WIB year of `now`, e.g. PPID-2026-00042 (flush only)."""
    year = to_wib(now).year
    statement = _next_statement(db.session.get_bind().dialect.name)
    last = db.session.connection().execute(statement, {"kind": kind, "year": year}).scalar_one()
    return f"{kind}-{year}-{last:05d}"
