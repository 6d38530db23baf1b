"""Replay verification and chain check of one case, or of all cases in bounded batches (/audit/verifikasi).

Nothing here writes; the findings mask personal data as the actor's case view would (`audit_findings`)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.persistence.models import ProcessInstance, db

from app.services.views.audit_findings import Finding, chain_findings, replay_findings
from app.services.views.audit_roles import AUDIT_ROLES, require_role
from app.services.casework.cases import find_instance
from app.services.infrastructure.context import Actor

#: cases replayed per verification request (the page offers to go on with the next batch)
VERIFY_BATCH = 25
#: seconds one verification request may spend before it stops and offers to go on
VERIFY_SECONDS = 20.0


@dataclass
class VerificationRun:
    """One verification request: which cases were checked and what was found."""

    total: int  # cases in the database (or 1 for one case)
    checked: int = 0  # cases checked so far, this request and the ones before it
    steps: int = 0  # events replayed in this request
    findings: list[Finding] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # cases with a finding, this request and before
    notes: list[tuple[str, str]] = field(default_factory=list)
    next_after: int | None = None  # the last case id checked, when more remain
    single: str | None = None

    @property
    def done(self) -> bool:
        return self.next_after is None


def _check(actor: Actor, instance: ProcessInstance, run: VerificationRun) -> None:
    chain = chain_findings(instance)
    replayed, steps, note = replay_findings(actor, instance)
    run.checked += 1
    run.steps += steps
    if chain or replayed:
        run.findings += chain + replayed
        run.failed.append(instance.registration_number)
    if note:
        run.notes.append((instance.registration_number, note))


def verify_cases(actor: Actor, registration_number: str | None = None, after: int = 0, checked_before: int = 0,
                 failed_before: list[str] | None = None, batch: int | None = None,
                 seconds: float | None = None) -> VerificationRun:
    """Replay and chain-check one case, or the next batch of all cases after case id `after`.

    A batch stops after `batch` cases or `seconds`, whichever comes first; `next_after` then
    says where the next request goes on. Counts and failed cases carry over from earlier batches.
    """
    require_role(actor, AUDIT_ROLES)
    batch = batch or VERIFY_BATCH
    seconds = VERIFY_SECONDS if seconds is None else seconds
    if registration_number:
        instance = find_instance(registration_number)
        run = VerificationRun(total=1, single=instance.registration_number)
        _check(actor, instance, run)
        return run
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance)) or 0
    run = VerificationRun(total=total, checked=checked_before, failed=list(failed_before or []))
    ids = list(db.session.scalars(sa.select(ProcessInstance.id).where(ProcessInstance.id > after)
                                  .order_by(ProcessInstance.id).limit(batch + 1)))
    started = time.monotonic()
    last = after
    for index, instance_id in enumerate(ids[:batch]):
        if index and time.monotonic() - started > seconds:
            break
        instance = db.session.get(ProcessInstance, instance_id)
        _check(actor, instance, run)
        db.session.expire(instance)
        last = instance_id
    more = db.session.scalar(sa.select(sa.func.count()).select_from(ProcessInstance)
                             .where(ProcessInstance.id > last)) or 0
    run.next_after = last if more else None
    return run
