"""Audit pages (/audit): a case's full history and its proof, the case at any event, replay
verification, event-log exports, the registers, the annual report; and the public statistics
page (/statistik).

Rights: the history pages are for the auditor, the head of Diskominfo, the Atasan PPID and
Diskominfo officers, and for the OPD officers of the case (get_case checks the OPD); the
history PDF also for the applicant of the case (linked from the portal's case page).
Verification, exports and registers: the auditor, the head of Diskominfo, the Atasan PPID and
Diskominfo officers. The annual report: the head of Diskominfo and the auditor.
"""
from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from markupsafe import Markup

from app.domain.errors import NotFound
from app.domain.roles import role_label
from app.domain.timeutil import wib_date
from app.services.records import access_log
from app.services.views import audit_roles, export_views, report_views, verification_views
from app.services.views import case_history_views as history_views
from app.services.views.worklist_views import opd_options

from .history_format import field_label, fired_timers, show_value, timer_text
from .security import current_actor, now, roles_required

bp = Blueprint("audit", __name__)

AUDIT_ROLES = tuple(sorted(audit_roles.AUDIT_ROLES))
HISTORY_ROLES = tuple(sorted(audit_roles.HISTORY_ROLES))
REPORT_ROLES = tuple(sorted(audit_roles.REPORT_ROLES))
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
#: labels of data keys that scripts set (form fields take their schema titles)
SOURCES = {"rantai": "Rantai hash", "ulang": "Pemutaran ulang"}
REGISTER_TITLES = {"permohonan": "Register Permohonan Informasi", "keberatan": "Register Keberatan"}
REGISTER_ROWS_SHOWN = 500
MAX_CARRIED_FAILURES = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- small helpers

def _download(content: bytes, filename: str, mimetype: str, inline: bool = False) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _safe_name(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c in "-_") or "kasus"


def _label_maker(props: dict[str, dict]):
    def label(field: str) -> str:
        return field_label(props, field)

    return label


def _show_maker(props: dict[str, dict], opd_names: dict[str, str]):
    """show(field, value): the human text of one recorded value (masked values as they are)."""
    return lambda field, value: show_value(props, field, value, opd_names)


def _who(entry) -> str:
    if entry.actor_role == "sistem":
        return "Sistem"
    return role_label(entry.actor_role) if entry.actor_role else "-"


def _context(props: dict[str, dict]) -> dict:
    from app.services.views.worklist_views import opd_names

    return {"label": _label_maker(props), "show": _show_maker(props, opd_names()), "fired": fired_timers,
            "timer_text": timer_text, "role_label": role_label, "who": _who, "event_labels": history_views.EVENT_LABELS,
            "sources": SOURCES, "may_verify": bool(current_actor().roles & audit_roles.AUDIT_ROLES),
            "may_report": bool(current_actor().roles & audit_roles.REPORT_ROLES),
            "may_read_access": access_log.may_read_log(current_actor())}


def _parse_day(name: str, errors: dict) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        errors[name] = ["Tanggal tidak valid (gunakan format TTTT-BB-HH)."]
        return None


def _period() -> tuple[export_views.Period, dict, list[tuple[str, str]]]:
    """The period and OPD filter of the query string; errors per field."""
    errors: dict[str, list[str]] = {}
    first, last = _parse_day("dari", errors), _parse_day("sampai", errors)
    if first and last and first > last:
        errors["sampai"] = ["Tanggal akhir harus sama dengan atau sesudah tanggal awal."]
    options = opd_options()
    opd = request.args.get("opd", "").strip()[:32] or None
    if opd and opd not in {code for code, _ in options}:
        errors["opd"] = ["OPD tidak dikenal."]
        opd = None
    return export_views.Period(first, last, opd), errors, options


def _filter_args(period: export_views.Period) -> dict:
    return {k: v for k, v in (("dari", period.first.isoformat() if period.first else None),
                              ("sampai", period.last.isoformat() if period.last else None),
                              ("opd", period.opd)) if v}


def _period_suffix(period: export_views.Period) -> str:
    parts = [period.first.isoformat() if period.first else "", period.last.isoformat() if period.last else "",
             period.opd or ""]
    return "-".join(p for p in parts if p) or "semua"


# --------------------------------------------------------------------------- index

@bp.get("/audit/")
@roles_required(*AUDIT_ROLES)
def index():
    number = request.args.get("n", "").strip().upper()[:40]
    if number:
        if not NUMBER.match(number):
            abort(404)
        return redirect(url_for("audit.case_history", registration_number=number))
    return render_template("audit/index.html", **_context({}))


# --------------------------------------------------------------------------- one case

@bp.get("/audit/kasus/<registration_number>")
@roles_required(*HISTORY_ROLES)
def case_history(registration_number: str):
    actor = current_actor()
    page = history_views.case_history(actor, registration_number)
    access_log.record_case_view(actor, page.case.registration_number, access_log.HALAMAN, request.path, now(),
                                with_history=True)
    bad_seqs = {f.seq for f in page.findings if f.seq is not None}
    return render_template("audit/case.html", page=page, case=page.case, bad_seqs=bad_seqs,
                           accesses=access_log.case_accesses(actor, page.case.id), access_kinds=access_log.KINDS,
                           **_context(page.field_props))


@bp.get("/audit/kasus/<registration_number>/riwayat.pdf")
@roles_required()
def history_pdf(registration_number: str):
    content = history_views.history_document(current_actor(), registration_number)
    access_log.record_case_view(current_actor(), registration_number, access_log.EKSPOR, request.path, now(),
                                with_history=True)
    return _download(content, f"riwayat-{_safe_name(registration_number)}.pdf", "application/pdf", inline=True)


@bp.get("/audit/kasus/<registration_number>/langkah/<int:seq>")
@roles_required(*HISTORY_ROLES)
def case_step(registration_number: str, seq: int):
    page = history_views.case_at(current_actor(), registration_number, seq)
    access_log.record_case_view(current_actor(), page.case.registration_number, access_log.HALAMAN, request.path,
                                now(), with_history=True)
    return render_template("audit/step.html", page=page, case=page.case, entry=page.entry,
                           svg=Markup(page.svg) if page.svg else None, **_context(page.field_props))


# --------------------------------------------------------------------------- verification

@bp.get("/audit/verifikasi")
@roles_required(*AUDIT_ROLES)
def verification():
    reg = request.args.get("reg", "").strip()[:40]
    return render_template("audit/verify.html", run=None, reg=reg, errors={}, **_context({}))


def _int_field(name: str) -> int:
    text = request.form.get(name, "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else 0


@bp.post("/audit/verifikasi")
@roles_required(*AUDIT_ROLES)
def verify():
    actor = current_actor()
    reg = request.form.get("reg", "").strip().upper()[:40]
    failed = [n for n in request.form.get("gagal", "").split(",") if NUMBER.match(n)][:MAX_CARRIED_FAILURES]
    try:
        run = verification_views.verify_cases(actor, reg or None, after=_int_field("setelah"),
                                              checked_before=_int_field("diperiksa"), failed_before=failed)
    except NotFound:
        errors = {"reg": ["Nomor Pendaftaran tidak ditemukan."]}
        return render_template("audit/verify.html", run=None, reg=reg, errors=errors, **_context({})), 422
    return render_template("audit/verify.html", run=run, reg=reg, errors={},
                           carried=",".join(run.failed[:MAX_CARRIED_FAILURES]), **_context({}))


# --------------------------------------------------------------------------- exports

@bp.get("/audit/ekspor")
@roles_required(*AUDIT_ROLES)
def exports():
    period, errors, options = _period()
    return render_template("audit/exports.html", period=period, errors=errors, opds=options,
                           args=_filter_args(period), **_context({})), 422 if errors else 200


def _export(kind: str, mimetype: str):
    period, errors, options = _period()
    if errors:
        return render_template("audit/exports.html", period=period, errors=errors, opds=options,
                               args=_filter_args(period), **_context({})), 422
    content = export_views.export_log(current_actor(), kind, period)
    return _download(content, f"log-peristiwa-{_period_suffix(period)}.{kind}", mimetype)


@bp.get("/audit/ekspor.xes")
@roles_required(*AUDIT_ROLES)
def export_xes():
    return _export("xes", "application/xml")


@bp.get("/audit/ekspor.csv")
@roles_required(*AUDIT_ROLES)
def export_csv():
    return _export("csv", "text/csv")


# --------------------------------------------------------------------------- registers

@bp.get("/audit/register/<kind>")
@roles_required(*AUDIT_ROLES)
def register(kind: str):
    if kind not in REGISTER_TITLES:
        abort(404)
    period, errors, options = _period()
    fmt = request.args.get("format", "")
    if fmt in ("csv", "xlsx") and not errors:
        content = export_views.register_file(current_actor(), kind, fmt, period)
        mimetype = XLSX if fmt == "xlsx" else "text/csv"
        return _download(content, f"register-{kind}-{_period_suffix(period)}.{fmt}", mimetype)
    rows = export_views.register_rows(current_actor(), kind, period)
    return render_template("audit/register.html", kind=kind, title=REGISTER_TITLES[kind], rows=rows[:REGISTER_ROWS_SHOWN],
                           total=len(rows), columns=export_views.register_columns(kind), period=period, errors=errors,
                           opds=options, args=_filter_args(period), **_context({})), 422 if errors else 200


# --------------------------------------------------------------------------- personal data access log

ACCESS_LOG_ROLES = tuple(sorted(access_log.LOG_READERS))
ACCESS_PER_PAGE = 50


def _access_filters() -> tuple[access_log.AccessFilters, dict, dict]:
    """The filters of /audit/akses-data (petugas, kasus, dari, sampai), their errors and their query args."""
    errors: dict[str, list[str]] = {}
    first, last = _parse_day("dari", errors), _parse_day("sampai", errors)
    if first and last and first > last:
        errors["sampai"] = ["Tanggal akhir harus sama dengan atau sesudah tanggal awal."]
    username = request.args.get("petugas", "").strip()[:80] or None
    number = request.args.get("kasus", "").strip().upper()[:40] or None
    if number and not NUMBER.match(number):
        errors["kasus"] = ["Nomor Pendaftaran tidak valid."]
        number = None
    filters = access_log.AccessFilters(username, number, first, last)
    args = {k: v for k, v in (("petugas", username), ("kasus", number), ("dari", first and first.isoformat()),
                              ("sampai", last and last.isoformat())) if v}
    return filters, errors, args


@bp.get("/audit/akses-data")
@roles_required(*ACCESS_LOG_ROLES)
def access_data():
    """Who saw personal data in full (NIK, KTP scans): per officer, per case, per period, newest first."""
    filters, errors, args = _access_filters()
    text = request.args.get("page", "1")
    page = int(text) if text.isdigit() and len(text) < 7 else 1
    result = access_log.access_log_page(current_actor(), filters, page, ACCESS_PER_PAGE) if not errors \
        else access_log.AccessPage([], 0, 1, ACCESS_PER_PAGE)

    def url(**changes) -> str:
        merged = {**args, **changes}
        return url_for("audit.access_data", **{k: v for k, v in merged.items() if v not in (None, "")})

    return render_template("audit/access.html", result=result, filters=filters, errors=errors, url=url,
                           kinds=access_log.KINDS, **_context({})), 422 if errors else 200


# --------------------------------------------------------------------------- reports

def _year_arg(years: list[int]) -> int:
    text = request.args.get("tahun", "").strip()
    if text.isdigit() and 2000 <= int(text) <= wib_date(now()).year + 1:
        return int(text)
    return years[0] if years else wib_date(now()).year


@bp.get("/audit/laporan")
@roles_required(*REPORT_ROLES)
def report():
    years = report_views.years_with_cases(now())
    year = _year_arg(years)
    if request.args.get("format") == "csv":
        return _download(report_views.report_csv(current_actor(), year), f"laporan-tahunan-{year}.csv", "text/csv")
    semester = {"1": 1, "2": 2}.get(request.args.get("semester", ""))
    options = opd_options()
    opd = request.args.get("opd", "").strip()[:32] or None
    if opd and opd not in {code for code, _ in options}:
        opd = None
    page = report_views.annual_report_page(current_actor(), year, semester, opd)
    scope = f"{year}" + (f", semester {semester}" if semester else "")
    charts = [report_views.chart(f"Keputusan atas permohonan, {scope}", page.decisions),
              report_views.chart(f"Permohonan per bulan, {scope}", page.per_month)]
    if page.per_opd:
        charts.append(report_views.chart(f"Permohonan per OPD, {scope}", page.per_opd))
    if page.grounds:
        charts.append(report_views.chart(f"Penolakan menurut Pasal 17 UU 14/2008, {scope}", page.grounds))
    names = dict(options)
    return render_template("audit/report.html", page=page, row=page.selected, years=_with(years, year),
                           opds=options, opd_names=names, charts=charts,
                           **_context({}))


def _with(years: list[int], year: int) -> list[int]:
    return sorted(set(years) | {year}, reverse=True)


@bp.get("/statistik")
def statistics():
    """Public statistics of a year: counts and times only, no personal data."""
    years = report_views.years_with_cases(now())
    year = _year_arg(years)
    stats = report_views.public_stats(year)
    return render_template("audit/statistics.html", stats=stats, figures=stats.figures, years=_with(years, year),
                           charts=stats.charts)
