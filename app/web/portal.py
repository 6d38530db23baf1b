"""The applicant portal: file a request, list my cases, follow one case, download its documents."""
from __future__ import annotations

import secrets

from flask import (Blueprint, Response, current_app, flash, make_response, redirect, render_template, request,
                   url_for)
from werkzeug.exceptions import RequestEntityTooLarge

from app.domain.errors import ValidationFailed
from app.services.records import access_log
from app.services.people import accounts
from app.services.views import case_documents, case_page_views, task_page_views
from app.services.casework.cases import start_case, start_form
from app.services.casework.quotas import RequestLimitReached

from .formrender import parse_submission, render_form, upload_fields
from .keep_input import restored
from .security import current_actor, now, roles_required
from .uploads import read_uploads, size_message

bp = Blueprint("portal", __name__)

PROCESS_ID = "permohonan_informasi"  # what /permohonan/baru starts; /ajukan/<process_id> starts any process
TOKEN_FIELD = "form_token"


def _new_token() -> str:
    """A one-time token for a start form; the service starts at most one case per token."""
    return secrets.token_urlsafe(18)


def _already_sent(number: str):
    flash(f"Permohonan ini sudah terkirim dengan Nomor Pendaftaran {number}.", "info")
    return redirect(url_for("portal.case", registration_number=number))


def _render_start(form, values: dict, errors: dict | None, token: str, status: int = 200):
    fields = render_form(form.schema, form.ui_schema, values, errors)
    return render_template("portal/new.html", form=form, fields=fields, token=token, errors=errors), status


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    """A body over the server limit cannot be read at all: show the form again with the reason."""
    if request.endpoint != "portal.new_request":
        return render_template("error.html", code=413, title="Berkas terlalu besar",
                               message="Berkas yang diunggah terlalu besar."), 413
    form = start_form((request.view_args or {}).get("process_id", PROCESS_ID), now())
    message = size_message()
    errors = {name: [message] for name in upload_fields(form.schema)}
    errors[""] = [f"Kiriman lebih dari {current_app.config['PPID_MAX_BODY_MB']} MB sehingga tidak dapat dibaca. "
                  "Isi kembali formulir dan pilih berkas yang lebih kecil."]
    return _render_start(form, {}, errors, _new_token(), 413)


def _other_problems(schema: dict, data: dict, uploads: dict) -> dict:
    """The form's other problems, shown together with a file over the limit."""
    try:
        task_page_views.check_submission(schema, data, uploads)
    except ValidationFailed as exc:
        return dict(exc.errors)
    return {}


@bp.route("/permohonan/baru", methods=["GET", "POST"])
@bp.route("/ajukan/<process_id>", methods=["GET", "POST"])
@roles_required("pemohon")
def new_request(process_id: str = PROCESS_ID):
    """The start form of a process (an information request by default, a complaint, ...)."""
    form = start_form(process_id, now())
    if request.method == "GET":
        values = accounts.contact_of(current_actor().user_id)
        kept = restored()
        if kept is not None:
            values.update(parse_submission(form.schema, kept, set()))
        return _render_start(form, values, None, _new_token())

    token = request.form.get(TOKEN_FIELD, "")[:64] or None
    actor = current_actor()
    names = upload_fields(form.schema)
    uploads, too_big = read_uploads(names)
    data = parse_submission(form.schema, request.form, set(uploads))
    try:
        if too_big:
            raise ValidationFailed(too_big)
        ref = start_case(actor, process_id, data, now(), uploads, submission_key=token, match_content=True)
    except ValidationFailed as exc:
        errors = {**_other_problems(form.schema, data, uploads), **exc.errors} if too_big else dict(exc.errors)
        for name in uploads:
            if name not in errors:
                errors[name] = ["Pilih berkas ini lagi (berkas belum tersimpan karena ada isian lain yang belum benar)."]
        return _render_start(form, data, errors, token or _new_token(), 422)
    except RequestLimitReached as exc:  # said beside the form, with what was typed kept; nothing was stored
        errors = {"": [exc.message]}
        for name in uploads:
            errors[name] = ["Pilih berkas ini lagi (berkas belum tersimpan)."]
        response = make_response(_render_start(form, data, errors, token or _new_token(), 429))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if ref.existing:
        return _already_sent(ref.registration_number)
    flash(f"Permohonan Anda terkirim. Nomor Pendaftaran: {ref.registration_number}. "
          "Simpan nomor ini untuk memantau permohonan.", "success")
    return redirect(url_for("portal.case", registration_number=ref.registration_number))


@bp.route("/permohonan/klaim", methods=["GET", "POST"])
@roles_required("pemohon")
def claim():
    """A request recorded at the counter, by phone or by letter, taken into the applicant's own account."""
    from app.domain.errors import NotFound
    from app.services.people.accounts import TooManyAttempts
    from app.services.casework.counter import claim_case

    values = {"nomor": request.form.get("nomor", "")[:40], "nik": request.form.get("nik", "")[:100]}
    if request.method == "GET":
        return render_template("portal/claim.html", values=values, error=None)
    try:
        number = claim_case(current_actor(), values["nomor"], values["nik"], now())
    except (NotFound, TooManyAttempts) as exc:
        return render_template("portal/claim.html", values={**values, "nik": ""}, error=exc.message), \
            exc.http_status if isinstance(exc, TooManyAttempts) else 422
    flash(f"Permohonan {number} kini ada di akun Anda.", "success")
    return redirect(url_for("portal.case", registration_number=number))


@bp.get("/permohonan")
@roles_required("pemohon")
def my_requests():
    return render_template("portal/list.html", rows=case_page_views.my_case_rows(current_actor()))


@bp.post("/permohonan/<registration_number>/cabut")
@roles_required("pemohon")
def withdraw(registration_number: str):
    """The applicant withdraws the request before the written notice (recorded with its date and reason)."""
    from app.domain.errors import Conflict
    from app.services.casework.withdrawal import withdraw_request

    reason = request.form.get("alasan_pencabutan", "")[:1000]
    try:
        withdraw_request(current_actor(), registration_number, reason, now())
    except ValidationFailed as exc:
        return case(registration_number, withdraw_error=" ".join(exc.errors.get("alasan_pencabutan", [])),
                    withdraw_reason=reason, status=422)
    except Conflict as exc:  # a second tab, Back after the first withdrawal, or the notice came meanwhile
        flash(exc.message, "error")
        return redirect(url_for("portal.case", registration_number=registration_number))
    flash(f"Permohonan {registration_number} telah dicabut.", "success")
    return redirect(url_for("portal.case", registration_number=registration_number))


@bp.get("/permohonan/<registration_number>")
@roles_required()
def case(registration_number: str, withdraw_error: str | None = None, withdraw_reason: str | None = None,
         status: int = 200):
    page = case_page_views.case_page(current_actor(), registration_number)
    access_log.record_case_view(current_actor(), page.case.registration_number, access_log.HALAMAN, request.path,
                                now(), with_history=True)  # staff reading the applicant's page: recorded
    request_html = render_form(page.request_schema, page.request_ui, page.case.data, readonly=True) \
        if page.request_schema else None
    steps = [(item, render_form(item.answer.schema, item.answer.ui_schema, item.answer.values, readonly=True)
              if item.answer else None) for item in page.timeline]
    return render_template("portal/case.html", page=page, case=page.case, request_html=request_html, steps=steps,
                           withdraw_error=withdraw_error, withdraw_reason=withdraw_reason), status


def _document(content: bytes, filename: str, mimetype: str, inline: bool) -> Response:
    response = Response(content, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _safe_number(registration_number: str) -> str:
    return "".join(c for c in registration_number if c.isalnum() or c in "-_") or "permohonan"


def _pdf(content: bytes, name: str, registration_number: str) -> Response:
    """A case document shown in the browser's PDF viewer, named after its case."""
    return _document(content, f"{name}-{_safe_number(registration_number)}.pdf", "application/pdf", True)


@bp.get("/permohonan/<registration_number>/tanda-terima.pdf")
@roles_required()
def receipt(registration_number: str):
    return _pdf(case_documents.receipt_document(current_actor(), registration_number, request.host_url.rstrip("/")),
                "tanda-terima", registration_number)


@bp.get("/permohonan/<registration_number>/pemberitahuan.pdf")
@roles_required()
def notice(registration_number: str):
    return _pdf(case_documents.notice_document(current_actor(), registration_number), "pemberitahuan-tertulis",
                registration_number)


@bp.get("/permohonan/<registration_number>/tanda-terima-keberatan.pdf")
@roles_required()
def objection_receipt(registration_number: str):
    return _pdf(case_documents.objection_receipt_document(current_actor(), registration_number),
                "tanda-terima-keberatan", registration_number)


@bp.get("/permohonan/<registration_number>/tanggapan-keberatan.pdf")
@roles_required()
def objection_decision(registration_number: str):
    return _pdf(case_documents.objection_decision_document(current_actor(), registration_number),
                "tanggapan-atasan-ppid", registration_number)


@bp.get("/permohonan/<registration_number>/berkas-sengketa.zip")
@roles_required()
def dispute_bundle(registration_number: str):
    content = case_documents.dispute_bundle(current_actor(), registration_number, now(), request.host_url.rstrip("/"))
    # the bundle carries the full NIK (its receipt) and the identity documents
    access_log.record_case_view(current_actor(), registration_number, access_log.EKSPOR, request.path, now(),
                                files=True)
    return _document(content, f"berkas-sengketa-{_safe_number(registration_number)}.zip", "application/zip", False)
