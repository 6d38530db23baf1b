"""Bearer tokens of the JSON API: issued after a checked sign-in, stored as SHA-256 hashes only.

A token reads ``<session epoch>.<random>``. The epoch is the user's ``session_epoch`` at issue; a
password change moves the epoch, so every token issued before it stops working (the whole token is
hashed, so the epoch part cannot be edited). A deactivated account's tokens stop working at once.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.domain.errors import Forbidden
from app.persistence.models import ApiToken, User, db, user_opd

from app.services.people.accounts import actor_for, sign_in
from app.services.infrastructure.context import Actor
from app.services.infrastructure.transaction import use_case

TOKEN_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    actor: Actor


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@use_case
def issue_token(username: str, password: str, address: str, now: datetime) -> IssuedToken:
    """Check the password (rate-limited like the sign-in page) and issue a token valid for 12 hours.

    Raises accounts.SignInRefused (401) or accounts.TooManyAttempts (429).
    """
    user = sign_in(username, password, address, now)
    if user.must_change_password:
        raise Forbidden("Kata sandi akun ini diberikan oleh administrator. Buat kata sandi Anda sendiri di "
                        "halaman /kata-sandi sebelum memakai API.")
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at <= now))
    token = f"{user.session_epoch}.{secrets.token_urlsafe(32)}"
    expires_at = now + TOKEN_LIFETIME
    db.session.add(ApiToken(token_hash=token_hash(token), user_id=user.id, created_at=now, expires_at=expires_at))
    return IssuedToken(token, expires_at, actor_for(user))


@functools.cache
def _token_statement() -> sa.Select:
    """The token's expiry and its account as an actor needs it (OPD codes aggregated), in one statement built
    once: every API request runs it."""
    opd_codes = sa.select(sa.func.aggregate_strings(user_opd.c.opd_code, " ")) \
        .where(user_opd.c.user_id == User.id).scalar_subquery()
    return (sa.select(ApiToken.expires_at, User.id, User.username, User.full_name, User.roles, User.active,
                      User.session_epoch, opd_codes)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == sa.bindparam("token_hash")))


def actor_for_token(token: str, now: datetime) -> Actor | None:
    """The actor a presented token stands for; None when unknown, expired, revoked or no longer valid."""
    epoch, dot, rest = token.partition(".")
    if not dot or not epoch.isdigit() or not rest or len(token) > 200:
        return None
    found = db.session.execute(_token_statement(), {"token_hash": token_hash(token)}).first()
    if found is None:
        return None
    expires_at, user_id, username, full_name, role_text, active, session_epoch, opd_codes = found
    if expires_at <= now or not active or session_epoch != int(epoch):
        return None
    return Actor(user_id=user_id, username=username, full_name=full_name, roles=frozenset((role_text or "").split()),
                 opd_codes=frozenset((opd_codes or "").split()))


@use_case
def revoke_token(token: str) -> bool:
    """Delete the token; whether it existed."""
    result = db.session.execute(sa.delete(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    return result.rowcount > 0
