"""Sign-in throttling that slows an attacker, not the owner (OWASP: no hard lock-out).

Every checked attempt is a `LoginAttempt` row under two keys: the username (whether or not such an
account exists, so the answers never tell) and the client address (the real one: behind a TLS
proxy set PPID_TRUSTED_PROXIES). Failures since the key's last success, within a day, are counted;
the first ones are free, after that each further attempt must wait a delay that doubles with every
failure (1 s, 2 s, 4 s ... at most 15 minutes) counted from the last failure. An attempt made
while it must wait is not checked and not counted: the answer says how long to wait.

The owner is not locked out by someone guessing at their account: a browser that has signed in to
the account before carries a signed device cookie (set by the web layer), and an attempt from it
for that account skips both delays. An owner on a new device waits at most the current delay.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.persistence.models import LoginAttempt, db

FREE_PER_ACCOUNT = 5     # failed attempts on one username before delays begin
FREE_PER_ADDRESS = 20    # failed attempts from one client address before delays begin
FIRST_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=15)
COUNT_WINDOW = timedelta(hours=24)


def account_key(username: str) -> str:
    return f"user:{username.strip().lower()}"[:200]


def address_key(address: str) -> str:
    return f"addr:{address}"[:200]


def delay_after(failures: int, free: int) -> timedelta:
    """How long the next attempt must wait after `failures` failures (0 while they are free)."""
    if failures < free:
        return timedelta(0)
    doublings = min(failures - free, 20)  # 2**20 s is far beyond the cap: no overflow, same answer
    return min(FIRST_DELAY * (2 ** doublings), MAX_DELAY)


def wait_for(key: str, free: int, now: datetime) -> int:
    """Whole seconds the next attempt on `key` must still wait (0: it may be checked now)."""
    last_success = db.session.scalar(sa.select(sa.func.max(LoginAttempt.at)).where(
        LoginAttempt.key == key, LoginAttempt.success.is_(True), LoginAttempt.at > now - COUNT_WINDOW))
    since = max(filter(None, (last_success, now - COUNT_WINDOW)))
    failures, last_failure = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(
            LoginAttempt.key == key, LoginAttempt.success.is_(False), LoginAttempt.at > since)).one()
    if not failures:
        return 0
    remaining = (last_failure + delay_after(failures, free) - now).total_seconds()
    return math.ceil(remaining) if remaining > 0 else 0


def record(keys: tuple[str, ...], success: bool, now: datetime) -> None:
    for key in keys:
        db.session.add(LoginAttempt(key=key, at=now, success=success))


def wait_words(seconds: int) -> str:
    """'12 detik', '3 menit' (rounded up): how long to wait, for people."""
    return f"{seconds} detik" if seconds < 60 else f"{math.ceil(seconds / 60)} menit"
