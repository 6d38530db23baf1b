"""Read-only queries behind the staff pages: filter choices, the case list, field labels.

Nothing here writes or loads a workflow; the worklist itself is `tasks.list_tasks`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

from app.domain import roles
from app.domain.errors import Forbidden
from app.persistence.models import HumanTask, Opd, ProcessInstance, ProcessVersion, db

from app.services.casework.access import CASE_READERS, task_branches
from app.services.infrastructure.context import Actor

#: largest page number accepted from a query string (keeps OFFSET within any backend's range)
MAX_PAGE = 100_000


def page_count(total: int, per_page: int) -> int:
    """Number of pages for `total` rows (at least 1, so "halaman 1 dari 1" reads right when empty)."""
    return max(1, -(-total // per_page)) if per_page > 0 else 1


def opd_options(only: frozenset[str] | None = None) -> list[tuple[str, str]]:
    """(code, name) of every OPD, by name; limited to `only` when given."""
    query = sa.select(Opd.code, Opd.name).order_by(Opd.name)
    if only is not None:
        query = query.where(Opd.code.in_(only))
    return [(code, name) for code, name in db.session.execute(query)]


def opd_names() -> dict[str, str]:
    return {code: name for code, name in db.session.execute(sa.select(Opd.code, Opd.name))}


def opd_name(code: str) -> str | None:
    opd = db.session.get(Opd, code)
    return opd.name if opd is not None else None


def worklist_opd_options(actor: Actor, names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """OPDs offered in the worklist filter (by name): all of them, or the officer's own when that is
    all they see. `names` (from `opd_names`) saves reading the OPD table again."""
    only = None if actor.roles & (set(roles.LANE_ROLES.values()) - {roles.PEMOHON, roles.OPD}) else actor.opd_codes
    if names is None:
        return opd_options(only)
    return sorted(((c, n) for c, n in names.items() if only is None or c in only), key=lambda pair: pair[1])


def worklist_choices(actor: Actor) -> tuple[list[str], list[str]]:
    """Titles of the tasks and case statuses present in the actor's worklist (the filter selects), in one
    statement that never reads every open row.

    Per lane the actor works, the distinct values are found by skipping through an index that starts with the
    lane and the value (`ix_human_task_lane_title`, `ix_human_task_lane_status`): one index descent per
    distinct value (a loose index scan, WITH RECURSIVE). For an OPD-scoped lane each value found is kept when
    a row of one of the actor's OPDs has it (the index's third column, one probe per value). The applicant's
    own tasks are read by `applicant_id`.
    """
    lanes: dict[str, set[str] | None] = {}
    applicant = None
    for branch in task_branches(actor):
        if branch.applicant_id is not None:
            applicant = (branch.lane, branch.applicant_id)
        elif branch.opd_code is None:
            lanes[branch.lane] = None
        elif lanes.get(branch.lane, set()) is not None:
            lanes.setdefault(branch.lane, set()).add(branch.opd_code)
    if not lanes and applicant is None:
        return [], []
    params = {f"lane_{n}": lane for n, lane in enumerate(lanes)}
    params.update({f"opds_{n}": sorted(opds) for n, opds in enumerate(lanes.values()) if opds is not None})
    if applicant is not None:
        params.update(applicant_lane=applicant[0], applicant=applicant[1])
    statement = _choices_statement(tuple(opds is not None for opds in lanes.values()), applicant is not None)
    found = db.session.execute(statement, params).all()
    return (sorted({v for k, v in found if k == "title" and v}),
            sorted({v for k, v in found if k == "status" and v}))


@lru_cache(maxsize=64)
def _choices_statement(scoped: tuple[bool, ...], applicant: bool):
    """The choices' statement for lanes `lane_<n>` (OPD-scoped ones limited to `opds_<n>`) and, when
    `applicant`, the applicant's own tasks: built once per shape, every value a bound parameter."""
    selects = []
    for kind, column in (("title", HumanTask.title), ("status", HumanTask.case_status)):
        if applicant:
            selects.append(sa.select(sa.literal(kind).label("kind"), column.label("value")).where(
                HumanTask.applicant_id == sa.bindparam("applicant"),
                HumanTask.lane == sa.bindparam("applicant_lane")).distinct())
        for n, by_opd in enumerate(scoped):
            selects.append(_present_values(f"{kind}_{n}", kind, column, n, by_opd))
    return sa.union_all(*selects) if len(selects) > 1 else selects[0]


def _present_values(name: str, kind: str, column, n: int, by_opd: bool):
    """SELECT kind, value: the distinct values of `column` among the rows of lane `lane_<n>` (of the OPDs
    `opds_<n>`, when `by_opd`)."""
    lane = sa.bindparam(f"lane_{n}")
    first = sa.select(sa.func.min(column).label("value")).where(HumanTask.lane == lane)
    skip = first.cte(name, recursive=True)
    following = sa.select(sa.func.min(column)).where(HumanTask.lane == lane, column > skip.c.value)
    skip = skip.union_all(sa.select(following.scalar_subquery()).where(skip.c.value.is_not(None)))
    query = sa.select(sa.literal(kind).label("kind"), skip.c.value).where(skip.c.value.is_not(None))
    if by_opd:
        query = query.where(sa.exists().where(HumanTask.lane == lane, column == skip.c.value,
                                              HumanTask.opd_code.in_(sa.bindparam(f"opds_{n}", expanding=True))))
    return query


def _case_scope(actor: Actor):
    """SQL condition of the cases the actor may read in staff lists (403 for everyone else)."""
    if actor.roles & CASE_READERS:
        return sa.true()
    if roles.OPD in actor.roles:
        return ProcessInstance.opd_code.in_(actor.opd_codes) if actor.opd_codes else sa.false()
    raise Forbidden()


@dataclass(frozen=True)
class CaseFilters:
    number: str | None = None
    status: str | None = None
    opd: str | None = None
    late_only: bool = False


@dataclass(frozen=True)
class CaseRow:
    registration_number: str
    created_at: object
    status: str
    opd_code: str | None
    late: bool
    finished: bool


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def list_cases_for(actor: Actor, filters: CaseFilters = CaseFilters(), page: int = 1,
                   per_page: int = 25) -> CasePage:
    """Cases the actor may read, newest first, filtered and paged; no personal data in the rows."""
    page = min(max(page, 1), MAX_PAGE)
    query = sa.select(ProcessInstance.registration_number, ProcessInstance.created_at, ProcessInstance.status,
                      ProcessInstance.opd_code, ProcessInstance.late, ProcessInstance.finished
                      ).where(_case_scope(actor))
    if filters.number:
        query = query.where(sa.func.upper(ProcessInstance.registration_number).contains(
            filters.number.strip().upper(), autoescape=True))
    if filters.status:
        query = query.where(ProcessInstance.status == filters.status)
    if filters.opd:
        query = query.where(ProcessInstance.opd_code == filters.opd)
    if filters.late_only:
        query = query.where(ProcessInstance.late.is_(True))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = min(page, page_count(total, per_page))
    rows = db.session.execute(query.order_by(ProcessInstance.id.desc())
                              .offset((page - 1) * per_page).limit(per_page))
    return CasePage([CaseRow(*r) for r in rows], total, page, per_page)


def case_statuses(actor: Actor) -> list[str]:
    """Statuses present among the cases the actor may read."""
    return [s for s in db.session.scalars(sa.select(ProcessInstance.status).where(_case_scope(actor)).distinct()
                                          .order_by(ProcessInstance.status)) if s]


def case_opd_options(actor: Actor) -> list[tuple[str, str]]:
    if actor.roles & CASE_READERS:
        return opd_options()
    return opd_options(actor.opd_codes)


def case_field_props(registration_number: str) -> dict[str, dict]:
    """JSON Schema property of every form field of the case's process version (titles, choices, formats)."""
    forms = db.session.scalar(sa.select(ProcessVersion.forms).join(
        ProcessInstance, ProcessInstance.version_id == ProcessVersion.id).where(
        ProcessInstance.registration_number == registration_number)) or {}
    props: dict[str, dict] = {}
    for name, schema in forms.items():
        if name.endswith(".uischema.json") or not isinstance(schema, dict):
            continue
        for field, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict):
                props.setdefault(field, prop)
    return props
