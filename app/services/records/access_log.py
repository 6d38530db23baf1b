"""Who saw personal data in full (UU 27/2022 accountability; ASVS 4.0 V8.3.5).

Every place that shows a case's personal data (the forms' ``"x-personal"`` fields: NIK, deed number,
KTP scan, power of attorney) unmasked to someone other than the applicant records one row of
`PersonalDataAccess`: who, when, which case, which fields or file, through which kind of view
(`KINDS`) and path. One view is one row, whatever the number of fields it shows; a view that shows
nothing personal in full (an auditor's masked page, a case without a NIK) writes nothing. The
applicant reading their own case is not recorded: it is their own data.

Recording is a small use case of its own (one insert, one commit) run after the rights check and
before the answer leaves: a view whose record cannot be written is not shown. The log is read by
auditors per case (the audit case page) and per officer (/audit/akses-data, `ppid audit access`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.domain import roles
from app.domain.errors import Forbidden, NotFound
from app.domain.timeutil import start_of_day_wib
from app.persistence.models import Attachment, AuditEvent, PersonalDataAccess, ProcessInstance, User, db

from app.services.casework.access import may_see_personal_data
from app.services.casework.attachments import REFERENCE_PREFIX, case_attachments
from app.services.casework.cases import case_privacy, data_view, find_instance, is_own_case
from app.services.infrastructure.context import Actor
from app.services.records.personal_data import ERASED  # what erasure leaves in a field: no longer personal data
from app.services.infrastructure.transaction import use_case

HALAMAN, API, UNDUHAN, EKSPOR = "halaman", "api", "unduhan", "ekspor"
KINDS = {HALAMAN: "Halaman", API: "API", UNDUHAN: "Unduhan berkas", EKSPOR: "Ekspor"}
#: who reads the access log
LOG_READERS = frozenset({roles.AUDITOR})
WHAT_LIMIT = 500


@dataclass(frozen=True)
class AccessEntry:
    id: int
    at: datetime
    username: str
    role: str
    registration_number: str | None
    kind: str
    what: str
    path: str


def _entry(row: PersonalDataAccess) -> AccessEntry:
    return AccessEntry(row.id, row.at, row.username, row.role, row.registration_number, row.kind, row.what, row.path)


# --------------------------------------------------------------------------- what a view shows in full

def _shows(value) -> bool:
    """A value that is personal data when shown (not empty, not erased, not merely a link to a file)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    text = str(value).strip()
    return text not in ("", ERASED) and not text.startswith(REFERENCE_PREFIX)


def _in_payload(payload: dict, key: str) -> bool:
    values = [part.get(key) for part in (payload.get("submitted"), payload.get("case_data")) if isinstance(part, dict)]
    change = (payload.get("changes") or {}).get(key) if isinstance(payload.get("changes"), dict) else None
    if isinstance(change, dict):
        values += [change.get("before"), change.get("after")]
    return any(_shows(v) for v in values)


def _in_history(instance_id: int, keys: set[str]) -> set[str]:
    found: set[str] = set()
    for text in db.session.scalars(sa.select(AuditEvent.payload).where(AuditEvent.instance_id == instance_id)):
        named = {k for k in keys - found if f'"{k}"' in text}  # most events name no personal field: no parse
        if named:
            payload = json.loads(text)
            found |= {k for k in named if _in_payload(payload, k)}
    return found


def shown_fields(actor: Actor, instance: ProcessInstance, with_history: bool = False) -> tuple[str, ...]:
    """The case's personal fields this actor's view shows in full (its case data, and with `with_history`
    the audit events' payloads); empty for the applicant's own case and for whoever sees them masked."""
    if is_own_case(actor, instance):
        return ()
    candidates = set(case_privacy(instance).personal - data_view(actor, instance).hidden)
    data = instance.case_data or {}
    found = {k for k in candidates if _shows(data.get(k))}
    if with_history and candidates - found:
        found |= _in_history(instance.id, candidates - found)
    return tuple(sorted(found))


def shown_files(actor: Actor, instance: ProcessInstance) -> list[Attachment]:
    """The case's personal uploads (KTP scans, powers of attorney) this actor may open, unless their own."""
    if is_own_case(actor, instance) or not may_see_personal_data(actor, instance):
        return []
    return [a for a in case_attachments(instance.id) if a.personal]


def _file_label(row: Attachment) -> str:
    return f"{row.original_name} ({row.field})"


# --------------------------------------------------------------------------- recording

def _add(actor: Actor, instance: ProcessInstance | None, kind: str, what: list[str], path: str,
         now: datetime) -> PersonalDataAccess:
    text = ", ".join(what)
    row = PersonalDataAccess(
        at=now, user_id=actor.user_id, username=actor.username[:80], role=actor.main_role[:60],
        instance_id=instance.id if instance else None,
        registration_number=instance.registration_number if instance else None, kind=kind,
        what=text if len(text) <= WHAT_LIMIT else text[:WHAT_LIMIT - 3] + "...", path=(path or "")[:500])
    db.session.add(row)
    db.session.flush()
    return row


@use_case
def record_case_view(actor: Actor, registration_number: str, kind: str, path: str, now: datetime,
                     with_history: bool = False, files: bool = False) -> AccessEntry | None:
    """Record one view of a case (a page, an API answer, a document) if it shows personal data in full:
    its fields (`with_history`: the view shows the history too) and, with `files`, the personal files it
    carries (a dispute bundle). None, and nothing written, when it shows none."""
    instance = find_instance(registration_number)
    what = list(shown_fields(actor, instance, with_history))
    if files:
        what += [_file_label(a) for a in shown_files(actor, instance)]
    return _entry(_add(actor, instance, kind, what, path, now)) if what else None


@use_case
def record_file_view(actor: Actor, token: str, path: str, now: datetime) -> AccessEntry | None:
    """Record the download of a personal upload (a KTP scan) of a case by anyone but its applicant."""
    row = db.session.scalar(sa.select(Attachment).filter_by(token=token))
    if row is None or not row.personal or row.instance_id is None:
        return None
    instance = db.session.get(ProcessInstance, row.instance_id)
    if instance is None or is_own_case(actor, instance):
        return None
    return _entry(_add(actor, instance, UNDUHAN, [_file_label(row)], path, now))


@use_case
def record_applicant_export(actor: Actor, username: str, path: str, now: datetime) -> list[AccessEntry]:
    """Record an export of everything held about one account (`personal_data.export_applicant`) by
    someone other than its holder: one row per case whose personal data or files it carries."""
    user = db.session.scalar(sa.select(User).filter_by(username=username))
    if user is None:
        raise NotFound(f"Akun '{username}' tidak ditemukan.")
    if actor.user_id is not None and actor.user_id == user.id:
        return []
    entries = []
    for case in db.session.scalars(sa.select(ProcessInstance).filter_by(applicant_id=user.id)
                                   .order_by(ProcessInstance.id)):
        data = case.case_data or {}
        what = sorted(k for k in case_privacy(case).personal if _shows(data.get(k)))
        what += [_file_label(a) for a in case_attachments(case.id) if a.personal and a.owner_id == user.id]
        if what:
            entries.append(_entry(_add(actor, case, EKSPOR, what, path, now)))
    return entries


# --------------------------------------------------------------------------- reading

def may_read_log(actor: Actor) -> bool:
    return bool(actor.roles & LOG_READERS)


@dataclass(frozen=True)
class AccessFilters:
    username: str | None = None
    registration_number: str | None = None
    first: date | None = None  # WIB days, both included
    last: date | None = None


@dataclass(frozen=True)
class AccessPage:
    rows: list[AccessEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _query(filters: AccessFilters):
    query = sa.select(PersonalDataAccess)
    if filters.username:
        query = query.where(PersonalDataAccess.username == filters.username)
    if filters.registration_number:
        instance_id = db.session.scalar(sa.select(ProcessInstance.id).where(
            ProcessInstance.registration_number == filters.registration_number.strip().upper()))
        query = query.where(PersonalDataAccess.instance_id == instance_id) if instance_id else query.where(sa.false())
    if filters.first:
        query = query.where(PersonalDataAccess.at >= start_of_day_wib(filters.first))
    if filters.last:
        query = query.where(PersonalDataAccess.at < start_of_day_wib(filters.last + timedelta(days=1)))
    return query


def find_accesses(filters: AccessFilters = AccessFilters(), page: int = 1, per_page: int = 50) -> AccessPage:
    """Recorded views, newest first, filtered and paged (no rights check: the CLI and `access_log_page`)."""
    query = _query(filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    rows = db.session.scalars(query.order_by(PersonalDataAccess.at.desc(), PersonalDataAccess.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return AccessPage([_entry(r) for r in rows], total, page, per_page)


def access_log_page(actor: Actor, filters: AccessFilters, page: int = 1, per_page: int = 50) -> AccessPage:
    """The access log as an auditor reads it (Forbidden for anyone else)."""
    if not may_read_log(actor):
        raise Forbidden()
    return find_accesses(filters, page, per_page)


def case_accesses(actor: Actor, instance_id: int, limit: int = 50) -> AccessPage | None:
    """The newest recorded views of one case, for the audit case page; None for who may not read the log."""
    if not may_read_log(actor):
        return None
    query = sa.select(PersonalDataAccess).where(PersonalDataAccess.instance_id == instance_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(PersonalDataAccess.at.desc(), PersonalDataAccess.id.desc()).limit(limit))
    return AccessPage([_entry(r) for r in rows], total, 1, limit)
