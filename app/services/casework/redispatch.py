"""Send a case waiting at one OPD on to another (Diskominfo), e.g. when no one at the first OPD
can answer it. The open OPD task moves with the case; the history records who, why and where.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.domain import roles
from app.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.persistence.models import HumanTask, Opd, ProcessInstance, db

from app.services.infrastructure.context import Actor, engine
from app.services.people.roles import opd_scoped_roles
from app.services.people.staffing import UNSTAFFED_MESSAGE, staffed_opd_codes
from app.services.casework.steps import definition_for, instance_options, new_context, persist_run
from app.services.infrastructure.transaction import use_case

EVENT = "case_redispatched"
#: who may send a case on: the PPID Utama's officers and its head
REDISPATCHERS = frozenset({roles.DISKOMINFO, roles.KEPALA_DISKOMINFO})
REASON_MAX = 1000


@dataclass(frozen=True)
class Redispatched:
    registration_number: str
    from_opd: str | None
    to_opd: str


def may_redispatch(actor: Actor) -> bool:
    return bool(actor.roles & REDISPATCHERS)


def opd_tasks(instance_id: int) -> list[HumanTask]:
    """The case's open tasks that an OPD works (the ones a re-dispatch moves)."""
    scoped = opd_scoped_roles()
    return [row for row in db.session.scalars(sa.select(HumanTask).filter_by(instance_id=instance_id))
            if row.lane in scoped]


@use_case
def redispatch_case(actor: Actor, registration_number: str, opd_code: str, reason: str,
                    now: datetime) -> Redispatched:
    if not may_redispatch(actor):
        raise Forbidden("Hanya petugas PPID Diskominfo yang dapat meneruskan kasus ke OPD lain.")
    instance = db.session.scalar(sa.select(ProcessInstance).options(*instance_options())
                                 .filter_by(registration_number=registration_number))
    if instance is None:
        raise NotFound("Kasus tidak ditemukan.")
    if instance.finished or not opd_tasks(instance.id):
        raise Conflict("Kasus ini tidak sedang menunggu jawaban OPD; tidak ada yang dapat diteruskan.")
    errors: dict[str, list[str]] = {}
    opd_code, reason = (opd_code or "").strip(), (reason or "").strip()
    if not opd_code:
        errors["opd"] = ["Wajib diisi."]
    elif opd_code == instance.opd_code:
        errors["opd"] = ["Kasus ini sudah berada di OPD tersebut; pilih OPD lain."]
    elif opd_code not in staffed_opd_codes():
        known = db.session.get(Opd, opd_code)
        errors["opd"] = [UNSTAFFED_MESSAGE if known is not None and known.active else "Pilihan tidak tersedia."]
    if not reason:
        errors["alasan"] = ["Wajib diisi."]
    elif len(reason) > REASON_MAX:
        errors["alasan"] = [f"Paling banyak {REASON_MAX} karakter."]
    if errors:
        raise ValidationFailed(errors)
    before = instance.opd_code
    for row in opd_tasks(instance.id):  # a claim by the first OPD's officer does not travel with the case
        row.claimed_by_id = row.claimed_by_name = row.claimed_at = None
    run = engine().open(definition_for(instance), instance.state, new_context(now))
    run.set_data({"opd": opd_code})
    persist_run(instance, run, actor, now, EVENT, submitted={"opd": opd_code, "alasan": reason},
                data_changes={"opd": opd_code}, payload_extra={"from_opd": before})
    return Redispatched(instance.registration_number, before, opd_code)
