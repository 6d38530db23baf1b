"""The annual report page (figures of a year, a semester or an OPD, with the series its charts draw) and the
public statistics page: the services of `reports`, behind a role check for the report."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app.domain.timeutil import BULAN
from app.persistence.models import Opd, ProcessInstance, db

from app.services.records import reports
from app.services.views.audit_roles import REPORT_ROLES, require_role
from app.services.infrastructure.context import Actor

NOT_DISPATCHED = "Belum diteruskan ke OPD"


@dataclass(frozen=True)
class ReportPage:
    year: int
    semester: int | None
    opd: str | None
    selected: reports.ReportRow
    rows: list[reports.ReportRow]
    per_opd: list[tuple[str, int]]
    per_month: list[tuple[str, int]]
    decisions: list[tuple[str, int]]
    grounds: list[tuple[str, int]]


DECISION_LABELS = (("granted_full", "Diterima seluruhnya"), ("granted_part", "Diterima sebagian"),
                   ("refused", "Ditolak"), ("not_held", "Informasi tidak dikuasai"), ("withdrawn", "Gugur atau ditarik"),
                   ("overdue", "Melewati batas waktu"))


def _in(day: date | None, year: int, semester: int | None) -> bool:
    return day is not None and day.year == year and (semester is None or reports.semester_of(day) == semester)


def annual_report_page(actor: Actor, year: int, semester: int | None = None, opd: str | None = None) -> ReportPage:
    """The figures of a year (or one semester, or one OPD) with the series the charts draw."""
    require_role(actor, REPORT_ROLES)
    every = reports.case_facts()  # one reading of the cases serves every figure of the page
    facts = [f for f in every if f.opd == opd] if opd else every
    chosen = reports.annual_report(year, facts)
    whole = reports.annual_report(year, every) if opd else chosen
    rows = [r for r in whole.rows if (semester is None or r.semester in (semester,))
            and (opd is None or r.opd in (opd,))]
    selected = chosen.row(semester, reports.ALL)
    names = {**dict(db.session.execute(sa.select(Opd.code, Opd.name)).all()), reports.NO_OPD: NOT_DISPATCHED}
    received = [f for f in facts if _in(f.received, year, semester)]
    per_opd = Counter(names.get(f.opd, f.opd) for f in received)
    months = Counter(f.received.month for f in received)
    month_range = range(1, 13) if semester is None else (range(1, 7) if semester == 1 else range(7, 13))
    return ReportPage(
        year=year, semester=semester, opd=opd, selected=selected, rows=rows,
        per_opd=sorted(per_opd.items(), key=lambda kv: (-kv[1], kv[0])),
        per_month=[(BULAN[m - 1], months.get(m, 0)) for m in month_range],
        decisions=[(label, getattr(selected, key)) for key, label in DECISION_LABELS],
        grounds=[(f"Pasal 17 huruf {k}", v) for k, v in selected.refused_by_ground.items()],
    )


def report_csv(actor: Actor, year: int) -> bytes:
    require_role(actor, REPORT_ROLES)
    return reports.report_csv(reports.annual_report(year)).encode("utf-8")


@dataclass(frozen=True)
class Chart:
    """A bar chart for a page: each row's name, count, and bar length in percent of the largest.

    Pages draw it in HTML (text at body size on any screen, the count beside its bar, never
    clipped); `ppid report chart` draws the same counts as SVG (reports.bar_chart_svg)."""
    title: str
    rows: list[tuple[str, int, float]]


def chart(title: str, items: list[tuple[str, int]]) -> Chart:
    biggest = max((v for _, v in items), default=0) or 1
    return Chart(title, [(str(name), int(value), round(100 * value / biggest, 1)) for name, value in items])


@dataclass(frozen=True)
class PublicStats:
    year: int
    figures: dict
    charts: list[Chart]


def public_stats(year: int) -> PublicStats:
    """Counts and times of a year for anyone: no names, no NIK, no registration numbers."""
    figures = reports.public_statistics(year)
    decisions = [("Diterima seluruhnya", figures["diterima_seluruhnya"]),
                 ("Diterima sebagian", figures["diterima_sebagian"]), ("Ditolak", figures["ditolak"]),
                 ("Informasi tidak dikuasai", figures["tidak_dikuasai"]), ("Gugur atau ditarik", figures["ditarik"])]
    charts = [chart(f"Permohonan informasi per bulan, {year}", list(figures["per_bulan"].items())),
              chart(f"Keputusan atas permohonan, {year}", decisions)]
    if figures["per_opd"]:
        per_opd = [(NOT_DISPATCHED if name == reports.NO_OPD else name, n) for name, n in figures["per_opd"].items()]
        charts.insert(1, chart(f"Permohonan informasi per OPD, {year}", per_opd))
    return PublicStats(year, figures, charts)


def years_with_cases(now: datetime) -> list[int]:
    """Years from the first case to this year (newest first), for year pickers."""
    from app.domain.timeutil import wib_date

    first = db.session.scalar(sa.select(sa.func.min(ProcessInstance.created_at)))
    this_year = wib_date(now).year
    start = wib_date(first).year if first else this_year
    return list(range(this_year, min(start, this_year) - 1, -1))
