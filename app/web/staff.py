"""Staff pages: the worklist (/staf/tugas), the case list and the case file (/staf/kasus)."""
from __future__ import annotations

import copy
import secrets

from flask import abort, Blueprint, flash, redirect, render_template, request, url_for

from app.domain import data_contract as contract
from app.domain.errors import ValidationFailed
from app.domain.roles import role_label
from app.services.views.case_history_views import EVENT_LABELS
from app.services.casework.incidents import KIND_LABELS, open_incidents_of
from app.services.casework.cases import get_case
from app.services.casework.tasks import TaskFilters, list_tasks
from app.services.records import access_log
from app.services.views import worklist_views as views

from .history_format import field_label, fired_timers, show_value, timer_text
from app.services.casework.redispatch import REDISPATCHERS, may_redispatch, redispatch_case
from app.services.people.roles import works_lanes
from app.services.people.staffing import count_unstaffed_tasks, staffed_opd_codes, unstaffed_tasks

from app.services.views import task_page_views
from app.services.casework.access import ON_BEHALF_ROLES
from app.services.casework.cases import start_case, start_form
from app.services.casework.counter import CHANNEL_KEY, CHANNELS

from .formrender import parse_submission, render_form, upload_fields
from .security import current_actor, now, roles_required
from .uploads import read_uploads

bp = Blueprint("staff", __name__, url_prefix="/staf")

PORTAL_PROCESS = "permohonan_informasi"  # what the counter records (the portal's /permohonan/baru)

WORKLIST_ROLES = ("diskominfo", "kepala_diskominfo", "opd", "atasan_ppid")
CASE_ROLES = WORKLIST_ROLES + ("auditor",)
PER_PAGE = 25
SORTS = {"due": "Batas", "received": "Diterima", "number": "Nomor Pendaftaran", "task": "Tugas"}
DEADLINE_LABELS = {"ok": "Tepat waktu", "soon": "Segera jatuh tempo", "late": "Terlambat"}


def _page_arg() -> int:
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        return 1
    return min(max(page, 1), views.MAX_PAGE)


def _choice_arg(name: str, allowed, default: str | None = None) -> str | None:
    value = request.args.get(name, "").strip()
    return value if value in allowed else default


def _text_arg(name: str, limit: int = 200) -> str | None:
    return request.args.get(name, "").strip()[:limit] or None


def _url_maker(endpoint: str, params: dict, **extra):
    """url(**changes): the page's URL with its current query string changed (empty values dropped)."""

    def url(**changes) -> str:
        merged = {**params, **changes}
        return url_for(endpoint, **extra, **{k: v for k, v in merged.items() if v not in (None, "", False)})

    return url


# --------------------------------------------------------------------------- worklist

@bp.get("/tugas")
@roles_required()
def worklist():
    if not works_lanes(current_actor().roles):
        abort(403)
    actor = current_actor()
    titles, statuses = views.worklist_choices(actor)
    opd_names = views.opd_names()
    opds = views.worklist_opd_options(actor, opd_names)
    sort = _choice_arg("sort", SORTS, "due")
    direction = _choice_arg("dir", ("asc", "desc"), "asc")
    filters = TaskFilters(title=_text_arg("title"), opd=_text_arg("opd", 32), status=_text_arg("status", 60),
                          late_only=request.args.get("late") == "1", sort=sort, descending=direction == "desc")
    page = _page_arg()
    at = now()
    result = list_tasks(actor, at, filters, page=page, per_page=PER_PAGE)
    pages = views.page_count(result.total, PER_PAGE)
    if result.exact and page > pages:  # not exact: there are rows after this page
        page = pages
        result = list_tasks(actor, at, filters, page=page, per_page=PER_PAGE)
    params = {"title": filters.title, "opd": filters.opd, "status": filters.status,
              "late": "1" if filters.late_only else None,
              "sort": sort if sort != "due" else None, "dir": direction if direction != "asc" else None,
              "page": page if page > 1 else None}
    url = _url_maker("staff.worklist", params)

    def sort_url(key: str) -> str:
        flip = "desc" if key == sort and direction == "asc" else None
        return url(sort=key if key != "due" else None, dir=flip, page=None)

    return render_template(
        "staff/worklist.html", rows=result.rows, total=result.total, exact=result.exact, page=page, pages=pages,
        filters=filters,
        sort=sort, direction=direction, titles=_with_current(titles, filters.title),
        statuses=_with_current(statuses, filters.status), opds=opds, opd_names=opd_names,
        url=url, sort_url=sort_url, sorts=SORTS, deadline_labels=DEADLINE_LABELS, actor_id=actor.user_id,
        here=request.full_path.rstrip("?"), unstaffed=count_unstaffed_tasks() if may_redispatch(actor) else 0)


def _with_current(options: list[str], current: str | None) -> list[str]:
    """Keep a filter's chosen value selectable even when no row carries it any more."""
    return options + [current] if current and current not in options else options


# --------------------------------------------------------------------------- cases

@bp.get("/kasus")
@roles_required(*CASE_ROLES)
def cases():
    actor = current_actor()
    filters = views.CaseFilters(number=_text_arg("q", 40), status=_text_arg("status", 60),
                                opd=_text_arg("opd", 32), late_only=request.args.get("late") == "1")
    result = views.list_cases_for(actor, filters, page=_page_arg(), per_page=PER_PAGE)
    params = {"q": filters.number, "status": filters.status, "opd": filters.opd,
              "late": "1" if filters.late_only else None, "page": result.page if result.page > 1 else None}
    opds = views.case_opd_options(actor)
    return render_template("staff/cases.html", page=result, filters=filters, url=_url_maker("staff.cases", params),
                           statuses=_with_current(views.case_statuses(actor), filters.status), opds=opds,
                           opd_names=views.opd_names())


@bp.get("/kasus/<registration_number>")
@roles_required(*CASE_ROLES)
def case_file(registration_number: str):
    case = get_case(current_actor(), registration_number)
    access_log.record_case_view(current_actor(), case.registration_number, access_log.HALAMAN, request.path, now(),
                                with_history=True)
    props = views.case_field_props(case.registration_number)
    opd_names = views.opd_names()
    return render_template("staff/case.html", case=case, props=props, opd_names=opd_names,
                           on_behalf=bool(current_actor().roles & ON_BEHALF_ROLES), channels=CHANNELS,
                           withdrawable=_withdrawable(case),
                           incidents=open_incidents_of(case.id), incident_kinds=KIND_LABELS,
                           event_labels=EVENT_LABELS, show=lambda field, value: show_value(props, field, value, opd_names),
                           label=lambda field: field_label(props, field),
                           new_changes=_new_changes,
                           fired=fired_timers, timer_text=timer_text, role_label=role_label,
                           deadline_labels=DEADLINE_LABELS)


def _withdrawable(case) -> bool:
    """The case file offers to record a withdrawal while the request's notice is not out."""
    return (not case.finished and contract.RINCIAN_INFORMASI in case.data
            and not case.data.get(contract.PEMBERITAHUAN_TERBIT))


def _new_changes(payload: dict) -> dict:
    """Changes worth listing beside the submission: derived values, and submitted values that replaced others."""
    submitted = payload.get("submitted") or {}
    return {k: c for k, c in (payload.get("changes") or {}).items()
            if not (k in submitted and c.get("before") in (None, ""))}




# --------------------------------------------------------------------------- tasks no one can take

@bp.get("/tanpa-petugas")
@roles_required(*REDISPATCHERS)
def unstaffed(errors: dict | None = None, values: dict | None = None, status: int = 200):
    """Open tasks that no active account may take (e.g. an OPD without an active officer), with a
    way to send each case on to an OPD that has one."""
    opd_names = views.opd_names()
    staffed = sorted(staffed_opd_codes(), key=lambda code: opd_names.get(code, code))
    return render_template("staff/unstaffed.html", rows=unstaffed_tasks(), opd_names=opd_names, staffed=staffed,
                           errors=errors or {}, values=values or {}, deadline_labels=DEADLINE_LABELS), status


@bp.post("/kasus/<registration_number>/teruskan")
@roles_required(*REDISPATCHERS)
def redispatch(registration_number: str):
    values = {"nomor": registration_number, "opd": request.form.get("opd", ""),
              "alasan": request.form.get("alasan", "")}
    try:
        done = redispatch_case(current_actor(), registration_number, values["opd"], values["alasan"], now())
    except ValidationFailed as exc:
        return unstaffed(exc.errors, values, 422)
    names = views.opd_names()
    flash(f"Kasus {done.registration_number} diteruskan ke {names.get(done.to_opd, done.to_opd)}.", "info")
    return redirect(url_for("staff.unstaffed"))


# --------------------------------------------------------------------------- requests at the counter

def _counter_form():
    """The request form as the officer fills it in: the channel (set by the server for applicants) is asked
    for, offering only the ways a request reaches the counter."""
    form = start_form(PORTAL_PROCESS, now())
    schema = copy.deepcopy(form.schema)
    channel = (schema.get("properties") or {}).get(CHANNEL_KEY)
    if channel is not None:
        channel["oneOf"] = [c for c in channel.get("oneOf", []) if c.get("const") in CHANNELS]
        channel["default"] = "loket"
        channel.pop("description", None)
    ui = {**form.ui_schema, CHANNEL_KEY: {"ui:widget": "radio"}}
    return form, schema, ui


def _render_counter(form, schema, ui, values, errors, token, status=200):
    fields = render_form(schema, ui, values, errors)
    return render_template("staff/counter_new.html", form=form, schema=schema, fields=fields, token=token,
                           errors=errors), status


def _also_other_problems(schema: dict, data: dict, uploads: dict, errors: dict) -> None:
    """Raise `errors` together with every other problem of the form."""
    try:
        task_page_views.check_submission(schema, data, uploads)
    except ValidationFailed as exc:
        errors = {**exc.errors, **errors}
    raise ValidationFailed(errors)


@bp.route("/permohonan-baru", methods=["GET", "POST"])
@roles_required(*ON_BEHALF_ROLES)
def counter_request():
    """A request brought to the counter, by phone or by letter, recorded by an officer (UU 14/2008 art. 22(3))."""
    form, schema, ui = _counter_form()
    if request.method == "GET":
        return _render_counter(form, schema, ui, {}, None, secrets.token_urlsafe(18))
    token = request.form.get("form_token", "")[:64] or secrets.token_urlsafe(18)
    uploads, too_big = read_uploads(upload_fields(schema))
    data = parse_submission(schema, request.form, set(uploads))
    channel = str(data.get(CHANNEL_KEY) or "")
    try:
        if too_big:
            raise ValidationFailed(too_big)
        if channel not in CHANNELS:  # say so, and what else is missing as for a counter request
            _also_other_problems(schema, {**data, CHANNEL_KEY: "loket"}, uploads,
                                 {"kanal": ["Pilih cara permohonan diterima."]})
        ref = start_case(current_actor(), PORTAL_PROCESS, data, now(), uploads, submission_key=token,
                         on_behalf=channel)
    except ValidationFailed as exc:
        errors = dict(exc.errors)
        if "kanal" in errors:
            errors[CHANNEL_KEY] = errors.pop("kanal")
        for name in uploads:
            errors.setdefault(name, ["Pilih berkas ini lagi (berkas belum tersimpan karena ada isian lain "
                                     "yang belum benar)."])
        return _render_counter(form, schema, ui, data, errors, token, 422)
    flash(f"Permohonan dicatat dengan Nomor Pendaftaran {ref.registration_number}. Cetak tanda terima dan "
          "serahkan kepada pemohon; pemohon dapat mengklaim permohonan ini di akunnya dengan nomor ini dan NIK.",
          "success")
    return redirect(url_for("staff.case_file", registration_number=ref.registration_number))


@bp.post("/kasus/<registration_number>/cabut")
@roles_required(*ON_BEHALF_ROLES)
def withdraw_on_behalf(registration_number: str):
    """An officer records a withdrawal the applicant brought to the counter, by phone or by letter."""
    from app.domain.errors import Conflict
    from app.services.casework.withdrawal import withdraw_request

    try:
        withdraw_request(current_actor(), registration_number, request.form.get("alasan_pencabutan", "")[:1000],
                         now(), on_behalf=request.form.get("kanal", ""))
    except ValidationFailed as exc:
        flash("Pencabutan belum dicatat: " + " ".join(m for ms in exc.errors.values() for m in ms), "error")
    except Conflict as exc:
        flash(exc.message, "error")
    else:
        flash(f"Pencabutan permohonan {registration_number} dicatat.", "success")
    return redirect(url_for("staff.case_file", registration_number=registration_number))
