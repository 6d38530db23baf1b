"""An applicant's personal data (UU 27/2022): export everything held about them, and erase it
where the law allows.

Export (`export_applicant`): one ZIP with the account, every case the applicant started (its data
unmasked, status, dates, what the applicant submitted at each step) and the files they uploaded.

Erasure (`erase_applicant`), only where the law allows it:

- only FINISHED cases are touched: a running case still needs the applicant's identity and
  address for the written notice, and the law gives the office its deadlines;
- in those cases the personal fields (the forms' ``"x-personal"`` and ``"x-identitas"`` fields,
  plus the applicant's name, address, e-mail and phone: `ERASED_FIELDS`) are replaced by
  ``(dihapus)`` in the case data and in the stored workflow state; the applicant's name on the
  case and in the mail of the case is replaced too (mail not sent yet is not sent any more);
- the KTP scans and other personal uploads of those cases are deleted from disk and their rows
  removed;
- each touched case gets one audit event ``personal_data_erased`` that names the erased fields
  (never their values) and records the new state, so the hash chain and the stored-state checks
  (`audit.verify_all`) stay green and replay verification (`replay.replay_all`) re-applies the
  same erasure (`erase_values`, `scrub_state`) when it reaches the event;
- the account's name and e-mail are erased, it is deactivated and its sessions and API tokens end
  - but only once none of the applicant's cases is still running (until then the office needs
  the account to reach the applicant; run the erasure again later).

What erasure does not touch: the audit events written before it. They are the legal record of
how the request was handled (UU 14/2008, the archive rules) and each is sealed by the hash chain;
rewriting them would destroy the proof that the history was not edited. Their personal fields
stay visible only to who may see personal data of the case (staff who work it), as before.
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from app.domain.errors import NotFound
from app.persistence.models import (ApiToken, Attachment, AuditEvent, HumanTask, Outbox, ProcessInstance, TimerJob,
                                    User, db)

from app.services.records import audit
from app.services.casework.cases import case_privacy
from app.services.infrastructure.context import Actor, setting
from app.services.infrastructure.notifications import MAX_ATTEMPTS
from app.services.infrastructure.transaction import use_case
from app.services.people import sessions

ERASED = "(dihapus)"
ERASED_EVENT = "personal_data_erased"
#: fields that identify the applicant in every process's forms, besides the forms' own marks
ERASED_FIELDS = ("nama_lengkap", "alamat", "email", "telepon")


# --------------------------------------------------------------------------- the erasure rule

def erase_values(data: dict, fields) -> dict:
    """`data` with every non-empty value of `fields` replaced by ERASED (a new dict)."""
    out = dict(data)
    for key in fields:
        if key in out and out[key] not in (None, "", ERASED):
            out[key] = ERASED
    return out


def _scrub_tree(value, fields: frozenset[str]):
    if isinstance(value, dict):
        return {k: (ERASED if k in fields and v not in (None, "", ERASED) and not isinstance(v, (dict, list))
                    else _scrub_tree(v, fields)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_tree(v, fields) for v in value]
    return value


def scrub_state(state: str, fields) -> str:
    """A serialized workflow state with the `fields` erased from every task's and workflow's data
    (and data deltas); the structure, task ids, states and timers are left as they are."""
    fields = frozenset(fields)
    dct = json.loads(state)

    def scrub_data(holder: dict) -> None:
        for key in ("data", "delta"):  # a task keeps its data whole or as a delta (updates, deletions)
            if isinstance(holder.get(key), dict):
                holder[key] = _scrub_tree(holder[key], fields)

    def workflow(w: dict) -> None:
        scrub_data(w)
        for task in (w.get("tasks") or {}).values():
            if isinstance(task, dict):
                scrub_data(task)
        for sub in (w.get("subprocesses") or {}).values():
            if isinstance(sub, dict):
                workflow(sub)

    workflow(dct)
    return json.dumps(dct)


def personal_fields(instance: ProcessInstance) -> frozenset[str]:
    """What erasure replaces in one case: the forms' personal and identity marks and ERASED_FIELDS."""
    privacy = case_privacy(instance)
    return frozenset(privacy.personal | privacy.identity | set(ERASED_FIELDS))


# --------------------------------------------------------------------------- export

def _user(username: str) -> User:
    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is None:
        raise NotFound(f"Akun '{username}' tidak ditemukan.")
    return user


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dump(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")


def export_applicant(username: str) -> tuple[bytes, dict]:
    """A ZIP of everything held about one account; returns (zip bytes, counts).

    Layout: ``akun.json``; ``permohonan/<nomor>/data.json`` (the case, unmasked) and
    ``permohonan/<nomor>/riwayat.json`` (what the applicant submitted, step by step; the office's
    ``"x-internal"`` working notes are not the applicant's data and are left out);
    ``lampiran/<id>-<nama>`` every file the applicant uploaded; ``README.txt``.
    """
    user = _user(username)
    account = {"username": user.username, "full_name": user.full_name, "email": user.email,
               "roles": sorted(user.role_set), "active": user.active, "created_at": _iso(user.created_at),
               "email_confirmed_at": _iso(user.email_confirmed_at)}
    cases = list(db.session.scalars(db.select(ProcessInstance).filter_by(applicant_id=user.id)
                                    .order_by(ProcessInstance.id)))
    uploads = list(db.session.scalars(db.select(Attachment).filter_by(owner_id=user.id).order_by(Attachment.id)))
    folder = Path(setting("PPID_UPLOAD_DIR"))
    buffer = io.BytesIO()
    files = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("akun.json", _dump(account))
        for case in cases:
            base = f"permohonan/{_safe(case.registration_number)}"
            archive.writestr(f"{base}/data.json", _dump({
                "registration_number": case.registration_number, "process_id": case.process_id,
                "status": case.status, "finished": case.finished, "created_at": _iso(case.created_at),
                "updated_at": _iso(case.updated_at), "applicant_name": case.applicant_name,
                "data": {k: v for k, v in case.case_data.items() if k not in case_privacy(case).internal}}))
            steps = []
            for event in db.session.scalars(db.select(AuditEvent).filter_by(instance_id=case.id)
                                            .order_by(AuditEvent.seq)):
                payload = json.loads(event.payload)
                if event.actor_id == user.id or event.event_type == "case_started":
                    steps.append({"seq": event.seq, "at": _iso(event.at), "event_type": event.event_type,
                                  "task_name": event.task_name, "submitted": payload.get("submitted")})
            archive.writestr(f"{base}/riwayat.json", _dump(steps))
        for row in uploads:
            path = folder / row.storage_name
            if path.is_file():
                archive.writestr(f"lampiran/{row.id}-{_safe(row.original_name)}", path.read_bytes())
                files += 1
        archive.writestr("README.txt", (
            "Salinan data pribadi yang disimpan layanan PPID Kabupaten Pasuruan tentang akun ini.\n"
            "akun.json: data akun; permohonan/<nomor>/data.json: data permohonan; "
            "permohonan/<nomor>/riwayat.json: isian yang Anda kirim; lampiran/: berkas yang Anda unggah.\n"))
    return buffer.getvalue(), {"cases": len(cases), "files": files}


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).lstrip(".") or "berkas"


# --------------------------------------------------------------------------- erasure

@dataclass
class ErasureResult:
    cases_erased: list[str] = field(default_factory=list)
    cases_running: list[str] = field(default_factory=list)
    files_deleted: int = 0
    account_erased: bool = False


def _erase_case(instance: ProcessInstance, actor: Actor, now: datetime, secrets: list[str]) -> list[str] | None:
    """Erase one finished case (flush only); the files to delete after commit, or None when nothing changed."""
    fields = personal_fields(instance)
    before = dict(instance.case_data or {})
    after = erase_values(before, fields)
    erased = sorted(k for k in after if after[k] != before.get(k))
    state = scrub_state(instance.state, fields) if instance.state else instance.state
    personal = list(db.session.scalars(db.select(Attachment).filter_by(instance_id=instance.id, personal=True)))
    if not erased and state == instance.state and not personal and instance.applicant_name == ERASED:
        return None
    instance.case_data = after
    instance.state = state
    instance.applicant_name = ERASED
    instance.updated_at = now
    for mail in db.session.scalars(db.select(Outbox).filter_by(instance_id=instance.id)):
        mail.recipient = ERASED
        mail.subject, mail.body = _redact(mail.subject, secrets), _redact(mail.body, secrets)
        if mail.sent_at is None:  # never sent now: there is no address any more
            mail.attempts, mail.last_error = MAX_ATTEMPTS, "data pribadi pemohon dihapus"
    storage = [row.storage_name for row in personal]
    for row in personal:
        db.session.delete(row)
    db.session.flush()
    payload = {
        "erased": erased, "fields": sorted(fields), "files_deleted": len(storage),
        "state_hash": audit.state_hash(instance.state), "case_data": after,
        "case_fields": [instance.status, instance.opd_code, instance.applicant_id],
        "finished": instance.finished,
        "open_tasks": [audit.task_row_fingerprint(r) for r in _rows(HumanTask, instance.id)],
        "timers": [audit.timer_row_fingerprint(r) for r in _rows(TimerJob, instance.id)],
    }
    audit.append_event(instance, ERASED_EVENT, actor, now, payload)
    return storage


def _rows(model, instance_id: int) -> list:
    return list(db.session.scalars(db.select(model).filter_by(instance_id=instance_id)))


def _redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, ERASED)
    return text


def _secrets(user: User, cases: list[ProcessInstance]) -> list[str]:
    values = {user.full_name, user.email or ""}
    for case in cases:
        data = case.case_data or {}
        values |= {str(data[k]) for k in personal_fields(case) if isinstance(data.get(k), str)}
    return sorted((v for v in values if len(v.strip()) >= 3 and v != ERASED), key=len, reverse=True)


@use_case
def _erase(username: str, actor: Actor, now: datetime) -> tuple[ErasureResult, list[str]]:
    user = _user(username)
    cases = list(db.session.scalars(db.select(ProcessInstance).filter_by(applicant_id=user.id)
                                    .order_by(ProcessInstance.id)))
    result, files = ErasureResult(), []
    secrets = _secrets(user, cases)
    for case in cases:
        if not case.finished:
            result.cases_running.append(case.registration_number)
            continue
        deleted = _erase_case(case, actor, now, secrets)
        if deleted is not None:
            result.cases_erased.append(case.registration_number)
            files += deleted
    if not result.cases_running and (user.active or user.full_name != ERASED):
        user.full_name, user.email, user.active = ERASED, None, False
        sessions.end_all(user, sessions.DEACTIVATED, now)  # every session and API token ends
        db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
        result.account_erased = True
    return result, files


def erase_applicant(username: str, actor: Actor, now: datetime) -> ErasureResult:
    """Erase an applicant's personal data where the law allows (see the module text).

    The database changes commit first; the files are deleted after the commit, so a crash in
    between leaves an unreferenced file in the upload folder (which no route can serve), never a
    case that refers to a missing file.
    """
    result, files = _erase(username, actor, now)
    folder = Path(setting("PPID_UPLOAD_DIR"))
    for name in files:
        path = folder / name
        if path.is_file():
            path.unlink()
            result.files_deleted += 1
    return result
