"""The task page shared by every lane: the case file, the form, claim and release."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from app.domain import roles
from app.domain.errors import Conflict, DomainError, ValidationFailed
from app.services.records import access_log
from app.services.views import task_page_views
from app.services.casework.counter import CHANNELS
from app.services.casework.attachments import kept_uploads
from app.services.casework.tasks import GONE, claim_task, complete_task, task_form, unclaim_task

from .formrender import parse_submission, render_form, upload_fields
from .keep_input import restored, safe_local_path
from .security import current_actor, now, roles_required
from .uploads import read_uploads, size_message

bp = Blueprint("tasks", __name__)

WORKLIST = "/staf/tugas"
#: the hidden field that carries the case a task form was shown for
CASE_FIELD = "_nomor_pendaftaran"


def _is_applicant_only() -> bool:
    return not (current_actor().roles & roles.STAFF_ROLES)


def _away(message: str, registration_number: str | None = None, applicant: bool | None = None):
    """After a conflict: flash it and go back to the worklist (staff) or the case (applicant)."""
    flash(message, "error")
    applicant = _is_applicant_only() if applicant is None else applicant
    if applicant:
        if registration_number:
            return redirect(url_for("portal.case", registration_number=registration_number))
        return redirect(url_for("portal.my_requests"))
    return redirect(WORKLIST)


def _render(page, values: dict, errors: dict | None, status: int = 200, channel: str | None = None):
    """The task page; a view of the case's personal data in full is recorded first (app.services.records.access_log)."""
    access_log.record_case_view(current_actor(), page.registration_number, access_log.HALAMAN, request.path, now(),
                                with_history=True)
    detail = page.detail
    fields = render_form(detail.schema, detail.ui_schema, values, errors) if detail.schema else None
    request_html = render_form(page.request_schema, page.request_ui, page.request_values, readonly=True) \
        if page.request_schema else None
    answers = [(block, render_form(block.schema, block.ui_schema, block.values, readonly=True))
               for block in page.answers]
    return render_template("tasks/task.html", page=page, task=detail.row, fields=fields, errors=errors,
                           request_html=request_html, answers=answers, channels=CHANNELS,
                           channel=channel or "",
                           channel_error=(errors or {}).get("kanal")), status


def _shown_for() -> str | None:
    """The registration number the posted form was shown for (None when an old form lacks it)."""
    return request.form.get(CASE_FIELD) or None


def _gone(message: str, registration_number: str | None, applicant: bool):
    """A posted form whose task is no longer open, or belongs to another case: 409, nothing written."""
    return render_template("tasks/gone.html", message=message, registration_number=registration_number,
                           applicant=applicant), 409


#: the hidden field that says the officer records the applicant's step on their behalf, and the channel chosen
ON_BEHALF_FIELD, CHANNEL_FIELD = "_atas_nama", "_kanal"


@bp.get("/tugas/<uuid:task_id>")
@roles_required()
def show(task_id):
    try:
        page = task_page_views.task_page(current_actor(), str(task_id), on_behalf=request.args.get("atas_nama") == "1")
    except Conflict as exc:
        return _away(exc.message)
    values = dict(page.detail.form_values)
    kept = restored()
    if kept is not None and page.detail.schema:
        values.update(parse_submission(page.detail.schema, kept, set()))
    return _render(page, values, None)


@bp.post("/tugas/<uuid:task_id>")
@roles_required()
def complete(task_id):
    """A submission reads the task and its form, and the use case checks everything once; the whole page is
    built only to show the form again with what is wrong."""
    actor, task_id = current_actor(), str(task_id)
    on_behalf = request.form.get(ON_BEHALF_FIELD) == "1"
    channel = request.form.get(CHANNEL_FIELD, "") if on_behalf else None
    try:
        form = task_form(actor, task_id, _shown_for(), on_behalf)
    except Conflict as exc:
        return _gone(exc.message, _shown_for(), _is_applicant_only())
    reg, title = form.row.registration_number, form.row.title
    for_applicant = form.row.lane == roles.PEMOHON and not on_behalf
    uploads, too_big = read_uploads(upload_fields(form.schema))
    data = parse_submission(form.schema, request.form, set(uploads))
    try:
        if too_big:
            raise ValidationFailed(too_big)
        done = complete_task(actor, task_id, data, now(), uploads, reg, channel, form=form)
    except ValidationFailed as exc:
        return _refused(actor, task_id, on_behalf, data, uploads, exc.errors, too_big, channel)
    except Conflict as exc:
        if exc.message == GONE:
            return _gone(exc.message, reg, for_applicant)
        return _away(exc.message, reg, for_applicant)
    if for_applicant:  # words to the applicant: the form's own, else what happens to their case now
        flash(done.message or f"Terima kasih, isian \u201c{title}\u201d untuk permohonan "
              f"{done.registration_number} sudah kami terima. Status permohonan Anda sekarang: {done.status}.",
              "success")
    else:
        flash(done.message or f"Tugas \u201c{title}\u201d untuk {done.registration_number} selesai. "
              f"Status sekarang: {done.status}.", "success")
    if for_applicant:
        return redirect(url_for("portal.case", registration_number=done.registration_number))
    if on_behalf:
        return redirect(url_for("staff.case_file", registration_number=done.registration_number))
    return redirect(WORKLIST)


def _refused(actor, task_id: str, on_behalf: bool, data: dict, uploads: dict, errors: dict, too_big: dict,
             channel: str | None):
    """The form again, with every problem beside its field and what was typed kept (422)."""
    try:
        page = task_page_views.task_page(actor, task_id, _shown_for(), on_behalf)
    except Conflict as exc:
        return _gone(exc.message, _shown_for(), _is_applicant_only())
    detail = page.detail
    if too_big:
        errors = {**_other_problems(detail, data, uploads), **errors}
    errors = dict(errors)
    for name in uploads:
        errors.setdefault(name, ["Pilih berkas ini lagi (berkas belum tersimpan karena ada isian lain "
                                 "yang belum benar)."])
    return _render(page, {**detail.case_data, **data}, errors, 422, channel)


def _other_problems(detail, data: dict, uploads: dict) -> dict:
    """The form's other problems, shown together with a file over the limit (nothing is stored)."""
    try:
        task_page_views.check_submission(detail.schema, kept_uploads(detail.schema, data, detail.case_data), uploads)
    except ValidationFailed as exc:
        return dict(exc.errors)
    return {}


@bp.post("/tugas/<uuid:task_id>/ambil")
@roles_required()
def claim(task_id):
    try:
        claim_task(current_actor(), str(task_id), now(), _shown_for())
    except Conflict as exc:
        if exc.message == GONE:
            return _gone(exc.message, _shown_for(), False)
        return _away(exc.message)
    flash("Tugas ini sekarang Anda kerjakan.", "success")
    return redirect(_back_to(url_for("tasks.show", task_id=task_id)))


@bp.post("/tugas/<uuid:task_id>/lepas")
@roles_required()
def release(task_id):
    try:
        unclaim_task(current_actor(), str(task_id), now(), _shown_for())
    except Conflict as exc:
        if exc.message == GONE:
            return _gone(exc.message, _shown_for(), False)
        flash(exc.message, "error")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash("Tugas dilepas; petugas lain dapat mengerjakannya.", "info")
    return redirect(_back_to(url_for("tasks.show", task_id=task_id)))


def _back_to(default: str) -> str:
    """The page the claim/release form came from (a local path only), else the task page."""
    return safe_local_path(request.form.get("next", "")) or default


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    """A body over the hard cap cannot be read at all: a clear 413, on the task's own form when the
    person may see it (the files' fields say why), else the error page."""
    message = (f"Kiriman lebih dari {current_app.config['PPID_MAX_BODY_MB']} MB sehingga tidak dapat dibaca. "
               "Isi kembali formulir dan pilih berkas yang lebih kecil.")
    task_id = (request.view_args or {}).get("task_id")
    if task_id is not None and current_user.is_authenticated:
        try:
            page = task_page_views.task_page(current_actor(), str(task_id))
        except (Conflict, DomainError):
            page = None
        if page is not None and page.detail.schema:
            errors = {name: [size_message()] for name in upload_fields(page.detail.schema)}
            errors[""] = [message]
            return _render(page, dict(page.detail.case_data), errors, 413)
    return render_template("error.html", code=413, title="Berkas terlalu besar", message=message), 413
