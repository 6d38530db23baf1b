"""Sign-in sessions held on the server (ASVS 3.3): a browser keeps a random token in its signed
session cookie; the database keeps the token's SHA-256 with the account, when it started, when it
was last used and whether (and why) it ended. A copied cookie is worth nothing once its session
ends: on sign-out, a password change (every other session), deactivation or a password reset
(every session), after an idle time (PPID_SESSION_IDLE_MINUTES for staff,
PPID_SESSION_IDLE_MINUTES_APPLICANT for applicants) and after PPID_SESSION_MAX_HOURS whatever happens.

`last_seen_at` is written at most once a minute (TOUCH_EVERY), not on every request."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.persistence.models import User, UserSession, db

from app.services.infrastructure.transaction import use_case

TOUCH_EVERY = timedelta(minutes=1)
#: how long a session's row stays after it began (long past any time limit)
KEEP = timedelta(days=30)

SIGNED_OUT = "keluar"
SIGNED_IN_AGAIN = "masuk_lagi"
PASSWORD_CHANGED = "sandi_diganti"
PASSWORD_RESET = "sandi_diatur_ulang"
DEACTIVATED = "dinonaktifkan"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@use_case
def start(user_id: int, now: datetime, previous_token: str | None = None) -> str:
    """A new session for the account; returns the token for the browser. The browser's previous
    session (signed in again over it) ends, so a token is never reused across sign-ins."""
    if previous_token:
        _end(_digest(previous_token), SIGNED_IN_AGAIN, now)
    # the account's sessions are kept KEEP for the record, then forgotten (no sweep needed)
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user_id,
                                                    UserSession.created_at < now - KEEP))
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=_digest(token), user_id=user_id, created_at=now, last_seen_at=now))
    return token


def live(token: str, user_id: int, now: datetime, idle: timedelta, longest: timedelta) -> UserSession | None:
    """The session of `token` when it belongs to the account, has not ended and is within both time
    limits; else None (read only: an expired session simply stops opening pages)."""
    row = db.session.get(UserSession, _digest(token))
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > longest:
        return None
    return row


@use_case
def touch(session_id: str, now: datetime) -> None:
    """Record use of the session, at most once per TOUCH_EVERY (one UPDATE, no read)."""
    db.session.execute(sa.update(UserSession)
                       .where(UserSession.id == session_id, UserSession.ended_at.is_(None),
                              UserSession.last_seen_at <= now - TOUCH_EVERY)
                       .values(last_seen_at=now))


def _end(session_id: str, reason: str, now: datetime) -> None:
    db.session.execute(sa.update(UserSession)
                       .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
                       .values(ended_at=now, ended_reason=reason))


@use_case
def end(token: str, reason: str, now: datetime) -> None:
    """Sign-out: this browser's session ends for good (a copy of its cookie opens nothing)."""
    _end(_digest(token), reason, now)


def end_all(user: User, reason: str, now: datetime, keep_token: str | None = None) -> None:
    """Inside the caller's transaction: every session of the account ends (but `keep_token`'s, the
    browser that changed its own password), and the session epoch moves so that API tokens and
    sessions not yet recorded here end too."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep_token:
        query = query.where(UserSession.id != _digest(keep_token))
    db.session.execute(query.values(ended_at=now, ended_reason=reason))
    user.session_epoch += 1
