"""Accounts and OPDs: creating users, checking passwords, the demo data set."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from app.domain import roles
from app.domain.addresses import InvalidAddress, normalize_address
from app.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.persistence.models import LoginAttempt, Opd, User, db

from .context import Actor
from .notifications import queue_direct
from .roles import role_keys as known_role_keys
from .transaction import use_case
from . import sessions

#: the regency's OPDs that hold most requested information (code, name)
PASURUAN_OPDS = [
    ("SETDA", "Sekretariat Daerah"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika"),
    ("DISDIK", "Dinas Pendidikan"),
    ("DINKES", "Dinas Kesehatan"),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("DISPENDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("DINSOS", "Dinas Sosial"),
    ("DLH", "Dinas Lingkungan Hidup"),
    ("DISHUB", "Dinas Perhubungan"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("BAPPELITBANGDA", "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah"),
    ("BPKPD", "Badan Pengelolaan Keuangan dan Pendapatan Daerah"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah"),
    ("INSPEKTORAT", "Inspektorat Daerah"),
    ("RSUD-BANGIL", "RSUD Bangil"),
]

#: the position printed on the letters of the demo accounts that sign them
DEMO_POSITIONS = {"petugas": roles.SIGNER_TITLES[roles.DISKOMINFO],
                  "atasan": "Sekretaris Daerah Kabupaten Pasuruan (Atasan PPID)"}

#: demo accounts: username, full name, roles, OPD codes
DEMO_USERS = [
    ("pemohon", "Siti Aminah", [roles.PEMOHON], []),
    ("petugas", "Budi Santoso (Petugas PPID)", [roles.DISKOMINFO], []),
    ("kepala", "Dra. Endang Lestari (Kepala Diskominfo)", [roles.KEPALA_DISKOMINFO], []),
    ("opd", "Agus Prasetyo (PPID Pelaksana)", [roles.OPD], ["DISDIK", "DINKES"]),
    ("atasan", "Drs. Hadi Wibowo (Atasan PPID)", [roles.ATASAN_PPID], []),
    ("auditor", "Rina Kusuma (Auditor)", [roles.AUDITOR], []),
    ("pemilik", "Dewi Anggraini (Pemilik Proses)", [roles.PROCESS_OWNER], []),
    ("admin", "Administrator", [roles.ADMIN], []),
]


EMAIL_TAKEN = ("Alamat e-mail ini sudah dipakai akun lain. Bila itu akun Anda, masuk atau pilih "
               "'Lupa kata sandi' di halaman Masuk.")


def email_in_use(address: str, except_user_id: int | None = None) -> bool:
    """One e-mail address belongs to one account (case does not matter)."""
    query = sa.select(User.id).where(sa.func.lower(User.email) == address.strip().lower())
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return db.session.scalar(query.limit(1)) is not None


def contact_of(user_id: int | None) -> dict[str, str]:
    """The account's name and e-mail, to fill in a form the person starts."""
    user = db.session.get(User, user_id) if user_id is not None else None
    return {k: v for k, v in (("nama_lengkap", user and user.full_name), ("email", user and user.email)) if v}


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, full_name=user.full_name,
                 roles=user.role_set, opd_codes=frozenset(o.code for o in user.opds))


def create_user(username: str, full_name: str, password: str, now: datetime, role_keys: list[str],
                email: str | None = None, opd_codes: list[str] = (), confirmed: bool = True) -> User:
    """Add an account (flush only)."""
    if db.session.scalar(db.select(User).filter_by(username=username)) is not None:
        raise Conflict(f"Nama pengguna '{username}' sudah dipakai.")
    unknown = set(role_keys) - known_role_keys()
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    user = User(username=username, full_name=full_name, email=email, password_hash=generate_password_hash(password),
                roles=" ".join(role_keys), created_at=now, email_confirmed_at=now if confirmed else None,
                opds=[db.session.get(Opd, c) for c in opd_codes])
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(db.select(User).filter_by(username=username))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def ensure_opds() -> None:
    for code, name in PASURUAN_OPDS:
        if db.session.get(Opd, code) is None:
            db.session.add(Opd(code=code, name=name))
    db.session.flush()


@use_case
def load_demo_data(password: str, now: datetime) -> list[tuple[str, str, str]]:
    """OPDs and one account per role; returns (username, full name, roles) of those created."""
    ensure_opds()
    created = []
    for username, full_name, role_keys, opds in DEMO_USERS:
        if db.session.scalar(db.select(User).filter_by(username=username)) is None:
            user = create_user(username, full_name, password, now, role_keys,
                               email=f"{username}@contoh.pasuruankab.go.id", opd_codes=opds)
            user.jabatan = DEMO_POSITIONS.get(username)
            created.append((username, full_name, " ".join(role_keys)))
    return created


def is_empty() -> bool:
    return db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


class TooManyAttempts(DomainError):
    default_message = "Terlalu banyak percobaan masuk. Coba lagi dalam 15 menit."
    http_status = 429


class SignInRefused(DomainError):
    default_message = "Nama pengguna atau kata sandi salah."
    http_status = 401


ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20


def _recent_failures(key: str, now: datetime) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key == key, LoginAttempt.success.is_(False), LoginAttempt.at > now - ATTEMPT_WINDOW))


@use_case
def sign_in(username: str, password: str, address: str, now: datetime) -> User:
    """Check a password with rate limiting per username and per address; every attempt is recorded."""
    keys = (f"user:{username.lower()}", f"addr:{address}")
    if (_recent_failures(keys[0], now) >= MAX_FAILURES_PER_USER
            or _recent_failures(keys[1], now) >= MAX_FAILURES_PER_ADDRESS):
        raise TooManyAttempts()
    user = authenticate(username, password)
    for key in keys:
        db.session.add(LoginAttempt(key=key, at=now, success=user is not None))
    if user is None:
        db.session.commit()  # the failed attempt must count even though we raise
        raise SignInRefused()
    if user.email_confirmed_at is None:
        raise SignInRefused("Alamat e-mail belum dikonfirmasi. Buka tautan yang kami kirim ke e-mail Anda "
                            "atau pilih 'Kirim ulang e-mail konfirmasi'.")
    return user


@use_case
def register_applicant(username: str, full_name: str, email: str, password: str, now: datetime,
                       make_token) -> User:
    """A new applicant account, unconfirmed; the confirmation link goes out through the outbox."""
    problems = {}
    if len(password) < 10:
        problems["password"] = ["Kata sandi paling sedikit 10 karakter."]
    if not username.isascii() or not username.replace(".", "").replace("_", "").isalnum() or len(username) < 3:
        problems["username"] = ["Nama pengguna 3-80 huruf/angka (boleh titik dan garis bawah)."]
    try:
        email = normalize_address(email)
    except InvalidAddress as exc:
        problems["email"] = [str(exc)]
    if not full_name.strip():
        problems["full_name"] = ["Wajib diisi."]
    if db.session.scalar(db.select(User).filter_by(username=username)) is not None:
        problems["username"] = ["Nama pengguna sudah dipakai."]
    if "email" not in problems and email_in_use(email):
        problems["email"] = [EMAIL_TAKEN]
    if problems:
        raise ValidationFailed(problems)
    user = create_user(username, full_name.strip(), password, now, [roles.PEMOHON], email=email, confirmed=False)
    queue_direct(email, "konfirmasi_email", now, full_name=user.full_name, token=make_token(user.id))
    return user


@use_case
def confirm_email(user_id: int, now: datetime) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    return user


@use_case
def change_password(user_id: int, old: str, new: str, now: datetime | None = None,
                    keep_token: str | None = None) -> User:
    """Change a password; every other session of the user ends (keep_token's, the browser that
    changed it, goes on under the new session epoch)."""
    user = db.session.get(User, user_id)
    if user is None or not check_password_hash(user.password_hash, old):
        raise ValidationFailed({"old_password": ["Kata sandi lama salah."]})
    if len(new) < 10:
        raise ValidationFailed({"new_password": ["Kata sandi paling sedikit 10 karakter."]})
    user.password_hash = generate_password_hash(new)
    sessions.end_all(user, sessions.PASSWORD_CHANGED, now, keep_token=keep_token)
    return user
