"""Event-log exports (XES, CSV) and the registers the law requires, as the audit pages download them: the
services of `exports` and `registers`, behind a role check. No personal data, never a NIK."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.errors import NotFound

from app.services.records import exports, registers
from app.services.views.audit_roles import AUDIT_ROLES, require_role
from app.services.infrastructure.context import Actor

@dataclass(frozen=True)
class Period:
    first: date | None = None
    last: date | None = None
    opd: str | None = None


def export_log(actor: Actor, kind: str, period: Period) -> bytes:
    """The event log as XES (`kind="xes"`) or CSV (UTF-8), with no personal data."""
    require_role(actor, AUDIT_ROLES)
    if kind == "xes":
        return exports.xes_bytes(period.first, period.last, period.opd)
    return exports.csv_text(period.first, period.last, period.opd).encode("utf-8")


REGISTERS = {"permohonan": registers.request_register, "keberatan": registers.objection_register}


def register_rows(actor: Actor, kind: str, period: Period) -> list:
    """The request (`permohonan`) or objection (`keberatan`) register: no NIK is ever read into it."""
    require_role(actor, AUDIT_ROLES)
    if kind not in REGISTERS:
        raise NotFound()
    return REGISTERS[kind](period.first, period.last, period.opd)


def register_columns(kind: str) -> list[tuple[str, str]]:
    from dataclasses import fields

    row_type = registers.ObjectionRow if kind == "keberatan" else registers.RequestRow
    return [(f.name, registers.HEADINGS[f.name]) for f in fields(row_type)]


def register_file(actor: Actor, kind: str, fmt: str, period: Period) -> bytes:
    rows = register_rows(actor, kind, period)
    if fmt == "xlsx":
        return registers.to_xlsx(rows, kind)
    return registers.to_csv(rows, kind).encode("utf-8")
