"""What-if on past cases (issue 17 item 4): a draft BPMN run against the recorded history before it is deployed.

One read-only use case. The draft passes the import's checks up to the lint (nothing is stored or written);
the finished cases of its process in the period chosen (the newest `limit` of them, by the day received, WIB)
are read from the audit history: the start form's answers and moment (`case_started` and the first
`task_completed`), every user task with the moment it opened (the first event whose `open_tasks` lists it) and
was done (its `task_completed` event, with the answers submitted), a withdrawal (`message_received`) and an OPD
set on a case sent on (`case_redispatched`). Timers are not read: each model fires its own. Each case is then run
on the newest deployed version and on the draft (app.engine.whatif, app.engine.whatif_report), with the office's
working-day calendar (admin edits included). Personal data read here stays in memory; the report names cases by
registration number only.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable

from app.domain.timeutil import format_tanggal, start_of_day_wib
from app.engine import check_import, form_reader
from app.engine.whatif import PastCase, PastEvent, PastTask
from app.engine.whatif_report import WhatIfReport, compare
from app.persistence.models import AuditEvent, ProcessInstance, ProcessVersion, db

from app.services.infrastructure.calendar import current_calendar
from app.services.infrastructure.context import Actor, setting
from app.services.casework.forms import option_sources
from app.services.modelling.process_calls import deployed_library
from app.services.modelling.processes import definition_of, latest_version
from app.services.people.roles import require_manager, role_keys
from app.services.infrastructure.transaction import use_case

DEFAULT_LIMIT = 200


@use_case
def what_if(actor: Actor, now: datetime, bpmn_bytes: bytes, *, since: date | None = None, until: date | None = None,
            limit: int = DEFAULT_LIMIT, durations: dict[str, float] | None = None, seed: int = 1,
            extra_forms: dict[str, bytes] | None = None, decisions: dict[str, bytes] | None = None,
            extra_roles: Iterable[str] = ()) -> WhatIfReport:
    """Run the draft and the newest version of its process over the newest `limit` finished cases received from
    `since` to `until` (WIB days, both included; `until` defaults to `now`). `durations`: working days of the
    draft's steps the history has no match for, by task id. ImportRefused when the draft fails a check; NotFound
    when its process was never deployed."""
    require_manager(actor)
    options = option_sources(staffed_only=False)
    draft = check_import(bpmn_bytes, form_reader(Path(setting("PPID_FORMS_DIR"))),
                         known_roles=role_keys() | set(extra_roles), extra_forms=extra_forms, simulate=False,
                         options=options, decisions=decisions, library=deployed_library()).definition
    current = latest_version(draft.process_id)
    end = start_of_day_wib(until + timedelta(days=1)) if until else now
    cases = past_cases(draft.process_id, start_of_day_wib(since) if since else None, end, limit)
    report = compare(definition_of(current), draft, cases, calendar=current_calendar(), durations=durations,
                     seed=seed, options=options, old_label=f"versi {current.id} ({current.content_hash[:12]})",
                     new_label=f"draf ({draft.content_hash[:12]})")
    report.history = _history(len(cases), limit, since, until or now.date())
    return report


def _history(found: int, limit: int, since: date | None, until: date) -> str:
    period = f"diterima {format_tanggal(since)} s.d. {format_tanggal(until)}" if since else \
        f"diterima s.d. {format_tanggal(until)}"
    return f"{found} kasus selesai {period} (paling banyak {limit} yang terbaru)"


def past_cases(process_id: str, start: datetime | None, end: datetime, limit: int) -> list[PastCase]:
    """The newest `limit` finished cases of the process received in [start, end), oldest first, from their history."""
    query = db.select(ProcessInstance.id, ProcessInstance.registration_number, ProcessInstance.version_id).where(
        ProcessInstance.process_id == process_id, ProcessInstance.finished.is_(True), ProcessInstance.created_at < end)
    if start is not None:
        query = query.where(ProcessInstance.created_at >= start)
    rows = list(db.session.execute(query.order_by(ProcessInstance.created_at.desc(), ProcessInstance.id.desc())
                                   .limit(limit)))[::-1]
    if not rows:
        return []
    forms = _forms_by_version({r.version_id for r in rows})
    events: dict[int, list[AuditEvent]] = {}
    for event in db.session.scalars(db.select(AuditEvent).where(AuditEvent.instance_id.in_([r.id for r in rows]))
                                    .order_by(AuditEvent.instance_id, AuditEvent.seq)):
        events.setdefault(event.instance_id, []).append(event)
    cases = [_past_case(r.registration_number, events.get(r.id, []), forms.get(r.version_id, {})) for r in rows]
    return [c for c in cases if c is not None]


def _forms_by_version(version_ids: set[int]) -> dict[int, dict[str, str | None]]:
    rows = db.session.execute(db.select(ProcessVersion.id, ProcessVersion.user_tasks)
                              .where(ProcessVersion.id.in_(version_ids)))
    return {vid: {spec: (meta or {}).get("form") for spec, meta in (tasks or {}).items()} for vid, tasks in rows}


def _past_case(number: str, events: list[AuditEvent], forms: dict[str, str | None]) -> PastCase | None:
    """One case from its events (None when it has no start form recorded)."""
    started_at, start_data = None, None
    tasks, outside = [], []
    opened: dict[str, datetime] = {}
    open_before: dict[str, dict] = {}
    for event in events:
        payload = json.loads(event.payload)
        kind = event.event_type
        if kind == "case_started":
            started_at = event.at
        elif kind == "task_completed" and start_data is None:
            start_data, started_at = dict(payload.get("submitted") or {}), started_at or event.at
        elif kind == "task_completed":
            still = {row.get("task_id") for row in payload.get("open_tasks", [])}
            row = next((r for tid, r in open_before.items() if r.get("spec_id") == event.task_spec_id
                        and tid not in still), {})
            tasks.append(PastTask(
                event.task_spec_id or "", event.lane or row.get("lane"), forms.get(event.task_spec_id or ""),
                opened.get(row.get("task_id"), event.at), event.at, dict(payload.get("submitted") or {}),
                row.get("opd"), event.task_name or ""))
        elif kind == "message_received":
            outside.append(PastEvent(event.at, str(payload.get("message") or ""), dict(payload.get("submitted") or {})))
        elif kind == "case_redispatched":
            outside.append(PastEvent(event.at, None, {"opd": (payload.get("submitted") or {}).get("opd")}))
        if "open_tasks" in payload:
            open_before = {row.get("task_id"): row for row in payload["open_tasks"]}
            for task_id in open_before:
                opened.setdefault(task_id, event.at)
    if start_data is None or started_at is None:
        return None
    return PastCase(number, started_at, start_data, tuple(tasks), tuple(outside))

