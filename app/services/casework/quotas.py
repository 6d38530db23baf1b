"""Per-account limits of an applicant: requests per hour and per day, and stored upload bytes (ASVS 11.1.2-11.1.4).

Counted from the rows themselves (ProcessInstance by applicant and created_at, Attachment sizes by owner), so every
web worker sees the same count. Only an applicant's own account is limited: requests a Diskominfo officer records at
the counter (`on_behalf`) and staff uploads are not. A limit of 0 switches that limit off.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from app.domain import roles
from app.domain.errors import DomainError, ValidationFailed
from app.persistence.models import Attachment, ProcessInstance, User, db

from app.services.infrastructure.context import Actor, setting

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


class RequestLimitReached(DomainError):
    """Too many requests from one account in the window; `retry_after` seconds until one more is accepted."""

    default_message = "Batas jumlah permohonan untuk akun Anda telah tercapai."
    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def is_limited(actor: Actor) -> bool:
    """An applicant's own account (no staff role): staff work and counter entries are not limited."""
    return actor.user_id is not None and not (actor.roles - {roles.PEMOHON})


def _waiting(words: str, seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    when = f"{minutes} menit" if minutes < 120 else f"{math.ceil(minutes / 60)} jam"
    return f"{words} Coba lagi dalam {when}."


def check_request_quota(actor: Actor, now: datetime) -> None:
    """Refuse one more request when the account reached PPID_REQUESTS_PER_HOUR or PPID_REQUESTS_PER_DAY."""
    if not is_limited(actor):
        return
    # the applicant's starts wait for each other here (PostgreSQL; SQLite writes one at a time anyway), so
    # fifteen requests sent at once are counted one after the other, not all against the same count
    db.session.execute(db.select(User.id).where(User.id == actor.user_id).with_for_update())
    for setting_name, window, words in (
            ("PPID_REQUESTS_PER_HOUR", HOUR, "Anda sudah mengirim {n} permohonan dalam satu jam terakhir; "
                                             "batasnya {n} permohonan per jam per akun."),
            ("PPID_REQUESTS_PER_DAY", DAY, "Anda sudah mengirim {n} permohonan dalam 24 jam terakhir; "
                                           "batasnya {n} permohonan per hari per akun.")):
        limit = int(setting(setting_name) or 0)
        if limit <= 0:
            continue
        times = list(db.session.scalars(
            db.select(ProcessInstance.created_at).where(ProcessInstance.applicant_id == actor.user_id,
                                                        ProcessInstance.created_at > now - window)
            .order_by(ProcessInstance.created_at)))
        if len(times) >= limit:
            frees_at = times[len(times) - limit] + window
            retry_after = max(1, math.ceil((frees_at - now).total_seconds()))
            raise RequestLimitReached(_waiting(words.format(n=limit) + " Permohonan ini belum terkirim.",
                                               retry_after), retry_after)


def stored_bytes(user_id: int) -> int:
    return int(db.session.scalar(db.select(db.func.coalesce(db.func.sum(Attachment.size), 0))
                                 .where(Attachment.owner_id == user_id)) or 0)


def check_storage_quota(actor: Actor, sizes: dict[str, int]) -> None:
    """Refuse uploads that would take the account over PPID_STORAGE_PER_ACCOUNT_MB (ValidationFailed on each
    upload field, so forms show it beside the file, with nothing written)."""
    limit_mb = int(setting("PPID_STORAGE_PER_ACCOUNT_MB") or 0)
    if not sizes or limit_mb <= 0 or not is_limited(actor):
        return
    used = stored_bytes(actor.user_id)
    if used + sum(sizes.values()) > limit_mb * 1024 * 1024:
        left = max(0.0, (limit_mb * 1024 * 1024 - used) / (1024 * 1024))
        message = (f"Ruang berkas akun Anda tidak cukup: batasnya {limit_mb} MB per akun, sisa {left:.1f} MB. "
                   "Kecilkan berkas (mis. pindai dengan resolusi lebih rendah) atau hubungi PPID Diskominfo.")
        raise ValidationFailed({field: [message] for field in sizes}, message=message)
