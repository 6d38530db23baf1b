"""Registration numbers: one counter per kind and year, safe under concurrent use."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.domain.timeutil import to_wib
from app.persistence.models import NumberSequence, db


def allocate_number(kind: str, now: datetime) -> str:
    """Next number of `kind` in the WIB year of `now`, e.g. PPID-2026-00042 (flush only)."""
    year = to_wib(now).year
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(NumberSequence).values(kind=kind, year=year, last=0).on_conflict_do_nothing())
    last = db.session.execute(
        sa.update(NumberSequence).where(NumberSequence.kind == kind, NumberSequence.year == year)
        .values(last=NumberSequence.last + 1).returning(NumberSequence.last)).scalar_one()
    return f"{kind}-{year}-{last:05d}"
