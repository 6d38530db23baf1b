"""The annual report (laporan tahunan, due 31 March) and public statistics, with SVG charts.

Figures per year, semester (1: January-June, 2: July-December, WIB dates) and OPD, read from
the case data keys documented in `app.services.records.registers` and from the audit events:

- requests received: cases with `rincian_informasi`, counted by receipt date (`tanggal_diterima`);
  the OPD is the case's OPD ("-" while not dispatched);
- decisions, by the final `keputusan`: granted in full (`diterima_seluruhnya`), in part
  (`diterima_sebagian`), refused (`ditolak`, per Pasal 17 letter in `dasar_penolakan`: a refusal on several
  grounds counts under each of them), not held
  (`tidak_dikuasai`); `withdrawn`: the request lapsed (status Gugur) or was withdrawn (Ditarik); `overdue`: no written
  notice within the legal limit (`melewati_batas_waktu`, set when the limit passed; `hasil == "terlambat"` in
  cases of versions whose limit ended the service);
- time taken: working days (`WorkingCalendar.working_days_between`, the calendar in force) from
  receipt to the written notice, the time of the task completion that set the final `keputusan`;
  median and 90th percentile (nearest rank: the ceil(0.9 n)-th smallest) of the notices given; the
  shares within 4 (the service card's target), within 10 working days, and within the legal limit
  (10, or 17 after an extension: an extended answer on day 14 is lawful) are taken over the notices
  given *and* the overdue requests still without one (they count as not within);
- objections received: cases with `nomor_keberatan` (a request's objection, or an objection of its own for periodic
  information not published, process `keberatan_informasi_berkala`), counted by filing date (`tanggal_keberatan`);
  decided: those with `keputusan_keberatan`; by outcome: granted, refused, and not answered (the
  Atasan let 30 working days pass: `keberatan_tidak_ditanggapi`, no decision);
- disputes: cases with `status_sengketa`, counted by the time that key was set; by outcome (`hasil_sengketa`):
  mediation (`mediasi`), adjudication (`ajudikasi`), ended otherwise (withdrawn `dicabut`, not accepted by the
  Komisi `tidak_diterima`), and pending (no outcome yet); and how the Komisi's orders to give the information
  (`perintah_komisi`) were carried out: on time, late (`putusan_komisi_terlambat`), or not yet;
- complaints (Pengaduan Layanan): cases with `tanggal_pengaduan`, counted by that date.

Every figure is counted in the period of its own date (a request of December whose objection
comes in January counts in two years). `public_statistics` gives the same counts with no
personal data and no registration numbers; `bar_chart_svg` draws counts as a plain SVG.
"""
from __future__ import annotations

import csv
import io
import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from app.domain import data_contract as contract
from app.domain import statuses
from app.domain.timeutil import BULAN
from app.persistence.models import Opd, db

from app.services.infrastructure.calendar import current_calendar
from app.services.records.exports import safe_row
from app.services.records.registers import OBJECTION_MARKER, REQUEST_MARKER, marked_cases, times_set, wib_day

GRANTED_FULL, GRANTED_PART, REFUSED, NOT_HELD = "diterima_seluruhnya", "diterima_sebagian", "ditolak", "tidak_dikuasai"
DECISIONS = (GRANTED_FULL, GRANTED_PART, REFUSED, NOT_HELD)
OVERDUE_RESULT = "terlambat"
NO_OPD = "-"
ALL = "SEMUA"


@dataclass
class ReportRow:
    year: int
    semester: int | None  # None: the whole year
    opd: str  # an OPD code, NO_OPD, or ALL
    received: int = 0
    granted_full: int = 0
    granted_part: int = 0
    refused: int = 0
    refused_by_ground: dict[str, int] = field(default_factory=dict)
    not_held: int = 0
    withdrawn: int = 0
    overdue: int = 0
    notices: int = 0
    median_days: float | None = None
    p90_days: int | None = None
    within_4: float | None = None
    within_10: float | None = None
    within_limit: float | None = None
    objections_received: int = 0
    objections_decided: int = 0
    objections_granted: int = 0
    objections_refused: int = 0
    objections_unanswered: int = 0
    disputes: int = 0
    disputes_mediated: int = 0
    disputes_adjudicated: int = 0
    disputes_ended_otherwise: int = 0
    disputes_pending: int = 0
    orders_on_time: int = 0
    orders_late: int = 0
    orders_pending: int = 0
    complaints: int = 0
    unanswered_overdue: int = 0  # past the legal limit with no written notice yet
    days: list[int] = field(default_factory=list, repr=False)
    lawful: list[bool] = field(default_factory=list, repr=False)

    def finish(self) -> None:
        self.refused_by_ground = dict(sorted(self.refused_by_ground.items()))
        self.notices = len(self.days)
        if self.days:
            ordered = sorted(self.days)
            self.median_days = float(statistics.median(ordered))
            self.p90_days = ordered[math.ceil(0.9 * len(ordered)) - 1]
        due = len(self.days) + self.unanswered_overdue  # an overdue request without a notice is not within
        if due:
            self.within_4 = sum(d <= 4 for d in self.days) / due
            self.within_10 = sum(d <= 10 for d in self.days) / due
            self.within_limit = sum(self.lawful) / due


@dataclass
class AnnualReport:
    year: int
    rows: list[ReportRow]  # per semester and OPD, then per semester for all OPDs, then the year

    def row(self, semester: int | None, opd: str = ALL) -> ReportRow:
        found = next((r for r in self.rows if r.semester == semester and r.opd == opd), None)
        return found or ReportRow(self.year, semester, opd)

    @property
    def total(self) -> ReportRow:
        return self.row(None, ALL)

    def lines(self) -> list[str]:
        out = [f"Laporan tahunan layanan informasi publik {self.year}",
               f"{'semester':9} {'OPD':12} {'masuk':>5} {'penuh':>5} {'sebag':>5} {'tolak':>5} {'t.dik':>5} "
               f"{'median':>6} {'p90':>4} {'<=4HK':>6} {'<=10HK':>6} {'keb.':>4} {'putus':>5} {'sengk':>5}"]
        for r in self.rows:
            sem = "tahun" if r.semester is None else str(r.semester)
            out.append(f"{sem:9} {r.opd:12} {r.received:5} {r.granted_full:5} {r.granted_part:5} {r.refused:5} "
                       f"{r.not_held:5} {_num(r.median_days):>6} {_num(r.p90_days):>4} {_pct(r.within_4):>6} "
                       f"{_pct(r.within_10):>6} {r.objections_received:4} {r.objections_decided:5} {r.disputes:5}")
            if r.refused_by_ground:
                grounds = ", ".join(f"huruf {k}: {v}" for k, v in r.refused_by_ground.items())
                out.append(f"{'':22} ditolak menurut Pasal 17: {grounds}")
        return out


def _num(value) -> str:
    return "-" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def semester_of(day: date) -> int:
    return 1 if day.month <= 6 else 2


@dataclass(frozen=True)
class CaseFacts:
    opd: str
    received: date | None
    decision: str | None
    grounds: tuple[str, ...]
    days: int | None
    withdrawn: bool
    overdue: bool
    objection: date | None
    objection_decided: bool
    dispute: date | None
    extended: bool = False
    objection_outcome: str | None = None  # dikabulkan, ditolak, tidak_ditanggapi
    dispute_outcome: str | None = None  # mediasi, ajudikasi, dicabut, tidak_diterima; None: pending
    order: str | None = None  # the Komisi ordered the information given: tepat_waktu, terlambat, belum


def _after_notice(data: dict, times: dict) -> dict:
    """The objection and dispute facts of a case (a request's, or an objection of its own)."""
    return dict(
        objection=(wib_day(data.get(contract.TANGGAL_KEBERATAN)) or wib_day(times.get(OBJECTION_MARKER)))
        if OBJECTION_MARKER in data else None,
        objection_decided=bool(data.get(contract.KEPUTUSAN_KEBERATAN)),
        dispute=(wib_day(times.get(contract.STATUS_SENGKETA)) or wib_day(data.get(contract.TANGGAL_PENGAJUAN_SENGKETA)))
        if data.get(contract.STATUS_SENGKETA) else None,
        objection_outcome=data.get(contract.KEPUTUSAN_KEBERATAN) or (
            "tidak_ditanggapi" if data.get(contract.KEBERATAN_TIDAK_DITANGGAPI) else None),
        dispute_outcome=data.get(contract.HASIL_SENGKETA) or None,
        order=_order(data),
    )


def case_facts() -> list[CaseFacts]:
    """What the reports count of every case, read once (a page that shows several figures passes them on)."""
    calendar = current_calendar()
    out = []
    # an objection of its own (art. 35(1)(b): periodic information not published) has no request before it: it
    # counts among the objections and disputes only
    for instance, data in marked_cases(OBJECTION_MARKER, None):
        if REQUEST_MARKER in data:
            continue
        times = times_set(instance.id, tuple(k for k in (contract.STATUS_SENGKETA, OBJECTION_MARKER) if k in data))
        out.append(CaseFacts(opd=instance.opd_code or NO_OPD, received=None, decision=None, grounds=(), days=None,
                             withdrawn=False, overdue=False, **_after_notice(data, times)))
    for instance, data in marked_cases(REQUEST_MARKER, None):
        decision = data.get(contract.KEPUTUSAN) if data.get(contract.KEPUTUSAN) in DECISIONS else None
        receipt = data.get(contract.TANGGAL_DITERIMA)
        received = wib_day(receipt) or wib_day(instance.created_at)
        keys = tuple(k for k in (contract.KEPUTUSAN, contract.STATUS_SENGKETA, OBJECTION_MARKER)
                     if (k != contract.KEPUTUSAN or decision) and k in data)
        times = times_set(instance.id, keys) if keys else {}
        days = None
        if decision and contract.KEPUTUSAN in times:
            days = calendar.working_days_between(received, times[contract.KEPUTUSAN])
        out.append(CaseFacts(
            opd=instance.opd_code or NO_OPD, received=received, decision=decision,
            grounds=_grounds(data.get(contract.DASAR_PENOLAKAN)) if decision == REFUSED else (), days=days,
            withdrawn=data.get(contract.STATUS) in (statuses.DITARIK, statuses.GUGUR),
            overdue=data.get(contract.HASIL) == OVERDUE_RESULT or data.get(contract.MELEWATI_BATAS_WAKTU) is True,
            extended=bool(data.get(contract.BATAS_PERPANJANGAN) or data.get(contract.ALASAN_PERPANJANGAN)),
            **_after_notice(data, times),
        ))
    return out


def _order(data: dict) -> str | None:
    """How the Komisi's order to give the information was carried out (None: no such order)."""
    if data.get(contract.PERINTAH_KOMISI) is not True:
        return None
    if data.get(contract.PUTUSAN_KOMISI_DILAKSANAKAN) is True:
        return "terlambat" if data.get(contract.PUTUSAN_KOMISI_TERLAMBAT) else "tepat_waktu"
    return "belum"


def _complaints() -> list[tuple[str, date | None]]:
    """(OPD, day received) of every complaint (Pengaduan Layanan)."""
    return [(instance.opd_code or NO_OPD, wib_day(data.get(contract.TANGGAL_PENGADUAN)) or wib_day(instance.created_at))
            for instance, data in marked_cases(contract.COMPLAINT_MARKER, None)]


def _grounds(value) -> tuple[str, ...]:
    """The Pasal 17 letters of a refusal: a list (several grounds) or, in older cases, one letter; "?" if none."""
    letters = [str(v) for v in value if v] if isinstance(value, list) else [str(value)] if value else []
    return tuple(letters) or ("?",)


def annual_report(year: int, facts: list[CaseFacts] | None = None) -> AnnualReport:
    """The report of a year: per semester and OPD, per semester, and the whole year."""
    rows: dict[tuple[int | None, str], ReportRow] = {}

    def targets(day: date | None, opd: str) -> list[ReportRow]:
        if day is None or day.year != year:
            return []
        sem = semester_of(day)
        return [rows.setdefault(key, ReportRow(year, key[0], key[1])) for key in ((sem, opd), (sem, ALL), (None, ALL))]

    for fact in case_facts() if facts is None else facts:
        for row in targets(fact.received, fact.opd):
            row.received += 1
            row.granted_full += fact.decision == GRANTED_FULL
            row.granted_part += fact.decision == GRANTED_PART
            row.not_held += fact.decision == NOT_HELD
            row.withdrawn += fact.withdrawn
            row.overdue += fact.overdue
            if fact.decision == REFUSED:
                row.refused += 1
                for ground in fact.grounds:
                    row.refused_by_ground[ground] = row.refused_by_ground.get(ground, 0) + 1
            if fact.days is not None:
                row.days.append(fact.days)
                row.lawful.append(fact.days <= 10 or (fact.extended and fact.days <= 17))
            elif fact.overdue:
                row.unanswered_overdue += 1
        for row in targets(fact.objection, fact.opd):
            row.objections_received += 1
            row.objections_decided += fact.objection_decided
            row.objections_granted += fact.objection_outcome == "dikabulkan"
            row.objections_refused += fact.objection_outcome == "ditolak"
            row.objections_unanswered += fact.objection_outcome == "tidak_ditanggapi"
        for row in targets(fact.dispute, fact.opd):
            row.disputes += 1
            row.disputes_mediated += fact.dispute_outcome == "mediasi"
            row.disputes_adjudicated += fact.dispute_outcome == "ajudikasi"
            row.disputes_ended_otherwise += fact.dispute_outcome in ("dicabut", "tidak_diterima")
            row.disputes_pending += fact.dispute_outcome is None
            row.orders_on_time += fact.order == "tepat_waktu"
            row.orders_late += fact.order == "terlambat"
            row.orders_pending += fact.order == "belum"
    for opd, day in _complaints():
        for row in targets(day, opd):
            row.complaints += 1
    for row in rows.values():
        row.finish()
    order = sorted(rows.values(), key=lambda r: (r.semester is None, r.semester or 0, r.opd == ALL, r.opd))
    return AnnualReport(year, order)


REPORT_COLUMNS = ("tahun", "semester", "opd", "permohonan", "diterima_seluruhnya", "diterima_sebagian", "ditolak",
                  "ditolak_menurut_pasal_17", "tidak_dikuasai", "ditarik", "melewati_batas_waktu",
                  "pemberitahuan", "median_hari_kerja", "persentil_90_hari_kerja", "dalam_4_hari_kerja",
                  "dalam_10_hari_kerja", "dalam_batas_waktu", "keberatan_diterima", "keberatan_diputus",
                  "keberatan_dikabulkan", "keberatan_ditolak", "keberatan_tidak_ditanggapi", "sengketa",
                  "sengketa_mediasi", "sengketa_ajudikasi", "sengketa_selesai_lain", "sengketa_berjalan",
                  "putusan_komisi_tepat_waktu", "putusan_komisi_terlambat", "putusan_komisi_belum_dilaksanakan",
                  "pengaduan")


def report_csv(report: AnnualReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # CRLF: a CR inside a text cell is quoted, not a new row
    writer.writerow(REPORT_COLUMNS)
    for r in report.rows:
        writer.writerow(safe_row((r.year, r.semester or "tahun", r.opd, r.received, r.granted_full, r.granted_part,
                                  r.refused, "; ".join(f"{k}={v}" for k, v in r.refused_by_ground.items()),
                                  r.not_held, r.withdrawn, r.overdue, r.notices, _num(r.median_days),
                                  _num(r.p90_days), _pct(r.within_4), _pct(r.within_10), _pct(r.within_limit),
                                  r.objections_received, r.objections_decided, r.objections_granted,
                                  r.objections_refused, r.objections_unanswered, r.disputes, r.disputes_mediated,
                                  r.disputes_adjudicated, r.disputes_ended_otherwise, r.disputes_pending,
                                  r.orders_on_time, r.orders_late, r.orders_pending, r.complaints)))
    return buffer.getvalue()


def public_statistics(year: int) -> dict:
    """The year's figures for the public: counts and times only (no names, no numbers of cases)."""
    every = case_facts()
    report = annual_report(year, every)
    facts = [f for f in every if f.received and f.received.year == year]
    names = dict(db.session.execute(db.select(Opd.code, Opd.name)).all())
    per_opd = Counter(names.get(f.opd, f.opd) for f in facts)
    per_month = [0] * 12
    for f in facts:
        per_month[f.received.month - 1] += 1
    total = report.total
    return {
        "tahun": year,
        "permohonan": total.received,
        "diterima_seluruhnya": total.granted_full,
        "diterima_sebagian": total.granted_part,
        "ditolak": total.refused,
        "ditolak_menurut_pasal_17": total.refused_by_ground,
        "tidak_dikuasai": total.not_held,
        "ditarik": total.withdrawn,
        "melewati_batas_waktu": total.overdue,
        "median_hari_kerja": total.median_days,
        "persentil_90_hari_kerja": total.p90_days,
        "dalam_4_hari_kerja": total.within_4,
        "dalam_10_hari_kerja": total.within_10,
        "dalam_batas_waktu": total.within_limit,
        "keberatan_dikabulkan": total.objections_granted,
        "keberatan_ditolak": total.objections_refused,
        "keberatan_tidak_ditanggapi": total.objections_unanswered,
        "pengaduan": total.complaints,
        "keberatan_diterima": total.objections_received,
        "keberatan_diputus": total.objections_decided,
        "sengketa": total.disputes,
        "sengketa_menurut_hasil": {"mediasi": total.disputes_mediated, "ajudikasi": total.disputes_adjudicated,
                                   "dicabut_atau_tidak_diterima": total.disputes_ended_otherwise,
                                   "berjalan": total.disputes_pending},
        "per_semester": {s: report.row(s).received for s in (1, 2)},
        "per_opd": dict(sorted(per_opd.items(), key=lambda kv: (-kv[1], kv[0]))),
        "per_bulan": dict(zip(BULAN, per_month)),
    }


# -- charts -----------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"


def bar_chart_svg(title: str, items: list[tuple[str, int]], width: int = 720, bar_height: int = 22) -> str:
    """A horizontal bar chart as plain SVG; labels are text nodes (escaped by lxml)."""
    label_width, top, gap = 260, 48, 6
    height = top + len(items) * (bar_height + gap) + 24
    biggest = max((v for _, v in items), default=0) or 1
    svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS}, width=str(width), height=str(height),
                        viewBox=f"0 0 {width} {height}", role="img")
    etree.SubElement(svg, f"{{{SVG_NS}}}title").text = title
    head = etree.SubElement(svg, f"{{{SVG_NS}}}text", x="8", y="24", style="font: bold 16px sans-serif")
    head.text = title
    # the longest bar leaves room for its count: digits at ~7.5 px each at 12 px, plus the gap
    span = width - label_width - 6 - 8 * len(str(biggest)) - 8
    for i, (name, value) in enumerate(items):
        y = top + i * (bar_height + gap)
        text_node = etree.SubElement(svg, f"{{{SVG_NS}}}text", x=str(label_width - 8), y=str(y + bar_height * 0.7),
                                     style="font: 12px sans-serif", **{"text-anchor": "end"})
        text_node.text = str(name)
        bar = etree.SubElement(svg, f"{{{SVG_NS}}}rect", x=str(label_width), y=str(y),
                               width=f"{span * value / biggest:.1f}", height=str(bar_height), fill="#2f6f9f")
        etree.SubElement(bar, f"{{{SVG_NS}}}title").text = f"{name}: {value}"
        count = etree.SubElement(svg, f"{{{SVG_NS}}}text", x=f"{label_width + span * value / biggest + 6:.1f}",
                                 y=str(y + bar_height * 0.7), style="font: 12px sans-serif")
        count.text = str(value)
    return etree.tostring(svg, encoding="unicode")


def chart_svg(year: int, by: str = "opd") -> str:
    """Requests received in a year per OPD (`by="opd"`) or per month (`by="month"`)."""
    stats = public_statistics(year)
    if by == "month":
        return bar_chart_svg(f"Permohonan informasi per bulan, {year}", list(stats["per_bulan"].items()))
    return bar_chart_svg(f"Permohonan informasi per OPD, {year}", list(stats["per_opd"].items()))
