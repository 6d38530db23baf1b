"""The staff's daily digest: one mail per officer listing the tasks that are late or due soon."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from app.domain import roles
from app.domain.timeutil import format_tanggal, format_waktu, start_of_day_wib, to_wib, wib_date
from app.persistence.models import HumanTask, Outbox, Setting, User, db

from app.services.casework.access import task_filter
from app.services.people.accounts import actor_for
from app.services.infrastructure.calendar import current_calendar
from app.services.infrastructure.context import Actor
from app.services.infrastructure.notifications import queue_direct
from app.services.infrastructure.transaction import use_case

TEMPLATE = "digest_staf"
#: roles whose holders get a digest (the lanes they work)
DIGEST_ROLES = frozenset({roles.DISKOMINFO, roles.KEPALA_DISKOMINFO, roles.OPD, roles.ATASAN_PPID})
#: tasks due within this many working days are listed beside the late ones
DUE_WITHIN_WORKING_DAYS = 2
#: the background worker queues the digest once a day, from this WIB time on
SEND_FROM = time(7, 0)
LAST_RUN_KEY = "digest_staf_terakhir"


@dataclass(frozen=True)
class DigestItem:
    registration_number: str
    title: str
    opd_code: str | None
    due_at: datetime
    due_text: str
    late: bool


def digest_items(actor: Actor, now: datetime) -> list[DigestItem]:
    """Tasks in the actor's staff lanes (OPD officers: their OPDs) that are late or due within 2 working days."""
    horizon = current_calendar().add_working_days(now, DUE_WITHIN_WORKING_DAYS)
    rows = db.session.scalars(
        sa.select(HumanTask).where(task_filter(actor), HumanTask.lane != roles.PEMOHON,
                                   HumanTask.due_at.is_not(None), HumanTask.due_at <= horizon)
        .order_by(HumanTask.due_at, HumanTask.id))
    return [DigestItem(r.registration_number, r.title, r.opd_code, r.due_at, format_waktu(r.due_at), r.due_at < now)
            for r in rows]


def _already_sent_today(now: datetime) -> set[str]:
    day = wib_date(now)
    start, end = start_of_day_wib(day), start_of_day_wib(day + timedelta(days=1))
    return set(db.session.scalars(sa.select(Outbox.recipient).where(
        Outbox.template == TEMPLATE, Outbox.instance_id.is_(None), Outbox.created_at >= start,
        Outbox.created_at < end)))


def _record_run(now: datetime) -> None:
    """Note today's run; the row lock serialises concurrent runs (PostgreSQL), SQLite's writer lock does the rest."""
    row = db.session.get(Setting, LAST_RUN_KEY, with_for_update=True) or Setting(key=LAST_RUN_KEY)
    row.value = wib_date(now).isoformat()
    db.session.add(row)
    db.session.flush()


@use_case
def queue_staff_digest(now: datetime) -> int:
    """Queue one digest mail per active staff user with late or soon-due tasks; at most one per user per WIB day.

    Returns the number of mails queued (0 on a second call the same day).
    """
    _record_run(now)
    done = _already_sent_today(now)
    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.id))
    queued = 0
    for user in users:
        if not user.email or user.email in done or not (user.role_set & DIGEST_ROLES):
            continue
        actor = actor_for(user)
        if not (actor.roles & (DIGEST_ROLES - {roles.OPD})) and not actor.opd_codes:
            continue
        items = digest_items(actor, now)
        if not items:
            continue
        queue_direct(user.email, TEMPLATE, now, full_name=user.full_name, items=items,
                     late_count=sum(1 for i in items if i.late), soon_count=sum(1 for i in items if not i.late),
                     today=format_tanggal(now), within=DUE_WITHIN_WORKING_DAYS)
        done.add(user.email)
        queued += 1
    return queued


def digest_due(now: datetime) -> bool:
    """Whether the worker should queue today's digest: a working day, after 07:00 WIB, not yet run today."""
    local = to_wib(now)
    if local.time() < SEND_FROM or not current_calendar().is_working_day(local.date()):
        return False
    return db.session.scalar(sa.select(Setting.value).filter_by(key=LAST_RUN_KEY)) != local.date().isoformat()


def queue_daily_digest(now: datetime) -> int:
    """The worker's hook: queue the digest once a day (idempotent; cheap when already done)."""
    return queue_staff_digest(now) if digest_due(now) else 0
