"""Nothing typed is lost when a session ends: the fields of a form that arrived without a valid
session are kept for a short time and given back once, to the browser that sent them, when it
opens the same form again (after signing in). Files and passwords are never kept."""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.persistence.models import FormStash, db

from app.services.infrastructure.transaction import use_case

KEEP = timedelta(hours=2)
#: fields never kept: secrets and one-time tokens
SECRET_PARTS = ("password", "sandi", "csrf_token")
MAX_PAIRS, MAX_TEXT = 200, 100_000


def keepable(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in pairs if not any(part in k.lower() for part in SECRET_PARTS)]
    return kept[:MAX_PAIRS]


@use_case
def keep(path: str, pairs: list[tuple[str, str]], now: datetime) -> str | None:
    """Store the fields; returns the key to give back to that browser (None: nothing to keep)."""
    kept = keepable(pairs)
    text = json.dumps(kept, ensure_ascii=False)
    db.session.execute(sa.delete(FormStash).where(FormStash.created_at < now - KEEP))
    if not kept or len(text) > MAX_TEXT:
        return None
    key = secrets.token_urlsafe(32)
    db.session.add(FormStash(key=key, path=path[:500], pairs=text, created_at=now))
    return key


@use_case
def take(key: str, path: str, now: datetime) -> list[tuple[str, str]] | None:
    """The fields kept under this key for this form, once; None when gone, expired or for another form."""
    row = db.session.get(FormStash, key)
    if row is None or row.path != path:
        return None
    db.session.delete(row)
    if row.created_at < now - KEEP:
        return None
    return [(k, v) for k, v in json.loads(row.pairs)]
