"""No account is stranded: a forgotten password is reset by a link sent by mail, a lost confirmation
mail is sent again. Every answer is the same whether or not an account has the address, and both
are rate limited per address and per client.

The reset link is single use without a table of its own: it is signed (itsdangerous, by the web
layer) over the account id and a fingerprint of the account's current password hash, so once the
password is changed (by this link or otherwise) every earlier link stops working.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.domain.errors import ValidationFailed
from app.domain.passwords import password_problems
from app.persistence.models import LoginAttempt, User, db

from app.services.infrastructure.notifications import queue_direct
from app.services.infrastructure.transaction import use_case
from app.services.people import sessions

RESET_MINUTES = 60
WINDOW = timedelta(minutes=15)
PER_ADDRESS = 3   # mails asked for one e-mail address per window
PER_CLIENT = 10   # asks from one client address per window

NEUTRAL_RESET = ("Jika alamat itu terdaftar, kami telah mengirim tautan untuk mengatur ulang kata sandi ke alamat "
                 f"tersebut. Tautan berlaku {RESET_MINUTES} menit dan hanya dapat dipakai sekali.")
NEUTRAL_CONFIRM = ("Jika alamat itu terdaftar dan belum dikonfirmasi, kami telah mengirim ulang tautan konfirmasi "
                   "ke alamat tersebut.")
LINK_INVALID = ("Tautan untuk mengatur ulang kata sandi tidak berlaku lagi (sudah dipakai, kedaluwarsa atau tidak "
                "valid). Minta tautan baru.")


def normalize_email(address: str) -> str:
    return (address or "").strip().lower()


def account_with_email(address: str, except_user_id: int | None = None) -> User | None:
    """The account holding this e-mail address (case does not matter)."""
    query = sa.select(User).where(sa.func.lower(User.email) == normalize_email(address))
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return db.session.scalar(query.limit(1))


def password_fingerprint(user: User) -> str:
    """Changes whenever the password changes: binds a reset link to the password it replaces."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _allowed(kind: str, address: str, client: str, now: datetime) -> bool:
    """Record the ask; False when this address or this client asked too often lately."""
    keys = (f"{kind}:email:{normalize_email(address)}"[:200], f"{kind}:addr:{client}"[:200])
    since = now - WINDOW
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key == key, LoginAttempt.at > since)) for key in keys]
    for key in keys:
        db.session.add(LoginAttempt(key=key, at=now, success=False))
    return counts[0] < PER_ADDRESS and counts[1] < PER_CLIENT


@use_case
def request_password_reset(address: str, client: str, now: datetime,
                           make_token: Callable[[int, str], str]) -> str:
    """Queue a reset link for the active account with this address; the answer never tells."""
    if _allowed("reset", address, client, now):
        user = account_with_email(address)
        if user is not None and user.active:
            queue_direct(user.email, "atur_ulang_sandi", now, full_name=user.full_name,
                         token=make_token(user.id, password_fingerprint(user)), minutes=RESET_MINUTES)
    return NEUTRAL_RESET


@use_case
def resend_confirmation(address: str, client: str, now: datetime, make_token: Callable[[int], str]) -> str:
    """Queue a new confirmation link for an unconfirmed account with this address; the answer never tells."""
    if _allowed("confirm", address, client, now):
        user = account_with_email(address)
        if user is not None and user.active and user.email_confirmed_at is None:
            queue_direct(user.email, "konfirmasi_email", now, full_name=user.full_name, token=make_token(user.id))
    return NEUTRAL_CONFIRM


def user_for_reset(user_id: int, fingerprint: str) -> User | None:
    """The account a reset link is for, if the link still holds (the password not changed since)."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or password_fingerprint(user) != fingerprint:
        return None
    return user


@use_case
def reset_password_with_link(user_id: int, fingerprint: str, new: str, repeat: str, now: datetime) -> User:
    """Set a new password from a reset link: the link is spent (the fingerprint changes), every
    session of the account ends, and the address is confirmed (the mail reached its owner)."""
    user = user_for_reset(user_id, fingerprint)
    if user is None:
        raise ValidationFailed({"link": [LINK_INVALID]})
    problems = {}
    weak = password_problems(new, (user.username, user.full_name, user.email))
    if weak:
        problems["new_password"] = weak
    elif new != repeat:
        problems["repeat_password"] = ["Kedua kata sandi tidak sama."]
    if problems:
        raise ValidationFailed(problems)
    user.password_hash = generate_password_hash(new)
    user.must_change_password = False  # chosen by the owner of the mailbox
    sessions.end_all(user, sessions.PASSWORD_RESET, now)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    return user
