"""Process owner pages (/proses): versions, import of a BPMN export, a version, comparison and migration.

Process owners and administrators only (sign-in page for guests, 403 for everyone else).
Also provides the template global `diagram_proses(registration_number)` that the staff case
file and the applicant's case page use to show the case's diagram.
"""
from __future__ import annotations

import os

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from app.domain.roles import ADMIN, PROCESS_OWNER
from app.services.casework import incidents
from app.services.modelling import process_views as views
from app.services.views.case_diagram import case_diagram_svg
from app.services.modelling.processes import ImportRefused, import_process, latest_version, migrate_cases, run_process_scenarios
from app.services.modelling.scenarios import last_results

from .security import current_actor, now, roles_required

bp = Blueprint("processes", __name__, url_prefix="/proses")

MANAGER_ROLES = (PROCESS_OWNER, ADMIN)
#: largest import request: the BPMN file (at most MAX_BPMN_BYTES, checked by the import) plus its forms
IMPORT_BODY_LIMIT = 4 * 1024 * 1024
MAX_NOTE = 2000
FORM_SUFFIX = ".json"
DMN_SUFFIX = ".dmn"


@bp.before_request
@roles_required(*MANAGER_ROLES)
def _managers_only():
    """Every page here is for process owners and administrators."""
    if request.endpoint == "processes.import_version":
        request.max_content_length = IMPORT_BODY_LIMIT
        if request.content_length and request.content_length > IMPORT_BODY_LIMIT:
            raise RequestEntityTooLarge()
    return None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def _too_large_message() -> str:
    return (f"Kiriman lebih dari {_mb(IMPORT_BODY_LIMIT)} sehingga tidak dapat dibaca; tidak ada yang dipasang. "
            f"Berkas BPMN paling besar {_mb(views.MAX_BPMN_BYTES)}; berkas formulir (.json) biasanya hanya "
            "beberapa KB. Periksa berkas yang dipilih lalu unggah kembali.")


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    # CSRF protection may read the body before the role check: show the page to managers only
    if request.endpoint == "processes.import_version" and current_actor().roles & set(MANAGER_ROLES):
        return _index_page({"": [_too_large_message()]}, {}, status=413)
    return render_template("error.html", code=413, title="Berkas terlalu besar",
                           message="Berkas yang diunggah terlalu besar."), 413


def _index_page(errors: dict | None = None, values: dict | None = None, refusal: ImportRefused | None = None,
                status: int = 200):
    return render_template("processes/index.html", groups=views.version_groups(), errors=errors or {},
                           values=values or {}, refusal=refusal, stage_labels=views.STAGE_LABELS,
                           max_bpmn=_mb(views.MAX_BPMN_BYTES), max_body=_mb(IMPORT_BODY_LIMIT)), status


# --------------------------------------------------------------------------- versions and import

@bp.get("")
def index():
    return _index_page()


def _uploads(field: str, suffix: str, what: str, errors: dict[str, list[str]]) -> dict[str, bytes]:
    """The files sent in one multiple-file field, by plain name; a wrong suffix is an error of that field."""
    found: dict[str, bytes] = {}
    for storage in request.files.getlist(field):
        if not storage or not storage.filename:
            continue
        name = os.path.basename(storage.filename.replace("\\", "/"))
        if not name.lower().endswith(suffix):
            errors.setdefault(field, []).append(f"{name}: {what} harus berakhiran {suffix}.")
            continue
        found[name] = storage.read()
    return found


@bp.post("/impor")
def import_version():
    values = {"note": request.form.get("note", "").strip()}
    errors: dict[str, list[str]] = {}
    bpmn = request.files.get("bpmn")
    if bpmn is None or not bpmn.filename:
        errors["bpmn"] = ["Pilih berkas BPMN hasil ekspor bpmn.io, Camunda Modeler atau SpiffArena."]
    forms = _uploads("forms", FORM_SUFFIX, "berkas formulir", errors)
    decisions = _uploads("decisions", DMN_SUFFIX, "tabel keputusan", errors)
    scenarios = _uploads("scenarios", ".json", "skenario uji", errors)
    if len(values["note"]) > MAX_NOTE:
        errors["note"] = [f"Catatan paling panjang {MAX_NOTE} karakter."]
    if errors:
        return _index_page(errors, values, status=422)
    try:
        result = import_process(current_actor(), bpmn.read(), now(), note=values["note"], extra_forms=forms or None,
                                decisions=decisions or None, scenarios=scenarios or None)
    except ImportRefused as refused:
        return _index_page({}, values, refusal=refused, status=422)
    return render_template("processes/imported.html", result=result, version=result.version,
                           number=views.version_number(result.version.id), forms=sorted(forms))


@bp.get("/<int:version_id>")
def version(version_id: int):
    detail = views.version_detail(version_id)
    return render_template("processes/version.html", detail=detail, v=detail.summary, svg=Markup(detail.svg),
                           diagrams=[(d, Markup(d.svg)) for d in detail.diagrams],
                           scenarios=last_results(detail.summary.process_id))


@bp.post("/skenario/<process_id>")
def run_scenarios(process_id: str):
    """Run the process's scenario tests on its newest version; back to the version page with the results."""
    found = run_process_scenarios(current_actor(), now(), process_id).get(process_id, [])
    failed = sum(not r.passed for r in found)
    flash(f"Skenario {process_id}: {len(found) - failed} lulus, {failed} gagal.", "error" if failed else "success")
    return redirect(url_for("processes.version", version_id=latest_version(process_id).id) + "#skenario")


@bp.get("/<int:version_id>/bpmn")
def bpmn(version_id: int):
    filename, content = views.bpmn_file(version_id)
    return _download(content, filename, "application/xml")


@bp.get("/<int:version_id>/formulir/<name>")
def form_file(version_id: int, name: str):
    return _download(views.form_file(version_id, name), name, "application/json")


@bp.get("/<int:version_id>/keputusan/<name>")
def decision_file(version_id: int, name: str):
    return _download(views.decision_file(version_id, name), name, "application/xml")


def _download(content: bytes, filename: str, mimetype: str) -> Response:
    safe = "".join(c for c in filename if c.isalnum() or c in "._-") or "berkas"
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- comparison and migration

def _compare_page(old_id: int, new_id: int, errors: dict | None = None, chosen=(), status: int = 200):
    result = views.comparison(old_id, new_id, now())
    return render_template("processes/compare.html", c=result, errors=errors or {}, chosen=set(chosen),
                           kind_label=views.kind_label), status


@bp.get("/<int:old_id>/banding/<int:new_id>")
def compare(old_id: int, new_id: int):
    return _compare_page(old_id, new_id)


@bp.post("/<int:old_id>/banding/<int:new_id>/migrasi")
def migrate(old_id: int, new_id: int):
    result = views.comparison(old_id, new_id, now())
    if result.same:
        abort(404)
    running = {c.registration_number for c in result.candidates}
    if request.form.get("semua") == "1":
        wanted = result.movable
    else:
        wanted = list(dict.fromkeys(n.strip() for n in request.form.getlist("nomor") if n.strip()))
    if not wanted:
        message = ("Tidak ada kasus yang dapat dipindahkan." if request.form.get("semua") == "1"
                   else "Pilih sedikitnya satu kasus, atau pilih \u201cPindahkan semua yang bisa\u201d.")
        return _compare_page(old_id, new_id, {"nomor": [message]}, status=422)
    elsewhere = [n for n in wanted if n not in running]
    outcomes = migrate_cases(current_actor(), [n for n in wanted if n in running], new_id, now())
    return render_template("processes/migrated.html", c=result, outcomes=outcomes, elsewhere=elsewhere)


# --------------------------------------------------------------------------- incidents

@bp.get("/insiden")
def incident_list():
    actor = current_actor()
    rows = incidents.list_incidents(include_resolved=True)
    return render_template("processes/incidents.html", open_rows=[r for r in rows if r.status == incidents.OPEN],
                           resolved_rows=[r for r in rows if r.status != incidents.OPEN],
                           kinds=incidents.KIND_LABELS, technical=ADMIN in actor.roles)


@bp.post("/insiden/<int:incident_id>/coba-lagi")
def incident_retry(incident_id: int):
    outcome = incidents.retry_incident(current_actor(), incident_id, now())
    flash(f"Insiden #{incident_id}: {outcome.message}", "success" if outcome.resolved else "error")
    return redirect(url_for("processes.incident_list"))


@bp.post("/insiden/<int:incident_id>/tutup")
def incident_close(incident_id: int):
    incidents.close_incident(current_actor(), incident_id, now(), request.form.get("catatan", "")[:500])
    flash(f"Insiden #{incident_id} ditutup tanpa dijalankan ulang.", "info")
    return redirect(url_for("processes.incident_list"))


# --------------------------------------------------------------------------- case diagrams

@bp.app_template_global("diagram_proses")
def case_diagram(registration_number: str) -> Markup:
    """The inline SVG of a case's diagram for the signed-in user ('' when it cannot be drawn)."""
    return Markup(case_diagram_svg(current_actor(), registration_number))
