"""Uploads (KTP scans, letters, answers): checked with the form before anything is written, stored outside
the web root when the step commits, served by rights."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from werkzeug.utils import secure_filename

from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.persistence.files import PENDING_SUFFIX, PendingFile, make_final, write_pending
from app.persistence.models import Attachment, ProcessInstance, db

from app.services.casework.access import may_read_case, may_see_personal_data
from app.services.infrastructure.context import Actor, setting
from app.services.casework.forms import clean_submission
from app.services.casework.privacy import case_privacy, reads_as_applicant_only
from app.services.casework.quotas import check_storage_quota

#: sniffed type -> (magic prefix, allowed extensions)
ALLOWED = {
    "application/pdf": (b"%PDF-", {".pdf"}),
    "image/jpeg": (b"\xff\xd8\xff", {".jpg", ".jpeg"}),
    "image/png": (b"\x89PNG\r\n\x1a\n", {".png"}),
}
PERSONAL_FIELDS = {"lampiran_identitas"}
REFERENCE_PREFIX = "lampiran:"


@dataclass(frozen=True)
class Upload:
    """A file as the web layer received it."""

    filename: str
    data: bytes


def _sniff(upload: Upload) -> str:
    for content_type, (magic, extensions) in ALLOWED.items():
        if upload.data.startswith(magic):
            if Path(upload.filename.lower()).suffix not in extensions:
                raise ValueError("Jenis berkas tidak sesuai dengan isinya.")
            return content_type
    raise ValueError("Berkas harus PDF, JPG atau PNG.")


def check_upload(upload: Upload) -> str:
    """The sniffed content type; ValueError with an Indonesian message when refused."""
    limit = int(setting("PPID_MAX_UPLOAD_MB")) * 1024 * 1024
    if not upload.data:
        raise ValueError("Berkas kosong.")
    if len(upload.data) > limit:
        raise ValueError(f"Berkas lebih dari {setting('PPID_MAX_UPLOAD_MB')} MB.")
    return _sniff(upload)


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed the checks, with the names it will be stored under (nothing written yet)."""

    upload: Upload
    content_type: str
    token: str
    storage_name: str

    @property
    def reference(self) -> str:
        return REFERENCE_PREFIX + self.token


def check_uploads(uploads: dict[str, Upload]) -> tuple[dict[str, CheckedUpload], dict[str, list[str]]]:
    """Every upload checked (content, size): the accepted ones, and the problems of the others by field."""
    checked, errors = {}, {}
    for field, upload in uploads.items():
        try:
            content_type = check_upload(upload)
        except ValueError as exc:
            errors[field] = [str(exc)]
            continue
        checked[field] = CheckedUpload(upload, content_type, secrets.token_urlsafe(24), secrets.token_hex(16) + ".bin")
    return checked, errors


def validate_submission(schema: dict, data: dict, uploads: dict[str, Upload] | None,
                        clean: Callable[[dict, dict], dict] = clean_submission) -> tuple[dict, dict[str, CheckedUpload]]:
    """A form and its files checked together, before anything is written: (cleaned data, checked uploads).

    ValidationFailed lists every problem at once: the file checks (content, size) on the upload fields,
    the schema's on the others. The cleaned data holds each file's reference ("lampiran:<token>").
    """
    checked, errors = check_uploads(uploads or {})
    references = {field: REFERENCE_PREFIX + "pemeriksaan" for field in errors}
    references.update({field: item.reference for field, item in checked.items()})
    try:
        cleaned = clean(schema, {**data, **references})
    except ValidationFailed as exc:
        for name, messages in exc.errors.items():
            errors.setdefault(name, list(messages))
        cleaned = {}
    if errors:
        raise ValidationFailed(errors)
    return cleaned, checked


def kept_uploads(schema: dict, data: dict, case_data: dict) -> dict:
    """The submitted data, with each required upload field that has no new file taking the case's file:
    a file given at an earlier step counts as given."""
    required = set(schema.get("required") or []) if isinstance(schema, dict) else set()
    kept = {}
    for name, prop in (schema.get("properties") or {}).items() if isinstance(schema, dict) else ():
        value = case_data.get(name)
        if (name in required and name not in data and isinstance(prop, dict) and prop.get("format") == "data-url"
                and isinstance(value, str) and value.startswith(REFERENCE_PREFIX)):
            kept[name] = value
    return {**data, **kept}


def check_quota(actor: Actor, checked: dict[str, CheckedUpload]) -> None:
    """An applicant's account holds at most PPID_STORAGE_PER_ACCOUNT_MB: refused before anything is written."""
    check_storage_quota(actor, {field: len(item.upload.data) for field, item in checked.items()})


def store_uploads(actor: Actor, checked: dict[str, CheckedUpload], instance: ProcessInstance, now: datetime,
                  personal_fields=None) -> None:
    """Store checked uploads of a case: a row each, and the file under a temporary name that becomes final
    when the use case commits (removed if it rolls back: app/persistence/files.py). Never commits.

    Uploads of `personal_fields` (default PERSONAL_FIELDS; the forms' `"x-personal": true` fields) are
    personal data, served only to who works the case.
    """
    personal_fields = PERSONAL_FIELDS if personal_fields is None else set(personal_fields)
    folder = Path(setting("PPID_UPLOAD_DIR"))
    for field, item in checked.items():
        db.session.add(Attachment(
            token=item.token, instance_id=instance.id, owner_id=actor.user_id, field=field,
            original_name=(secure_filename(item.upload.filename) or "berkas")[:255], content_type=item.content_type,
            size=len(item.upload.data), sha256=hashlib.sha256(item.upload.data).hexdigest(),
            storage_name=item.storage_name, personal=field in personal_fields, created_at=now))
        write_pending(db.session, folder, item.storage_name, item.upload.data, now)


def read_attachment(actor: Actor, token: str) -> tuple[Attachment, bytes]:
    """The file behind a reference, if the actor may see it (KTP scans: only who works the case)."""
    row = db.session.scalar(db.select(Attachment).filter_by(token=token))
    if row is None:
        raise NotFound("Berkas tidak ditemukan.")
    instance = db.session.get(ProcessInstance, row.instance_id) if row.instance_id else None
    if instance is None:
        allowed = actor.user_id is not None and row.owner_id == actor.user_id
    elif row.personal:
        allowed = may_see_personal_data(actor, instance)
    else:
        allowed = may_read_case(actor, instance) and not withheld_from(actor, instance, row.field)
    if not allowed:
        raise Forbidden("Anda tidak berwenang melihat berkas ini.")
    return row, _stored_file(Path(setting("PPID_UPLOAD_DIR")), row.storage_name).read_bytes()


def _stored_file(folder: Path, storage_name: str) -> Path:
    """The file of a committed row; one whose rename after the commit was cut short is finished first."""
    final = folder / storage_name
    if not final.exists():
        for temporary in sorted(folder.glob(storage_name + ".*" + PENDING_SUFFIX)):
            make_final(PendingFile(temporary, final))
    return final


def withheld_from(actor: Actor, instance: ProcessInstance, field: str | None) -> bool:
    """An upload of an `"x-internal"` field (the OPD's material for Diskominfo) is not the applicant's."""
    return bool(field) and reads_as_applicant_only(actor, instance) and field in case_privacy(instance).internal


def case_attachments(instance_id: int) -> list[Attachment]:
    return list(db.session.scalars(db.select(Attachment).filter_by(instance_id=instance_id).order_by(Attachment.id)))
