"""An applicant withdraws a request before the written notice (recorded, with its date and reason).

The model says when a request can be withdrawn: a message event waiting for the message WITHDRAWAL (the request
process attaches one to its steps before the notice, "Permohonan dicabut"). The service delivers that message; the
model records the status "Ditarik" and the date, mails the applicant and the officers, and ends the case.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.domain import data_contract as contract
from app.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.domain.messages import WITHDRAWAL
from app.persistence.models import ProcessInstance, db

from app.services.casework.access import ON_BEHALF_ROLES, may_read_case
from app.services.infrastructure.context import Actor, engine
from app.services.casework.counter import check_channel
from app.services.casework.incidents import MESSAGE, guard, records_incidents
from app.services.casework.steps import definition_for, instance_options, new_context, persist_run
from app.services.infrastructure.transaction import use_case

#: the audit event of a message the case received (WITHDRAWAL: the message the model waits for while a request
#: may still be withdrawn, app/domain/messages.py)
EVENT = "message_received"
REASON_MAX = 1000
TOO_LATE = ("Permohonan ini tidak dapat dicabut lagi: pemberitahuan tertulis sudah terbit atau permohonan sudah "
            "selesai.")


def _instance(registration_number: str) -> ProcessInstance:
    instance = db.session.scalar(sa.select(ProcessInstance).options(*instance_options())
                                 .filter_by(registration_number=registration_number))
    if instance is None:
        raise NotFound("Permohonan tidak ditemukan.")
    return instance


def _allowed(actor: Actor, instance: ProcessInstance, on_behalf: str | None) -> bool:
    if on_behalf is not None:
        return bool(actor.roles & ON_BEHALF_ROLES)
    return actor.user_id is not None and instance.applicant_id == actor.user_id


def may_withdraw(actor: Actor, instance: ProcessInstance) -> bool:
    """Whether the page offers the withdrawal: the applicant's own unfinished case whose notice is not out (the
    engine decides on submission)."""
    data = instance.case_data or {}
    return (_allowed(actor, instance, None) and not instance.finished and not data.get(contract.PEMBERITAHUAN_TERBIT)
            and contract.RINCIAN_INFORMASI in data)


@records_incidents
@use_case
def withdraw_request(actor: Actor, registration_number: str, reason: str, now: datetime,
                     on_behalf: str | None = None) -> str:
    """Withdraw the request; `on_behalf`: an officer records a withdrawal brought to the counter, by phone or by
    letter (its channel). Returns the case's status afterwards."""
    if on_behalf is not None:
        check_channel(on_behalf)
    instance = _instance(registration_number)
    if not _allowed(actor, instance, on_behalf):
        if on_behalf is None and not may_read_case(actor, instance):  # a stranger: as if the number did not exist
            raise NotFound("Permohonan tidak ditemukan.")
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"alasan_pencabutan": ["Wajib diisi."]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"alasan_pencabutan": [f"Paling banyak {REASON_MAX} karakter."]})
    retry = {"reason": reason, "on_behalf": on_behalf}  # what a retry needs (app/services/casework/incidents.py)
    with guard(MESSAGE, actor, now, instance=instance, retry=retry):
        run = engine().open(definition_for(instance), instance.state, new_context(now))
        if instance.finished or WITHDRAWAL not in run.waiting_messages():
            raise Conflict(TOO_LATE)
        submitted = {"alasan_pencabutan": reason}
        run.receive(WITHDRAWAL, submitted)
        extra = {"message": WITHDRAWAL, **({"atas_nama_pemohon": True, "kanal": on_behalf} if on_behalf else {})}
        persist_run(instance, run, actor, now, EVENT, submitted=submitted, data_changes=submitted,
                    payload_extra=extra)
    return instance.status
