"""Administration: accounts, OPDs, calendar edits, the outbox. One transaction per use case; admins only."""
from __future__ import annotations

import email
import email.policy
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.domain import roles
from app.domain.addresses import InvalidAddress, is_valid_address, normalize_address
from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.persistence.models import Holiday, Opd, Outbox, Setting, User, db

from app.services.infrastructure import calendar as calendar_service
from app.services.infrastructure import notifications
from app.services.people.accounts import create_user, email_in_use
from app.services.people.roles import ordered_role_keys
from app.services.infrastructure.context import Actor, setting
from app.services.infrastructure.transaction import use_case
from app.services.people import sessions

USERNAME = re.compile(r"^[A-Za-z0-9._]{3,80}$")
OPD_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
OUTBOX_PAGE = 100


def _require_admin(actor: Actor) -> None:
    if roles.ADMIN not in actor.roles:
        raise Forbidden()


def new_password() -> str:
    """A random password of 16 URL-safe characters (shown once to the admin)."""
    return secrets.token_urlsafe(12)


# --------------------------------------------------------------------------- reading

def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.username)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Pengguna tidak ditemukan.")
    return user


def list_opds() -> list[Opd]:
    return list(db.session.scalars(sa.select(Opd).order_by(Opd.active.desc(), Opd.name)))


def calendar_edits() -> list[Holiday]:
    return list(db.session.scalars(sa.select(Holiday).order_by(Holiday.day)))


def cuti_bersama_working() -> bool:
    return db.session.scalar(sa.select(Setting.value).filter_by(key=calendar_service.CUTI_BERSAMA_KEY)) == "1"


def latest_outbox(limit: int = OUTBOX_PAGE, unsent_only: bool = False) -> list[Outbox]:
    """The latest mails; with `unsent_only`, those still waiting or given up (never sent)."""
    query = sa.select(Outbox).order_by(Outbox.id.desc()).limit(limit)
    if unsent_only:
        query = query.where(Outbox.sent_at.is_(None))
    return list(db.session.scalars(query))




@dataclass(frozen=True)
class OutboxMessage:
    row: Outbox
    #: the .eml file the folder backend wrote (None for SMTP, or before delivery)
    file_text: str | None
    backend: str


def outbox_message(actor: Actor, outbox_id: int) -> OutboxMessage:
    _require_admin(actor)
    row = db.session.get(Outbox, outbox_id)
    if row is None:
        raise NotFound("Surat tidak ditemukan.")
    backend = str(setting("PPID_MAIL_BACKEND"))
    text = None
    if backend == "folder":
        path = Path(setting("PPID_MAIL_DIR")) / f"{row.id:08d}.eml"
        if path.is_file():
            text = _eml_text(path.read_bytes())
    return OutboxMessage(row, text, backend)


NOT_SENDABLE = "Alamat penerima surat ini tidak valid (atau sudah dihapus): surat tidak dapat dikirim ulang."


def send_mail_again(actor: Actor, outbox_id: int, now: datetime) -> bool:
    """"Kirim ulang": try an unsent mail now, even one whose delivery gave up; True when it went out.

    The attempt is recorded on the row as the worker's are (attempts, error, next attempt)."""
    _require_admin(actor)
    row = db.session.get(Outbox, outbox_id)
    if row is None:
        raise NotFound("Surat tidak ditemukan.")
    if row.sent_at is not None:
        raise ValidationFailed({"": ["Surat ini sudah terkirim."]})
    if not is_valid_address(row.recipient):
        raise ValidationFailed({"": [NOT_SENDABLE]})
    return notifications.deliver_one(row.id, now)


def _eml_text(raw: bytes) -> str:
    """Headers and decoded text of a written .eml file (whatever transfer encoding it used)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    headers = "\n".join(f"{k}: {v}" for k, v in message.items())
    part = message.get_body(preferencelist=("plain",)) or message
    try:
        body = part.get_content()
    except (KeyError, LookupError):
        body = raw.decode("utf-8", errors="replace")
    return f"{headers}\n\n{body}"


# --------------------------------------------------------------------------- accounts

def _check_account(values: dict, problems: dict, user_id: int | None = None) -> tuple[list[str], list[str]]:
    """Validate full name, e-mail (one address, one account), roles and OPDs; return (roles, OPD codes)."""
    if not values.get("full_name", "").strip():
        problems["full_name"] = ["Wajib diisi."]
    elif len(values["full_name"].strip()) > 200:
        problems["full_name"] = ["Paling banyak 200 karakter."]
    if len((values.get("jabatan") or "").strip()) > 200:
        problems["jabatan"] = ["Paling banyak 200 karakter."]
    email = (values.get("email") or "").strip()
    if email:
        try:
            email = values["email"] = normalize_address(values["email"])
        except InvalidAddress as exc:
            problems["email"] = [str(exc)]
        else:
            if email_in_use(email, user_id):
                problems["email"] = ["Alamat e-mail ini sudah dipakai akun lain."]
    known = ordered_role_keys()
    role_keys = [r for r in known if r in set(values.get("roles") or [])]
    if set(values.get("roles") or []) - set(known):
        problems["roles"] = ["Peran tidak dikenal."]
    elif not role_keys:
        problems["roles"] = ["Pilih paling sedikit satu peran."]
    codes = sorted(set(values.get("opds") or []))
    known = set(db.session.scalars(sa.select(Opd.code).where(Opd.code.in_(codes)))) if codes else set()
    if set(codes) - known:
        problems["opds"] = ["OPD tidak dikenal."]
    elif roles.OPD in role_keys and not codes:
        problems["opds"] = ["Petugas PPID Pelaksana harus ditautkan ke paling sedikit satu OPD."]
    return role_keys, codes


@use_case
def create_account(actor: Actor, values: dict, now: datetime) -> tuple[User, str]:
    """A new account with a random password; returns the user and the password (to show once)."""
    _require_admin(actor)
    problems: dict[str, list[str]] = {}
    username = (values.get("username") or "").strip()
    if not USERNAME.match(username):
        problems["username"] = ["Nama pengguna 3-80 huruf/angka (boleh titik dan garis bawah)."]
    elif db.session.scalar(sa.select(User.id).filter_by(username=username)) is not None:
        problems["username"] = ["Nama pengguna sudah dipakai."]
    role_keys, codes = _check_account(values, problems)
    if problems:
        raise ValidationFailed(problems)
    password = new_password()
    user = create_user(username, values["full_name"].strip(), password, now, role_keys,
                       email=(values.get("email") or "").strip() or None, opd_codes=codes)
    user.jabatan = (values.get("jabatan") or "").strip() or None
    user.must_change_password = True  # the administrator knows it: its owner chooses their own at first sign-in
    return user, password


@use_case
def update_account(actor: Actor, user_id: int, values: dict, now: datetime) -> User:
    """Change name, position, e-mail, roles, OPDs and whether the account is active."""
    _require_admin(actor)
    user = get_user(user_id)
    problems: dict[str, list[str]] = {}
    role_keys, codes = _check_account(values, problems, user.id)
    active = bool(values.get("active"))
    if user.id == actor.user_id:
        if not active:
            problems["active"] = ["Anda tidak dapat menonaktifkan akun Anda sendiri."]
        if roles.ADMIN not in role_keys:
            problems["roles"] = ["Anda tidak dapat mencabut peran Administrator dari akun Anda sendiri."]
    if problems:
        raise ValidationFailed(problems)
    user.full_name = values["full_name"].strip()
    user.jabatan = (values.get("jabatan") or "").strip() or None
    user.email = (values.get("email") or "").strip() or None
    user.roles = " ".join(role_keys)
    user.opds = [db.session.get(Opd, c) for c in codes]
    if user.active and not active:
        sessions.end_all(user, sessions.DEACTIVATED, now)  # sessions of a deactivated account end for good
    user.active = active
    db.session.flush()
    return user


@use_case
def reset_password(actor: Actor, user_id: int, now: datetime) -> tuple[User, str]:
    """Give the account a new random password (shown once); its sessions end."""
    _require_admin(actor)
    user = get_user(user_id)
    password = new_password()
    user.password_hash = generate_password_hash(password)
    user.must_change_password = True
    sessions.end_all(user, sessions.PASSWORD_RESET, now)
    return user, password


# --------------------------------------------------------------------------- OPDs

def _check_opd_name(name: str, problems: dict) -> str:
    name = (name or "").strip()
    if not name:
        problems["name"] = ["Wajib diisi."]
    elif len(name) > 200:
        problems["name"] = ["Paling banyak 200 karakter."]
    return name


@use_case
def create_opd(actor: Actor, code: str, name: str) -> Opd:
    _require_admin(actor)
    problems: dict[str, list[str]] = {}
    code = (code or "").strip().upper()
    if not OPD_CODE.match(code):
        problems["code"] = ["Kode 2-32 huruf besar, angka atau tanda hubung, mis. DISPERKIM."]
    elif db.session.get(Opd, code) is not None:
        problems["code"] = ["Kode OPD sudah dipakai."]
    name = _check_opd_name(name, problems)
    if problems:
        raise ValidationFailed(problems)
    opd = Opd(code=code, name=name, active=True)
    db.session.add(opd)
    db.session.flush()
    return opd


def _opd(code: str) -> Opd:
    opd = db.session.get(Opd, code)
    if opd is None:
        raise NotFound("OPD tidak ditemukan.")
    return opd


@use_case
def rename_opd(actor: Actor, code: str, name: str) -> Opd:
    _require_admin(actor)
    opd = _opd(code)
    problems: dict[str, list[str]] = {}
    name = _check_opd_name(name, problems)
    if problems:
        raise ValidationFailed(problems)
    opd.name = name
    return opd


@use_case
def set_opd_active(actor: Actor, code: str, active: bool) -> Opd:
    """Deactivate (or reactivate) an OPD: inactive OPDs are no longer offered when dispatching a case."""
    _require_admin(actor)
    opd = _opd(code)
    opd.active = active
    return opd


# --------------------------------------------------------------------------- calendar

CALENDAR_KINDS = ("libur", "kerja")


def edit_calendar(actor: Actor, day_text: str, name: str, kind: str) -> date:
    """Validate and store a calendar edit: an extra day off ('libur') or an official holiday worked ('kerja')."""
    _require_admin(actor)
    problems: dict[str, list[str]] = {}
    try:
        day = date.fromisoformat((day_text or "").strip())
    except ValueError:
        problems["day"] = ["Tanggal tidak valid (format TTTT-BB-HH)."]
        day = None
    name = (name or "").strip()
    if kind not in CALENDAR_KINDS:
        problems["kind"] = ["Pilih jenis perubahan."]
    if kind == "libur" and not name:
        problems["name"] = ["Wajib diisi untuk hari libur tambahan."]
    if len(name) > 200:
        problems["name"] = ["Paling banyak 200 karakter."]
    if problems:
        raise ValidationFailed(problems)
    calendar_service.set_calendar_day(day, name or "Ditetapkan sebagai hari kerja", day_off=kind == "libur")
    return day


def remove_calendar_edit(actor: Actor, day_text: str) -> bool:
    _require_admin(actor)
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise NotFound("Tanggal tidak ditemukan.") from None
    return calendar_service.clear_calendar_day(day)


def set_cuti_bersama(actor: Actor, working: bool) -> None:
    _require_admin(actor)
    calendar_service.set_cuti_bersama_working(working)


def closing_time() -> str:
    """The closing time as the admin page shows it ("16:00"), or "" when none is set."""
    value = calendar_service.parse_closing_time(
        db.session.scalar(sa.select(Setting.value).filter_by(key=calendar_service.CLOSING_TIME_KEY)))
    return value.strftime("%H:%M") if value is not None else ""


def set_closing_time(actor: Actor, text: str) -> None:
    """"16:00" sets the closing time; empty removes it. Anything else is refused with a message."""
    _require_admin(actor)
    text = (text or "").strip()
    value = calendar_service.parse_closing_time(text) if text else None
    if text and value is None:
        raise ValidationFailed({"jam_tutup": ["Isi jam dalam format JJ:MM, misalnya 16:00, atau kosongkan."]})
    calendar_service.set_closing_time(value)
