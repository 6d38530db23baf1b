"""Use cases around tasks: the worklist, claiming, completing."""
from __future__ import annotations

import functools
import string
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, undefer

from app.domain.errors import Conflict, Forbidden, ValidationFailed
from app.domain import roles
from app.engine import ProcessDefinition, UserTaskMeta
from app.persistence.models import HumanTask, Incident, ProcessInstance, ProcessVersion, Role, User, db

from app.services.records import audit
from app.services.casework.attachments import Upload, check_quota, kept_uploads, store_uploads, validate_submission
from app.services.casework.access import completed_by_actor, may_work, task_branches
from app.services.casework.cases import visible_data
from app.services.infrastructure.context import SYSTEM, Actor, engine
from app.services.casework.forms import check_agreement, clean_submission, prefilled, resolve_schema
from app.services.casework.incidents import OPEN, TASK, guard, records_incidents
from app.services.casework.privacy import case_privacy
from app.services.casework.steps import definition_for, new_context, persist_run
from app.services.infrastructure.transaction import use_case

SORTS = {"due": HumanTask.due_at, "received": HumanTask.received_at, "number": HumanTask.registration_number,
         "task": HumanTask.title}


@dataclass(frozen=True)
class TaskFilters:
    title: str | None = None
    opd: str | None = None
    status: str | None = None
    late_only: bool = False
    lane: str | None = None
    sort: str = "due"
    descending: bool = False


@dataclass(frozen=True)
class TaskPage:
    rows: list[HumanTask]
    total: int
    page: int
    per_page: int
    #: False when `total` is a lower bound: there are more rows than that (the count stops at COUNT_BOUND rows,
    #: or at the end of this page when it lies deeper), and the page after this one has some of them
    exact: bool = True

    @property
    def more(self) -> bool:
        """Whether a page after this one has rows."""
        return not self.exact or self.page * self.per_page < self.total


#: the worklist counts at most this many rows (beyond it the page says "lebih dari 1.000")
COUNT_BOUND = 1000


def list_tasks(actor: Actor, now: datetime, filters: TaskFilters = TaskFilters(), page: int = 1,
               per_page: int = 50) -> TaskPage:
    """The worklist: reads human_task alone, never a workflow.

    The rows the actor may work are a few disjoint branches, each fixing the lane (and the OPD of an
    OPD-scoped lane, or the applicant of the applicant's lane; `access.task_branches`). Each branch reads the
    first rows this page needs in the order of an index that starts with its fixed columns and ends with the
    default sort, due date then id (`ix_human_task_lane_due`, `ix_human_task_lane_opd_due`,
    `ix_human_task_applicant`), and the branches are merged (UNION ALL), so the first page reads about as many
    rows as it shows instead of every open row. The count stops after COUNT_BOUND rows (or after the end of
    this page, when deeper): `TaskPage.exact` says whether it did.
    """
    page = max(page, 1)
    branches = [b for b in task_branches(actor) if (not filters.lane or b.lane == filters.lane)
                and (not filters.opd or b.opd_code in (None, filters.opd))]
    if not branches:
        return TaskPage([], 0, page, per_page)
    offset = (page - 1) * per_page
    params = {"title": filters.title, "opd": filters.opd, "status": filters.status, "now": now,
              "offset": offset, "limit": per_page, "leg_limit": offset + per_page}
    for n, branch in enumerate(branches):
        params.update({f"lane_{n}": branch.lane, f"opd_{n}": branch.opd_code, f"applicant_{n}": branch.applicant_id})
    shape = (tuple((b.opd_code is not None, b.applicant_id is not None) for b in branches),
             (bool(filters.title), bool(filters.opd), bool(filters.status), filters.late_only),
             filters.sort if filters.sort in SORTS else "due", filters.descending)
    rows_query, count_query = _worklist_statements(*shape)
    rows = list(db.session.scalars(rows_query, params))
    if offset == 0 and len(rows) < per_page:
        return TaskPage(rows, len(rows), page, per_page)  # the whole worklist fits on the first page: no count
    bound = max(COUNT_BOUND, offset + per_page)
    total = db.session.scalar(count_query, {**params, "bound": bound + 1})
    return TaskPage(rows, min(total, bound), page, per_page, exact=total <= bound)


@lru_cache(maxsize=256)
def _worklist_statements(branches: tuple[tuple[bool, bool], ...], filtered: tuple[bool, bool, bool, bool],
                         sort: str, descending: bool):
    """The page's and the count's statements for one shape of worklist (its branches, which filters are set,
    the sort), every value a bound parameter: built once per shape, not on every call (building the merged
    statement costs more than running it)."""
    title, opd, status, late = filtered
    extra = [condition for wanted, condition in (
        (title, HumanTask.title == sa.bindparam("title")), (opd, HumanTask.opd_code == sa.bindparam("opd")),
        (status, HumanTask.case_status == sa.bindparam("status")), (late, HumanTask.due_at < sa.bindparam("now")))
        if wanted]

    def where(n: int, by_opd: bool, by_applicant: bool) -> list:
        conditions = [HumanTask.lane == sa.bindparam(f"lane_{n}")]
        if by_opd:
            conditions.append(HumanTask.opd_code == sa.bindparam(f"opd_{n}"))
        if by_applicant:
            conditions.append(HumanTask.applicant_id == sa.bindparam(f"applicant_{n}"))
        return conditions + extra

    def ordered(task) -> tuple:
        column = getattr(task, SORTS[sort].key)
        return (column.desc() if descending else column.asc()).nulls_last(), task.id

    legs = [sa.select(HumanTask).where(*where(n, *kind)) for n, kind in enumerate(branches)]
    if len(legs) == 1:
        rows = legs[0].order_by(*ordered(HumanTask))
    else:  # each branch reads its first rows in index order, enough for this page; the merge sorts those alone
        shown = [sa.select(leg.order_by(*ordered(HumanTask)).limit(sa.bindparam("leg_limit")).subquery())
                 for leg in legs]
        task = aliased(HumanTask, sa.union_all(*shown).subquery("worklist"))
        rows = sa.select(task).order_by(*ordered(task))
    rows = rows.offset(sa.bindparam("offset")).limit(sa.bindparam("limit"))
    ids = [sa.select(HumanTask.id).where(*where(n, *kind)) for n, kind in enumerate(branches)]
    counted = (sa.union_all(*ids) if len(ids) > 1 else ids[0]).limit(sa.bindparam("bound"))
    return rows, sa.select(sa.func.count()).select_from(counted.subquery())


GONE = "Tugas ini sudah tidak terbuka (mungkin telah diselesaikan oleh orang lain)."


def _task_row(actor: Actor, task_id: str, registration_number: str | None = None,
              on_behalf: bool = False) -> HumanTask:
    """The open task with this public identity (the workflow task's UUID, never reused).

    With `registration_number` (the case the form was shown for) a task of another case is
    refused as no longer open, so a page left open can never act on a different case.
    """
    row = db.session.scalar(sa.select(HumanTask).where(HumanTask.task_id == str(task_id)))
    if row is None or (registration_number is not None and row.registration_number != registration_number):
        raise Conflict(GONE)
    if not may_work(actor, row, on_behalf):
        raise Forbidden()
    return row


@dataclass(frozen=True)
class TaskDetail:
    row: HumanTask
    schema: dict
    ui_schema: dict
    case_data: dict
    instance: ProcessInstance

    @property
    def form_values(self) -> dict:
        """What the form shows filled in: the case data, and fields that start from another answer."""
        return prefilled(self.schema, self.case_data)


def get_task(actor: Actor, task_id: str, registration_number: str | None = None,
             on_behalf: bool = False) -> TaskDetail:
    """A task with its form (choices resolved) and the case file, without loading the workflow."""
    row = _task_row(actor, task_id, registration_number, on_behalf)
    instance = db.session.get(ProcessInstance, row.instance_id)
    definition = definition_for(instance)
    meta = definition.user_tasks[row.spec_id]
    data = visible_data(actor, instance)
    return TaskDetail(row, resolve_schema(definition.forms.get(meta.form, {})),
                      definition.forms.get(meta.ui_form or "", {}), data, instance)


@dataclass(frozen=True)
class TaskForm:
    """What a submission needs, read in one statement: the open task, its case (with the workflow state), the
    definition the case runs on (from the engine's cache, never the version row) and the task's form."""

    row: HumanTask
    instance: ProcessInstance
    definition: ProcessDefinition
    open_incident: bool
    on_behalf: bool = False  # read for an officer recording the applicant's step

    @property
    def meta(self) -> UserTaskMeta:
        return self.definition.user_tasks[self.row.spec_id]

    @property
    def schema(self) -> dict:
        """The form as stored (choices from the database not filled in: the use case validates against them)."""
        return self.definition.forms.get(self.meta.form or "", {})


@functools.cache
def _task_form_statement() -> sa.Select:
    """Built once (a statement is immutable; building it costs more than running it): the open task, its case
    with the workflow state, the version's content hash, whether the lane is OPD-scoped, the case's last audit
    link and whether it has an open incident; the task id is a bound parameter."""
    last_seq, last_hash = audit.last_event_columns(ProcessInstance.id)
    open_incident = sa.exists().where(Incident.instance_id == ProcessInstance.id, Incident.kind == TASK,
                                      Incident.status == OPEN)
    return (sa.select(HumanTask, ProcessInstance, ProcessVersion.content_hash, Role.opd_scoped, last_seq, last_hash,
                      open_incident)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .join(ProcessVersion, ProcessVersion.id == ProcessInstance.version_id)
            .outerjoin(Role, Role.key == HumanTask.lane)
            .where(HumanTask.task_id == sa.bindparam("task_id"))
            .options(undefer(ProcessInstance.state)))


def task_form(actor: Actor, task_id: str, registration_number: str | None = None,
              on_behalf: bool = False) -> TaskForm:
    """The task a submission is for, as the actor may work it (Conflict: no longer open, or of another case)."""
    found = db.session.execute(_task_form_statement(), {"task_id": str(task_id)}).first()
    if found is None or (registration_number is not None and found[0].registration_number != registration_number):
        raise Conflict(GONE)
    row, instance, content_hash, scoped, seq, hash_, incident = found
    if not may_work(actor, row, on_behalf, lane_scoped=bool(scoped)):
        raise Forbidden()
    audit.remember_last(instance.id, seq, hash_)
    return TaskForm(row, instance, definition_for(instance, content_hash), bool(incident), on_behalf)


@use_case
def claim_task(actor: Actor, task_id: str, now: datetime, registration_number: str | None = None) -> None:
    row = _task_row(actor, task_id, registration_number)
    result = db.session.execute(sa.update(HumanTask).where(
        HumanTask.id == row.id, sa.or_(HumanTask.claimed_by_id.is_(None), HumanTask.claimed_by_id == actor.user_id))
        .values(claimed_by_id=actor.user_id, claimed_by_name=actor.full_name, claimed_at=now))
    if result.rowcount != 1:
        raise Conflict(f"Tugas ini sedang dikerjakan oleh {row.claimed_by_name}.")
    _audit_claim(row, actor, now, "task_claimed")


@use_case
def unclaim_task(actor: Actor, task_id: str, now: datetime, registration_number: str | None = None) -> None:
    row = _task_row(actor, task_id, registration_number)
    if row.claimed_by_id != actor.user_id:
        raise Conflict("Tugas ini tidak sedang Anda kerjakan.")
    row.claimed_by_id = row.claimed_by_name = row.claimed_at = None
    _audit_claim(row, actor, now, "task_unclaimed")


def _audit_claim(row: HumanTask, actor: Actor, now: datetime, event_type: str) -> None:
    instance = db.session.get(ProcessInstance, row.instance_id)
    audit.append_event(instance, event_type, actor, now, {"task_id": row.task_id}, lane=row.lane,
                       task_spec_id=row.spec_id, task_name=row.title)


@dataclass(frozen=True)
class Completion:
    registration_number: str
    status: str
    finished: bool
    message: str | None = None  # the form's own words to the one who sent it (`x-pesan-selesai`), filled in


def completion_message(schema: dict, case_data: dict) -> str | None:
    """The form's `x-pesan-selesai` with `{key}` taken from the case data; None when it names a key the
    case does not have (or anything but a plain key), so the caller says its general sentence instead."""
    template = schema.get("x-pesan-selesai") if isinstance(schema, dict) else None
    if not isinstance(template, str):
        return None
    try:
        keys = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return None
    if any(not key.isidentifier() or case_data.get(key) in (None, "") for key in keys):
        return None
    return template.format_map({key: str(case_data[key]) for key in keys})


@records_incidents
@use_case
def complete_task(actor: Actor, task_id: str, data: dict, now: datetime,
                  uploads: dict[str, Upload] | None = None, registration_number: str | None = None,
                  on_behalf: str | None = None, form: TaskForm | None = None) -> Completion:
    """Validate the form, complete the task in the workflow, persist everything in one commit.

    `task_id` is the task's public identity (HumanTask.task_id); `registration_number`, when
    given, is the case the form was shown for: a mismatch is a Conflict and nothing is written.
    `on_behalf` (a channel of app.services.casework.counter.CHANNELS): an officer records the applicant's step
    as it was brought to the counter, by phone or by letter; the audit event says so.
    `form`: the task as `task_form` read it in this transaction (the web layer reads it to parse the
    submission); without it the use case reads it. Every field and file is checked before anything is
    written; files take their final names after the commit (app/persistence/files.py).
    """
    from app.services.casework.counter import check_channel

    if on_behalf is not None:
        check_channel(on_behalf)
    if form is None or form.row.task_id != str(task_id) or form.on_behalf != (on_behalf is not None):
        form = task_form(actor, task_id, registration_number, on_behalf is not None)
    elif registration_number is not None and form.row.registration_number != registration_number:
        raise Conflict(GONE)
    row, instance = form.row, form.instance
    if row.claimed_by_id not in (None, actor.user_id):
        raise Conflict(f"Tugas ini sedang dikerjakan oleh {row.claimed_by_name}.")
    # what a retry needs (app/services/casework/incidents.py): the task and what was sent, never the files
    retry = {"task_id": row.task_id, "spec_id": row.spec_id, "data": _without_files(data, uploads),
             "on_behalf": on_behalf}
    with guard(TASK, actor, now, instance=instance, retry=retry, open_incidents=form.open_incident):
        return _complete(actor, form, data, now, uploads, on_behalf)


def _complete(actor: Actor, form: TaskForm, data: dict, now: datetime, uploads: dict[str, Upload] | None,
              on_behalf: str | None) -> Completion:
    row, instance, definition, meta = form.row, form.instance, form.definition, form.meta
    if completed_by_actor(actor, instance.id, meta.exclude_completers_of):
        raise Forbidden("Tugas ini harus dikerjakan oleh pejabat lain dari yang memberi keputusan sebelumnya.")
    schema = definition.forms[meta.form] if meta.form else None
    cleaned, checked = {}, {}
    if schema is not None:
        submitted = kept_uploads(schema, data, instance.case_data or {})
        cleaned, checked = validate_submission(schema, submitted, uploads, clean=_clean)
        cleaned.update(signer_fields(schema, actor))
    elif uploads:
        raise ValidationFailed({name: ["Tugas ini tidak menerima berkas."] for name in uploads})
    check_quota(actor, checked)
    run = _at_the_steps_time(instance, definition, now)
    if schema is not None:
        check_agreement(schema, cleaned, instance.case_data or {})
    task = run.ready_task(row.task_id)
    if task is None:
        raise Conflict("Tugas ini sudah tidak terbuka.")
    run.complete(row.task_id, cleaned)  # a failure from here on is the process's, not the user's: an incident
    extra = {"atas_nama_pemohon": True, "kanal": on_behalf} if on_behalf is not None else None
    persist_run(instance, run, actor, now, "task_completed", submitted=cleaned, task=task, payload_extra=extra)
    store_uploads(actor, checked, instance, now, case_privacy(instance, definition).personal)
    message = completion_message(schema, instance.case_data or {}) if schema is not None else None
    return Completion(instance.registration_number, instance.status, instance.finished, message)


def _without_files(data: dict, uploads: dict | None) -> dict:
    """The submitted fields without new uploads (their files are not kept for a retry)."""
    return {k: v for k, v in data.items() if k not in (uploads or {})}


def signer_fields(schema: dict, actor: Actor) -> dict[str, str]:
    """A form that a letter is signed by (`"x-penandatangan": {"nama": key, "jabatan": key}`) records the name
    and position of the account that completes it, never typed: the letter names who issued it."""
    keys = schema.get("x-penandatangan") if isinstance(schema, dict) else None
    if not isinstance(keys, dict):
        return {}
    user = db.session.execute(sa.select(User.full_name, User.jabatan).where(User.id == actor.user_id)).first() \
        if actor.user_id is not None else None  # two columns, not the account with its OPDs
    position = (user.jabatan if user else None) or next(
        (title for role, title in roles.SIGNER_TITLES.items() if actor.has(role)), "")
    values = {"nama": user.full_name if user else actor.full_name, "jabatan": position}
    return {str(keys[k]): values[k] for k in ("nama", "jabatan") if isinstance(keys.get(k), str) and values[k]}


def _at_the_steps_time(instance: ProcessInstance, definition, now: datetime):
    """The case's run as it stands at `now`: a limit that passed before this step has had its effect, swept
    or not (an extension sent after day 10 meets the late case, not the one before the limit). The firing is
    its own `timer_fired` event, before the step's, in the same transaction."""
    run = engine().open(definition, instance.state, new_context(now))
    if not run.has_due_timers() or not run.fire_due_timers():  # the usual step: nothing due, nothing to run
        return run
    persist_run(instance, run, SYSTEM, now, "timer_fired")
    return engine().open(definition, instance.state, new_context(now))


def _clean(schema: dict, data: dict) -> dict:
    """clean_submission, without reading the OPD list when the form has no field that offers it."""
    needs_options = any(isinstance(p, dict) and p.get("x-options") for p in schema.get("properties", {}).values())
    return clean_submission(schema, data, None if needs_options else {})


__all__ = ["TaskFilters", "TaskPage", "COUNT_BOUND", "list_tasks", "get_task", "task_form", "TaskForm", "claim_task", "unclaim_task",
           "complete_task", "ValidationFailed"]
