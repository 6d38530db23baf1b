"""The process modeler in the page (/proses/<process_id>/ubah): bpmn-js served from app/static/vendor,
our own properties panel (app/static/modeler*.js), drafts, their check and their deployment (issue 17).

Process owners and administrators only, like every page under /proses; a draft is seen by its owner alone.
"""
from __future__ import annotations

import json
import re

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from app.domain.errors import ValidationFailed
from app.domain.roles import ADMIN, PROCESS_OWNER
from app.services.modelling import drafts, modeler_aids
from app.services.modelling.process_views import STAGE_LABELS, kind_label, version_number

from .formrender import parse_submission, render_form
from .security import current_actor, now, roles_required

bp = Blueprint("modeler", __name__, url_prefix="/proses")

MAX_NOTE = 2000
FORM_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,79}$")
MAX_FORM_TEXT = 256 * 1024


@bp.before_request
@roles_required(PROCESS_OWNER, ADMIN)
def _managers_only():
    """Every page here is for process owners and administrators."""
    return None


@bp.app_template_global("draf_proses")
def drafts_of(process_id: str) -> list[drafts.DraftView]:
    """The signed-in owner's drafts of a process (the process list shows them)."""
    return drafts.list_drafts(current_actor(), process_id)


def _flash_errors(failed: ValidationFailed) -> None:
    for messages in failed.errors.values():
        for message in messages:
            flash(message, "error")


def _page(source: drafts.EditorSource, draft: drafts.DraftView | None = None):
    check = draft.check if draft else None
    problems = check.problems if check is not None and check.current else []
    return render_template("processes/modeler.html", source=source, draft=draft, check=check,
                           drafts=drafts.list_drafts(current_actor(), source.process_id),
                           stage_labels=STAGE_LABELS, kind_label=kind_label, max_note=MAX_NOTE,
                           data={"problems": problems, "draft_id": draft.id if draft else None,
                                 **modeler_aids.panel_choices(source.process_id, draft.forms if draft else None),
                                 "urls": {"timer": url_for(".timer_preview"), "condition": url_for(".condition_check"),
                                          "form": url_for(".form_editor", draft_id=draft.id, name="__NAME__")
                                          if draft else None}})


@bp.get("/<process_id>/ubah")
def edit(process_id: str):
    """The newest version of the process opened in the modeler."""
    return _page(drafts.latest_source(process_id))


@bp.post("/<process_id>/draf")
def create_draft(process_id: str):
    """The modeler's diagram kept as a new draft of the owner."""
    try:
        draft_id = drafts.create_draft(current_actor(), process_id, now(), request.form.get("bpmn_xml"),
                                       request.form.get("title", ""))
    except ValidationFailed as failed:
        _flash_errors(failed)
        return redirect(url_for(".edit", process_id=process_id))
    flash("Draf disimpan. Hanya Anda yang melihatnya; belum ada yang berubah bagi pemohon dan petugas.", "success")
    return redirect(url_for(".draft", draft_id=draft_id))


@bp.get("/draf/<int:draft_id>")
def draft(draft_id: int):
    view = drafts.draft_detail(current_actor(), draft_id)
    latest = drafts.latest_source(view.process_id)
    source = drafts.EditorSource(view.process_id, latest.name, latest.version_id, latest.version_number,
                                 view.bpmn_xml)
    return _page(source, view)


def _save(draft_id: int) -> bool:
    try:
        drafts.save_draft(current_actor(), draft_id, now(), bpmn_xml=request.form.get("bpmn_xml"),
                          title=request.form.get("title"))
    except ValidationFailed as failed:
        _flash_errors(failed)
        return False
    return True


@bp.post("/draf/<int:draft_id>")
def save_draft(draft_id: int):
    if _save(draft_id):
        flash("Draf disimpan.", "success")
    return redirect(url_for(".draft", draft_id=draft_id))


@bp.post("/draf/<int:draft_id>/periksa")
def check_draft(draft_id: int):
    """Keep the diagram as it is on the screen, then run the whole import pipeline on the draft."""
    if _save(draft_id):
        report = drafts.check_draft(current_actor(), draft_id, now())
        if report.ok:
            flash("Draf lolos semua pemeriksaan. Tinjau perbedaannya di bawah sebelum menerapkan.", "success")
        else:
            flash(f"Pemeriksaan menemukan {len(report.problems)} masalah pada tahap "
                  f"\u201c{STAGE_LABELS.get(report.stage, report.stage)}\u201d.", "error")
    return redirect(url_for(".draft", draft_id=draft_id) + "#periksa")


@bp.post("/draf/<int:draft_id>/terapkan")
def deploy_draft(draft_id: int):
    note = request.form.get("note", "").strip()
    if len(note) > MAX_NOTE:
        flash(f"Catatan paling panjang {MAX_NOTE} karakter.", "error")
        return redirect(url_for(".draft", draft_id=draft_id) + "#terapkan")
    try:
        result = drafts.deploy_draft(current_actor(), draft_id, now(), note)
    except ValidationFailed as failed:
        _flash_errors(failed)
        return redirect(url_for(".draft", draft_id=draft_id) + "#periksa")
    except drafts.ImportRefused as refused:  # something changed since the check (a form in forms/, a role)
        flash(f"Penerapan ditolak pada tahap \u201c{STAGE_LABELS.get(refused.stage, refused.stage)}\u201d: "
              + "; ".join(refused.lines()[:5]) + ". Periksa draf ini lagi.", "error")
        return redirect(url_for(".draft", draft_id=draft_id) + "#periksa")
    return render_template("processes/imported.html", result=result, version=result.version,
                           number=version_number(result.version.id), forms=[])


@bp.post("/draf/<int:draft_id>/hapus")
def delete_draft(draft_id: int):
    process_id = drafts.draft_detail(current_actor(), draft_id).process_id
    drafts.delete_draft(current_actor(), draft_id)
    flash("Draf dihapus.", "info")
    return redirect(url_for(".edit", process_id=process_id))


# --------------------------------------------------------------------------- the properties panel's questions

@bp.get("/modeler/timer")
def timer_preview():
    """JSON: "5 hari kerja" (or an expression) as the timer expression, and its date for a request received now."""
    args = request.args
    return jsonify(modeler_aids.timer_preview(now(), args.get("teks", "")[:100], args.get("sejak", "")[:60],
                                              args.get("ekspresi", "")[:2000]))


@bp.get("/modeler/syarat")
def condition_check():
    """JSON: a gateway condition checked by the sandbox's compiler, and the names no form or script sets."""
    args = request.args
    draft_id = args.get("draf", type=int)
    return jsonify(modeler_aids.condition_check(current_actor(), args.get("proses", ""), args.get("teks", "")[:2000],
                                                draft_id))


# --------------------------------------------------------------------------- the form editor

def _form_name(name: str) -> str:
    if not FORM_NAME.match(name):
        abort(404)
    return name


@bp.get("/draf/<int:draft_id>/formulir")
def open_form(draft_id: int):
    """The form editor for the name typed on the draft page (a new name makes a new form)."""
    name = request.args.get("nama", "").strip().removesuffix(".schema.json").removesuffix(".uischema.json")
    drafts.draft_detail(current_actor(), draft_id)
    if not FORM_NAME.match(name):
        flash("Nama formulir: huruf kecil, angka dan _ saja, mis. telaah_hukum.", "error")
        return redirect(url_for(".draft", draft_id=draft_id) + "#formulir")
    return redirect(url_for(".form_editor", draft_id=draft_id, name=name))


@bp.get("/draf/<int:draft_id>/formulir/<name>")
def form_editor(draft_id: int, name: str):
    """A form's JSON Schema and UI schema side by side, with the form as it will be shown."""
    name = _form_name(name)
    view = drafts.draft_detail(current_actor(), draft_id)
    schema_text, ui_text, new = modeler_aids.form_sources(current_actor(), draft_id, name)
    preview = modeler_aids.form_preview(schema_text, ui_text)
    return render_template("processes/form_editor.html", draft=view, name=name, new=new, schema_text=schema_text,
                           ui_text=ui_text, problems=preview["problems"], preview=_preview_html(preview, {}))


@bp.post("/draf/<int:draft_id>/formulir/<name>")
def save_form(draft_id: int, name: str):
    """Keep both files in the draft as typed (a form with problems too: Periksa refuses it until fixed)."""
    name = _form_name(name)
    schema_text = request.form.get("schema", "")[:MAX_FORM_TEXT]
    ui_text = request.form.get("uischema", "").strip()[:MAX_FORM_TEXT] or "{}"
    try:
        drafts.save_draft(current_actor(), draft_id, now(), forms={
            f"{name}.schema.json": schema_text, f"{name}.uischema.json": ui_text})
    except ValidationFailed as failed:
        _flash_errors(failed)
        return redirect(url_for(".form_editor", draft_id=draft_id, name=name))
    problems = modeler_aids.form_preview(schema_text, ui_text)["problems"]
    if problems:
        flash(f"Formulir {name} disimpan ke draf, tetapi masih ada {len(problems)} masalah: perbaiki sebelum "
              "draf diperiksa.", "error")
    else:
        flash(f"Formulir {name} disimpan ke draf.", "success")
    return redirect(url_for(".form_editor", draft_id=draft_id, name=name))


def _preview_html(preview: dict, values: dict) -> Markup:
    schema = preview["schema"]
    if schema is None:
        return Markup("")
    heading = Markup("<h3>{}</h3>").format(schema["title"]) if isinstance(schema.get("title"), str) else Markup("")
    about = Markup("<p>{}</p>").format(schema["description"]) if isinstance(schema.get("description"), str) else ""
    return heading + about + render_form(schema, preview["ui"], values, preview["errors"])


@bp.post("/formulir/pratinjau")
def form_preview():
    """JSON: the form as typed in the editor, rendered by the same renderer as the task pages; with `isian`
    (the preview's own fields, as JSON pairs) the server's messages on each field."""
    schema_text = request.form.get("schema", "")[:MAX_FORM_TEXT]
    ui_text = request.form.get("uischema", "")[:MAX_FORM_TEXT]
    preview, values = modeler_aids.form_preview(schema_text, ui_text), {}
    if request.form.get("isian") and preview["schema"] is not None:
        try:
            pairs = [(str(k), str(v)) for k, v in json.loads(request.form["isian"])][:500]
        except (ValueError, TypeError):
            abort(400)
        values = parse_submission(preview["schema"], MultiDict(pairs), set())
        preview = modeler_aids.form_preview(schema_text, ui_text, values)
    return jsonify({"ok": not preview["problems"], "problems": preview["problems"], "errors": preview["errors"],
                    "html": str(_preview_html(preview, values))})


# --------------------------------------------------------------------------- what-if on past cases

MAX_WHATIF_CASES = 1000


def _day(text: str, errors: list[str], label: str):
    from datetime import date

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{label}: tulis tanggal seperti 2026-01-31.")
        return None


@bp.get("/draf/<int:draft_id>/whatif")
def what_if(draft_id: int):
    """The saved draft run on the recorded history of past cases, old model against new (a simulation)."""
    actor, args, errors = current_actor(), request.args, []
    view = drafts.draft_detail(actor, draft_id)
    new_tasks = drafts.new_user_tasks(actor, draft_id)
    since, until = _day(args.get("sejak", ""), errors, "Sejak"), _day(args.get("sampai", ""), errors, "Sampai")
    limit = args.get("jumlah", 200, type=int)
    if not 1 <= limit <= MAX_WHATIF_CASES:
        errors.append(f"Jumlah kasus 1 sampai {MAX_WHATIF_CASES}.")
    durations = {}
    for task in new_tasks:
        text = args.get(f"lama-{task['id']}", "").strip().replace(",", ".")
        if text:
            try:
                durations[task["id"]] = float(text)
            except ValueError:
                errors.append(f"Lama '{task['name']}': tulis jumlah hari kerja, mis. 1,5.")
    report = refused = None
    if args.get("jalankan") and not errors:
        try:
            report = drafts.what_if_draft(actor, draft_id, now(), since=since, until=until, limit=limit,
                                          durations=durations)
        except drafts.ImportRefused as exc:
            refused = exc
    return render_template("processes/whatif.html", draft=view, new_tasks=new_tasks, args=args, errors=errors,
                           report=report, refused=refused, stage_labels=STAGE_LABELS)
