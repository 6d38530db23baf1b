"""Accounts and OPDs: creating users, checking passwords, the demo data set."""
from __future__ import annotations

from datetime import datetime

from werkzeug.security import check_password_hash, generate_password_hash

from app.domain import roles
from app.domain.errors import Conflict
from app.persistence.models import Opd, User, db

from .context import Actor
from .transaction import use_case

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


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, full_name=user.full_name,
                 roles=user.role_set, opd_codes=frozenset(o.code for o in user.opds))


def create_user(username: str, full_name: str, password: str, now: datetime, role_keys: list[str],
                email: str | None = None, opd_codes: list[str] = (), confirmed: bool = True) -> User:
    """Add an account (flush only)."""
    if db.session.scalar(db.select(User).filter_by(username=username)) is not None:
        raise Conflict(f"Nama pengguna '{username}' sudah dipakai.")
    unknown = set(role_keys) - set(roles.ROLES)
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
            create_user(username, full_name, password, now, role_keys, email=f"{username}@contoh.pasuruankab.go.id",
                        opd_codes=opds)
            created.append((username, full_name, " ".join(role_keys)))
    return created


def is_empty() -> bool:
    return db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
