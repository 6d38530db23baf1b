"""Requests brought to the counter, by phone or by letter (UU 14/2008 art. 22(1),(3); Perki 1/2021).

Unwritten requests are recorded by the office: a Diskominfo officer enters the request, or a later step of the
applicant (an objection delivered on paper), on the applicant's behalf, with the channel it came by. Such a case
has no account behind it; the applicant takes the printed receipt at once and may later claim the case online
with its registration number and NIK.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.domain import data_contract as contract
from app.domain.errors import Forbidden, NotFound, ValidationFailed
from app.persistence.models import HumanTask, LoginAttempt, ProcessInstance, db

from app.services.records import audit
from app.services.casework.access import ON_BEHALF_ROLES
from app.services.people.accounts import ATTEMPT_WINDOW, MAX_FAILURES_PER_USER, TooManyAttempts
from app.services.infrastructure.context import Actor
from app.services.infrastructure.transaction import use_case

#: the case data key a start form names (with "x-kanal": true) to carry the channel; the server sets it
CHANNEL_KEY = contract.KANAL_PERMOHONAN
ONLINE = "daring"
#: the channels an officer records on an applicant's behalf, in the words of the register
CHANNELS = {"loket": "Datang langsung (loket)", "telepon": "Telepon", "surat": "Surat / faksimili"}
CHANNEL_LABELS = {ONLINE: "Daring (situs/aplikasi)", **CHANNELS}
CLAIM_REFUSED = ("Nomor pendaftaran dan NIK tidak cocok dengan permohonan yang dapat diklaim. Periksa kembali "
                 "tanda terima dari petugas.")


def channel_label(value) -> str:
    """The register's word for a case's channel; a case from before channels were recorded came online."""
    return CHANNEL_LABELS.get(str(value or ONLINE), str(value))


def check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValidationFailed({"kanal": ["Pilih cara permohonan diterima."]})


def check_officer(actor: Actor) -> None:
    if not actor.roles & ON_BEHALF_ROLES:
        raise Forbidden("Hanya petugas PPID yang dapat mencatat permohonan atas nama pemohon.")


def _claim_key(actor: Actor) -> str:
    return f"klaim:{actor.user_id}"


@use_case
def claim_case(actor: Actor, registration_number: str, nik: str, now: datetime) -> str:
    """The applicant of a request recorded at the counter takes it into their account: the registration number
    and the NIK (a legal entity: its deed number) must both match a case that has no account yet. Failures are counted like
    sign-ins (a NIK is not a password, but guessing must stay slow)."""
    if actor.user_id is None:
        raise Forbidden()
    key = _claim_key(actor)
    failures = db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key == key, LoginAttempt.success.is_(False), LoginAttempt.at > now - ATTEMPT_WINDOW))
    if failures >= MAX_FAILURES_PER_USER:
        raise TooManyAttempts("Terlalu banyak percobaan klaim. Coba lagi dalam 15 menit.")
    number, nik = (registration_number or "").strip().upper(), "".join((nik or "").split())
    instance = db.session.scalar(sa.select(ProcessInstance).filter_by(registration_number=number)) if number else None
    if instance is not None and instance.applicant_id == actor.user_id:  # sent twice (Back, a second tab): done
        return instance.registration_number
    data = (instance.case_data or {}) if instance is not None else {}
    # a person's NIK; a legal entity's deed number (its representative's NIK is not required)
    known = {str(data.get(key) or "").replace(" ", "").upper() for key in (contract.NIK, contract.NOMOR_AKTA)} - {""}
    matches = instance is not None and instance.applicant_id is None and bool(nik) and nik.upper() in known
    db.session.add(LoginAttempt(key=key, at=now, success=matches))
    if not matches:
        db.session.commit()  # the failed attempt must count even though we raise
        raise NotFound(CLAIM_REFUSED)
    instance.applicant_id = actor.user_id
    instance.updated_at = now
    db.session.execute(sa.update(HumanTask).where(HumanTask.instance_id == instance.id)
                       .values(applicant_id=actor.user_id))
    audit.append_event(instance, "case_claimed", actor, now, {"pemohon": actor.full_name})
    return instance.registration_number

