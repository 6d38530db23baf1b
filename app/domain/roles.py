"""User roles and the BPMN lanes that map to them."""

from __future__ import annotations

import re

PEMOHON = "pemohon"
DISKOMINFO = "diskominfo"
KEPALA_DISKOMINFO = "kepala_diskominfo"
OPD = "opd"
ATASAN_PPID = "atasan_ppid"
AUDITOR = "auditor"
PROCESS_OWNER = "process_owner"
ADMIN = "admin"

ROLE_LABELS: dict[str, str] = {
    PEMOHON: "Pemohon",
    DISKOMINFO: "Petugas PPID Diskominfo",
    KEPALA_DISKOMINFO: "Kepala Diskominfo",
    OPD: "Petugas PPID Pelaksana OPD",
    ATASAN_PPID: "Atasan PPID",
    AUDITOR: "Auditor",
    PROCESS_OWNER: "Pemilik Proses",
    ADMIN: "Administrator",
}

ROLES: tuple[str, ...] = tuple(ROLE_LABELS)

# BPMN lane name -> role key allowed to work the lane's tasks.
LANE_ROLES: dict[str, str] = {
    lane: lane for lane in (PEMOHON, DISKOMINFO, OPD, ATASAN_PPID, KEPALA_DISKOMINFO)
}

# Every role except the applicant.
STAFF_ROLES: frozenset[str] = frozenset(ROLES) - {PEMOHON}


#: printed under a signer's name when the account states no position (Jabatan) of its own
SIGNER_TITLES = {DISKOMINFO: "Pejabat Pengelola Informasi dan Dokumentasi", ATASAN_PPID: "Atasan PPID"}


def role_label(role: str) -> str:
    """Indonesian label of a role key; the key itself when unknown."""
    return ROLE_LABELS.get(role, role)


def is_staff(role: str) -> bool:
    """True for any role other than the applicant."""
    return role in STAFF_ROLES


#: what a role key (and so a lane name) looks like
ROLE_KEY = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
