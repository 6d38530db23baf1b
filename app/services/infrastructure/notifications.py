"""Notifications: written to the outbox inside the step's transaction, delivered after it."""
from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template
from jinja2 import TemplateNotFound

from app.domain.addresses import InvalidAddress, UnsafeHeader, normalize_address, safe_header
from app.domain.timeutil import format_tanggal, format_waktu
from app.persistence.models import Outbox, ProcessInstance, Role, TimerJob, User, UserRole, db, user_opd

from app.services.infrastructure.context import setting
from app.services.people.staffing import holds
from app.services.modelling.versions import definition_for

#: a failed mail is tried again after these delays (then given up after MAX_ATTEMPTS attempts in all)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1

#: What each mail template (app/templates/mail/<key>.txt, named in the BPMN) is, for pages.
TEMPLATE_LABELS = {
    "tanda_terima": "Tanda terima permohonan",
    "perlu_dilengkapi": "Permintaan melengkapi permohonan",
    "diperpanjang": "Pemberitahuan perpanjangan waktu",
    "pemberitahuan_tertulis": "Pemberitahuan tertulis",
    "keberatan_diterima": "Tanda terima keberatan",
    "keberatan_dikabulkan": "Keberatan dikabulkan",
    "keberatan_ditolak": "Keberatan ditolak",
    "keberatan_tidak_ditanggapi": "Keberatan tidak ditanggapi",
    "sengketa_diajukan": "Sengketa diajukan",
    "panggilan_komisi": "Panggilan Komisi Informasi dicatat",
    "jadwal_sengketa": "Jadwal sengketa di Komisi Informasi",
    "pengingat_sidang_komisi": "Pengingat jadwal Komisi Informasi",
    "hasil_sengketa": "Hasil sengketa informasi",
    "putusan_komisi_dilaksanakan": "Putusan Komisi Informasi dilaksanakan",
    "putusan_komisi_belum_dilaksanakan_staf": "Putusan Komisi Informasi belum dilaksanakan (petugas)",
    "sengketa_selesai": "Sengketa informasi selesai",
    "permohonan_dicabut": "Permohonan dicabut",
    "permohonan_dicabut_staf": "Permohonan dicabut (petugas)",
    "batas_waktu_terlewati": "Batas waktu terlewati",
    "batas_waktu_terlewati_staf": "Batas waktu terlewati (petugas)",
    "keberatan_tidak_ditanggapi_staf": "Keberatan belum diputus (petugas)",
    "pemeriksaan_terlambat": "Pemeriksaan kelengkapan melewati 3 hari kerja",
    "dikembalikan_opd": "Permohonan dikembalikan OPD",
    "putusan_belum_dilaksanakan": "Putusan keberatan belum dilaksanakan",
    "putusan_belum_dilaksanakan_staf": "Putusan keberatan belum dilaksanakan (petugas)",
    "target_terlewati": "Target layanan terlewati",
    "digest_staf": "Ringkasan tugas harian",
    "konfirmasi_email": "Konfirmasi e-mail",
    "pendaftaran_ganda": "Pendaftaran tidak dapat diproses",
    "pengaduan_diterima": "Tanda terima pengaduan",
    "pengaduan_diteruskan": "Pengaduan diteruskan",
    "pengaduan_dijawab": "Pengaduan dijawab",
    "pengaduan_batas_penerusan": "Batas penerusan pengaduan",
    "pengaduan_batas_tindak_lanjut": "Batas tindak lanjut pengaduan",
}


def template_label(key: str | None) -> str:
    """The Indonesian name of a mail template; an unknown key in plain words, never raw."""
    key = key or ""
    return TEMPLATE_LABELS.get(key) or key.replace("_", " ").capitalize() or "-"


def _recipients(instance: ProcessInstance, to: str) -> list[str]:
    """E-mail addresses for 'pemohon' (the case owner) or a role key (OPD officers: the case's OPD)."""
    if to == "pemohon":
        address = db.session.scalar(sa.select(User.email).where(User.id == instance.applicant_id)) \
            if instance.applicant_id else None
        address = address or instance.case_data.get("email")
        return [address] if address else []
    # by index, never a read of every account: the role's holders, or the case's OPD's officers holding it
    if to == "opd":
        query = db.select(User.email).join(user_opd, user_opd.c.user_id == User.id).where(
            user_opd.c.opd_code == instance.opd_code, holds(to))
    else:
        query = db.select(User.email).join(UserRole, UserRole.user_id == User.id).where(UserRole.role_key == to)
    query = query.where(User.active.is_(True), User.email.is_not(None))
    return sorted({email for email in db.session.scalars(query) if email})


def _next_limit(instance: ProcessInstance, timers: list | None = None) -> str | None:
    """The date of the case's nearest running legal limit (`TimerJob.is_legal`), e.g. "Kamis, 10 Desember
    2026": mails name the day, not only the number of working days. `timers`: the case's timer rows as the
    step just synced them (then nothing is read)."""
    if timers is not None:
        due = min((row.due_at for row in timers if row.legal and row.due_at is not None), default=None)
    else:
        due = db.session.scalar(db.select(TimerJob.due_at).where(TimerJob.instance_id == instance.id,
                                                                 TimerJob.is_legal())
                                .order_by(TimerJob.due_at).limit(1))
    return format_tanggal(due) if due is not None else None


def _render(template: str, instance: ProcessInstance, next_limit: str | None) -> tuple[str, str]:
    context = {"case": instance, "data": instance.case_data, "base_url": setting("PPID_BASE_URL"),
               "format_waktu": format_waktu, "batas_berikut": next_limit}
    try:
        text = render_template(f"mail/{template}.txt", **context)
    except TemplateNotFound:
        text = render_template("mail/_umum.txt", template=template, **context)
    subject, _, body = text.strip().partition("\n")
    return subject.removeprefix("Subject:").strip(), body.strip() + "\n"


def _may_receive(to: str, lanes: frozenset[str]) -> bool:
    """Mail goes only to the applicant, a lane of the case's process or a known staff role (ASVS 8.3.x)."""
    if to == "pemohon":
        return True
    return to in lanes or db.session.get(Role, to) is not None


def queue(instance: ProcessInstance, notifications: list[tuple[str, str]], now: datetime,
          lanes: frozenset[str] | None = None, timers: list | None = None) -> list[dict]:
    """Write outbox rows for the (recipient, template) pairs a step asked for (flush only); `lanes`: those of
    the case's process (read from its definition when not given); `timers`: the case's timer rows as the step
    just synced them (read when not given)."""
    if not notifications:
        return []
    if lanes is None:
        lanes = frozenset(m.lane for m in definition_for(instance).user_tasks.values() if m.lane)
    next_limit = _next_limit(instance, timers)
    written = []
    for to, template in notifications:
        if not _may_receive(to, lanes):  # the import refuses this (app/engine/lint.py); a stored old model: kept out
            written.append({"to": to, "address": None, "template": template, "ditolak": "bukan pemohon atau peran"})
            continue
        subject, body = _render(template, instance, next_limit)
        addresses = _recipients(instance, to)
        for address in addresses:
            db.session.add(Outbox(instance_id=instance.id, template=template, recipient=address, subject=subject,
                                  body=body, created_at=now, next_attempt_at=now))
            written.append({"to": to, "address": address, "template": template})
        if not addresses:  # asked for, nobody to send it to (e.g. no active account in that role): said so
            written.append({"to": to, "address": None, "template": template})
    db.session.flush()
    return written


def deliver_pending(now: datetime, limit: int = 100) -> tuple[int, int]:
    """Send due outbox rows; each row is committed on its own. Returns (sent, failed).

    One row's failure, whatever it is (a refused server, an address or subject holding a line break from an old
    row), is recorded on that row with its attempt count, error and next attempt (`BACKOFF`), and the sweep goes
    on with the rows behind it; after `MAX_ATTEMPTS` the row is marked given up (`failed_at`)."""
    ids = list(db.session.scalars(
        db.select(Outbox.id).where(Outbox.sent_at.is_(None), Outbox.failed_at.is_(None),
                                   Outbox.attempts < MAX_ATTEMPTS, Outbox.next_attempt_at <= now)
        .order_by(Outbox.id).limit(limit)))
    sent = failed = 0
    for row_id in ids:
        if deliver_one(row_id, now):
            sent += 1
        else:
            failed += 1
    return sent, failed


def deliver_one(row_id: int, now: datetime) -> bool:
    """Try one outbox row now and commit what happened; True when it was sent. Never raises for the mail's
    own failure (it is recorded on the row)."""
    row = db.session.get(Outbox, row_id)
    if row is None or row.sent_at is not None:
        return False
    try:
        _send(row)
    except Exception as exc:  # noqa: BLE001 - any failure stays with its row
        db.session.rollback()
        _record_failure(row_id, exc, now)
        return False
    row.sent_at, row.last_attempt_at, row.failed_at = now, now, None
    db.session.commit()
    return True


def retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt a mail is tried again."""
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def _record_failure(row_id: int, exc: Exception, now: datetime) -> None:
    row = db.session.get(Outbox, row_id)
    row.attempts += 1
    row.last_attempt_at = now
    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.failed_at = now
    else:
        row.next_attempt_at = now + retry_delay(row.attempts)
    db.session.commit()
    current_app.logger.warning("mail %s failed (attempt %s): %s", row_id, row.attempts, row.last_error)


def _message(row: Outbox) -> EmailMessage:
    """The message; an address that is not one, or a header value with a control character, is refused here
    (rows written before addresses were checked strictly may hold one)."""
    try:
        recipient = normalize_address(row.recipient)
    except InvalidAddress as exc:
        raise UnsafeHeader(f"Alamat penerima ditolak: {exc}") from exc
    msg = EmailMessage()
    msg["From"] = safe_header("From", str(setting("PPID_MAIL_FROM")))
    msg["To"] = safe_header("To", recipient)
    msg["Subject"] = safe_header("Subject", row.subject)
    msg["Message-ID"] = make_msgid(domain="ppid.local")
    msg.set_content(row.body)
    return msg


def _send(row: Outbox) -> None:
    msg = _message(row)
    if setting("PPID_MAIL_BACKEND") == "smtp":
        with smtplib.SMTP(setting("PPID_SMTP_HOST"), int(setting("PPID_SMTP_PORT")), timeout=20) as smtp:
            if setting("PPID_SMTP_STARTTLS"):
                smtp.starttls()
            if setting("PPID_SMTP_USER"):
                smtp.login(setting("PPID_SMTP_USER"), setting("PPID_SMTP_PASSWORD"))
            smtp.send_message(msg)
        return
    folder = Path(setting("PPID_MAIL_DIR"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{row.id:08d}.eml").write_bytes(bytes(msg))
    current_app.logger.debug("mail %s written to %s", row.id, folder)


def queue_direct(address: str, template: str, now: datetime, **context) -> None:
    """Queue a mail that belongs to no case (e-mail confirmation, digests); flush only."""
    text = render_template(f"mail/{template}.txt", base_url=setting("PPID_BASE_URL"), **context)
    subject, _, body = text.strip().partition("\n")
    db.session.add(Outbox(instance_id=None, template=template, recipient=address,
                          subject=subject.removeprefix("Subject:").strip(), body=body.strip() + "\n",
                          created_at=now, next_attempt_at=now))
    db.session.flush()
