"""Uploads (KTP scans, letters, answers): checked, stored outside the web root, served by rights."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from werkzeug.utils import secure_filename

from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.persistence.models import Attachment, ProcessInstance, db

from .access import may_read_case, may_see_personal_data
from .context import Actor, setting
from .quotas import check_storage_quota

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


def store_uploads(actor: Actor, uploads: dict[str, Upload], now: datetime,
                  personal_fields=None) -> dict[str, str]:
    """Check every upload first (ValidationFailed lists all problems), then store them (flush only).

    Returns field -> reference ("lampiran:<token>") to put into the form data. Uploads of
    `personal_fields` (default PERSONAL_FIELDS; the forms' `"x-personal": true` fields) are
    personal data, served only to who works the case.
    """
    personal_fields = PERSONAL_FIELDS if personal_fields is None else set(personal_fields)
    errors, types = {}, {}
    for field, upload in uploads.items():
        try:
            types[field] = check_upload(upload)
        except ValueError as exc:
            errors[field] = [str(exc)]
    if errors:
        raise ValidationFailed(errors)
    # an applicant's account holds at most PPID_STORAGE_PER_ACCOUNT_MB: refused before anything is written
    check_storage_quota(actor, {field: len(upload.data) for field, upload in uploads.items()})
    folder = Path(setting("PPID_UPLOAD_DIR"))
    folder.mkdir(parents=True, exist_ok=True)
    references = {}
    for field, upload in uploads.items():
        storage_name = secrets.token_hex(16) + ".bin"
        (folder / storage_name).write_bytes(upload.data)
        row = Attachment(token=secrets.token_urlsafe(24), owner_id=actor.user_id, field=field,
                         original_name=(secure_filename(upload.filename) or "berkas")[:255],
                         content_type=types[field], size=len(upload.data),
                         sha256=hashlib.sha256(upload.data).hexdigest(), storage_name=storage_name,
                         personal=field in personal_fields, created_at=now)
        db.session.add(row)
        references[field] = REFERENCE_PREFIX + row.token
    db.session.flush()
    return references


def link_to_case(references: dict[str, str], instance: ProcessInstance) -> None:
    tokens = [r.removeprefix(REFERENCE_PREFIX) for r in references.values()]
    for row in db.session.scalars(db.select(Attachment).where(Attachment.token.in_(tokens))):
        row.instance_id = instance.id


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
    return row, (Path(setting("PPID_UPLOAD_DIR")) / row.storage_name).read_bytes()


def withheld_from(actor: Actor, instance: ProcessInstance, field: str | None) -> bool:
    """An upload of an `"x-internal"` field (the OPD's material for Diskominfo) is not the applicant's."""
    from .cases import case_privacy, reads_as_applicant_only  # cases imports this module

    return bool(field) and reads_as_applicant_only(actor, instance) and field in case_privacy(instance).internal


def case_attachments(instance_id: int) -> list[Attachment]:
    return list(db.session.scalars(db.select(Attachment).filter_by(instance_id=instance_id).order_by(Attachment.id)))
