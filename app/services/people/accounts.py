"""Accounts and OPDs: creating users, checking passwords, the demo data set."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from app.domain import roles
from app.domain.addresses import InvalidAddress, normalize_address
from app.domain.passwords import password_problems
from app.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.persistence.models import LoginAttempt, Opd, User, db

from app.services.infrastructure.context import Actor
from app.services.infrastructure.notifications import queue_direct
from app.services.people.roles import role_keys as known_role_keys
from app.services.infrastructure.transaction import use_case
from app.services.people import sessions, throttle

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


def user_by_id(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def actor_named(username: str) -> Actor | None:
    """The actor of the account `username` (an operator's `--by`), or None when there is none."""
    user = db.session.scalar(db.select(User).filter_by(username=username))
    return actor_for(user) if user is not None else None


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
    if user is None:
        check_password_hash(_NO_SUCH_USER_HASH, password)  # the same work as for a wrong password
        return None
    if not user.active or not check_password_hash(user.password_hash, password):
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


FIRST_ADMIN = "admin"


@use_case
def create_first_admin(now: datetime) -> tuple[str, str] | None:
    """On a database without any account: the first administrator, with a random password that
    must be changed at its first sign-in. Returns (username, password) to be shown once (never
    logged); None when accounts exist already."""
    if not is_empty():
        return None
    ensure_opds()
    password = secrets.token_urlsafe(12)
    user = create_user(FIRST_ADMIN, "Administrator", password, now, [roles.ADMIN])
    user.must_change_password = True
    return user.username, password


class TooManyAttempts(DomainError):
    default_message = "Terlalu banyak percobaan masuk. Coba lagi dalam 15 menit."
    http_status = 429

    def __init__(self, message: str | None = None, retry_after: int = 900) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SignInRefused(DomainError):
    default_message = "Nama pengguna atau kata sandi salah."
    http_status = 401


#: the claim of a counter case by its NIK (services.casework.counter) keeps a fixed window
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5

#: checked against when the username is unknown, so that an unknown name takes as long as a wrong password
_NO_SUCH_USER_HASH = generate_password_hash("tidak-ada-akun-dengan-nama-ini")


@use_case
def sign_in(username: str, password: str, address: str, now: datetime, trusted_device: bool = False) -> User:
    """Check a password, slowed down per username and per client address (services.people.throttle); every
    checked attempt is recorded. `trusted_device`: the browser signed in to this account before, so
    someone guessing at it does not keep its owner out. The answers are the same whether or not the
    account exists."""
    keys = (throttle.account_key(username), throttle.address_key(address))
    if not trusted_device:
        wait = max(throttle.wait_for(keys[0], throttle.FREE_PER_ACCOUNT, now),
                   throttle.wait_for(keys[1], throttle.FREE_PER_ADDRESS, now))
        if wait:
            raise TooManyAttempts(f"Terlalu banyak percobaan masuk yang salah. Coba lagi dalam "
                                  f"{throttle.wait_words(wait)}.", retry_after=wait)
    user = authenticate(username, password)
    # the owner signing in on a trusted device does not give whoever guesses at the account a fresh start
    throttle.record(keys[1:] if trusted_device and user is not None else keys, user is not None, now)
    if user is None:
        db.session.commit()  # the failed attempt must count even though we raise
        raise SignInRefused()
    if user.email_confirmed_at is None:
        raise SignInRefused("Alamat e-mail belum dikonfirmasi. Buka tautan yang kami kirim ke e-mail Anda "
                            "atau pilih 'Kirim ulang e-mail konfirmasi'.")
    return user


REGISTERED = "Pendaftaran diterima. Buka tautan yang kami kirim ke e-mail Anda untuk melanjutkan."
REGISTRATIONS_PER_ADDRESS = 20   # registrations sent from one client address per hour
REGISTRATIONS_PER_EMAIL = 3      # mails one e-mail address receives from registrations per hour
REGISTRATION_WINDOW = timedelta(hours=1)


class TooManyRegistrations(DomainError):
    default_message = "Terlalu banyak pendaftaran dari alamat ini. Coba lagi dalam 1 jam."
    http_status = 429
    retry_after = 3600


def _registration_allowed(email: str, address: str, now: datetime) -> tuple[bool, bool]:
    """(this client may register now, this e-mail address may get another mail); records the try."""
    keys = (f"daftar:addr:{address}"[:200], f"daftar:email:{email.lower()}"[:200])
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key == key, LoginAttempt.at > now - REGISTRATION_WINDOW)) for key in keys]
    if counts[0] >= REGISTRATIONS_PER_ADDRESS:
        return False, False
    throttle.record(keys, False, now)
    return True, counts[1] < REGISTRATIONS_PER_EMAIL


@use_case
def register_applicant(username: str, full_name: str, email: str, password: str, now: datetime,
                       make_token, address: str = "unknown") -> str:
    """A new applicant account, unconfirmed; the confirmation link goes out through the outbox.

    The answer (REGISTERED) never tells whether a username or address is already held: then no
    account is made and the mail to the address says why (to the holder of an address already in
    use: their username and the way to reset the password). Returns the answer for the page."""
    problems = password_problems(password, (username, full_name, email))
    problems = {"password": problems} if problems else {}
    if not username.isascii() or not username.replace(".", "").replace("_", "").isalnum() or not 3 <= len(username) <= 80:
        problems["username"] = ["Nama pengguna 3-80 huruf/angka (boleh titik dan garis bawah)."]
    try:
        email = normalize_address(email)
    except InvalidAddress as exc:
        problems["email"] = [str(exc)]
    if not full_name.strip():
        problems["full_name"] = ["Wajib diisi."]
    if problems:
        raise ValidationFailed(problems)
    may_register, may_mail = _registration_allowed(email, address, now)
    if not may_register:
        db.session.commit()  # the try counts even though we raise
        raise TooManyRegistrations()
    holder = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()).limit(1))
    taken = db.session.scalar(db.select(User).filter_by(username=username)) is not None
    if holder is not None or taken:
        if may_mail:
            queue_direct(holder.email if holder else email, "pendaftaran_ganda", now, full_name=full_name.strip(),
                         username=username, holder=holder and holder.username)
        return REGISTERED
    user = create_user(username, full_name.strip(), password, now, [roles.PEMOHON], email=email, confirmed=False)
    queue_direct(email, "konfirmasi_email", now, full_name=user.full_name, token=make_token(user.id))
    return REGISTERED


@use_case
def confirm_email(user_id: int, now: datetime) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
    return user


@use_case
def change_password(user_id: int, old: str, new: str, now: datetime,
                    keep_token: str | None = None) -> User:
    """Change a password; every other session of the user ends (keep_token's, the browser that
    changed it, goes on under the new session epoch)."""
    user = db.session.get(User, user_id)
    if user is None or not check_password_hash(user.password_hash, old):
        raise ValidationFailed({"old_password": ["Kata sandi lama salah."]})
    problems = password_problems(new, (user.username, user.full_name, user.email))
    if not problems and new == old:
        problems = ["Kata sandi baru harus berbeda dari kata sandi lama."]
    if problems:
        raise ValidationFailed({"new_password": problems})
    user.password_hash = generate_password_hash(new)
    user.must_change_password = False
    sessions.end_all(user, sessions.PASSWORD_CHANGED, now, keep_token=keep_token)
    return user
