"""The JSON API (/api/v1): bearer tokens, requests, the worklist. Described by /api/v1/openapi.json.

Only `Authorization: Bearer <token>` authenticates here, never the session cookie (the blueprint is
exempt from CSRF protection). Every error is application/problem+json with an Indonesian `detail`.
"""
from __future__ import annotations

import functools
import math

from flask import Blueprint, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from app.domain import roles
from app.domain.errors import Conflict, DomainError, Forbidden, NotFound
from app.services.records import access_log
from app.services.people import api_tokens
from app.services.casework.cases import get_case, start_case, start_form, visible_data
from app.services.infrastructure.context import Actor
from app.services.casework.tasks import (SORTS, TaskFilters, claim_task, complete_task, get_task, list_tasks, task_form,
                                unclaim_task)

from .api_errors import problem
from .api_io import (BadBody, case_json, case_links, form_data, history_json, json_body, only_keys, query_bool,
                     query_choice, query_int, query_text, task_summary, uploads_from)
from .formrender_schema import upload_fields
from .security import client_address, now

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PROCESS_ID = "permohonan_informasi"
MAX_PER_PAGE = 100
#: lanes are role keys (roles live in the database, see app/services/people/roles.py)
LANE_PATTERN = r"[a-z][a-z0-9_]{1,59}"
#: room in a JSON body besides one base64-encoded upload
BODY_MARGIN = 256 * 1024


class Unauthenticated(DomainError):
    default_message = "Perlu token akses. Kirim header Authorization: Bearer <token> (lihat POST /api/v1/auth/token)."
    http_status = 401


HTTP_DETAILS = {
    400: "Permintaan tidak dapat dibaca.",
    404: "Alamat tidak ditemukan.",
    405: "Metode ini tidak diizinkan untuk alamat ini.",
    415: "Jenis isi permintaan tidak didukung; kirim JSON.",
}


def body_limit() -> int:
    """Largest accepted body: one upload of PPID_MAX_UPLOAD_MB as base64, plus the form fields."""
    upload = int(current_app.config["PPID_MAX_UPLOAD_MB"]) * 1024 * 1024
    return math.ceil(upload / 3) * 4 + BODY_MARGIN


@bp.before_request
def _limit_body():
    request.max_content_length = body_limit()


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    response = problem(exc.http_status, exc.message, errors=getattr(exc, "errors", None) or None)
    if exc.http_status == 401:
        response.headers["WWW-Authenticate"] = getattr(exc, "challenge", 'Bearer realm="ppid"')
    if exc.http_status == 429:  # a request limit says when the next request is accepted; sign-in: 15 minutes
        response.headers["Retry-After"] = str(getattr(exc, "retry_after", 900))
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    status = exc.code or 500
    if status == 413:
        megabytes = body_limit() // (1024 * 1024)
        detail = f"Badan permintaan terlalu besar (paling besar {megabytes} MB termasuk berkas base64)."
    else:
        detail = HTTP_DETAILS.get(status, "Permintaan tidak dapat diproses.")
    return problem(status, detail)


def actor() -> Actor:
    return g.api_actor


def token_required(view):
    """Authenticate the bearer token; 401 with a Bearer challenge otherwise."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        auth = request.authorization
        if auth is None or auth.type != "bearer" or not auth.token:
            raise Unauthenticated()
        found = api_tokens.actor_for_token(auth.token, now())
        if found is None:
            error = Unauthenticated("Token akses tidak berlaku (kedaluwarsa, dicabut, atau kata sandi telah diganti). "
                                    "Minta token baru.")
            error.challenge = 'Bearer realm="ppid", error="invalid_token"'
            raise error
        g.api_actor, g.api_token = found, auth.token
        return view(*args, **kwargs)

    return wrapper


# --- tokens -------------------------------------------------------------------------------------

@bp.post("/auth/token")
def create_token():
    body = json_body()
    only_keys(body, {"username", "password"})
    username, password = body.get("username"), body.get("password")
    errors = {k: ["Wajib diisi (teks)."] for k, v in (("username", username), ("password", password))
              if not isinstance(v, str) or not v}
    if errors:
        raise BadBody("Nama pengguna dan kata sandi wajib diisi.", errors)
    issued = api_tokens.issue_token(username.strip(), password, client_address(), now())
    response = jsonify({"token": issued.token, "token_type": "Bearer",
                        "expires_at": issued.expires_at.isoformat(),
                        "user": {"username": issued.actor.username, "full_name": issued.actor.full_name,
                                 "roles": sorted(issued.actor.roles), "opd_codes": sorted(issued.actor.opd_codes)}})
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/auth/token")
@token_required
def delete_token():
    api_tokens.revoke_token(g.api_token)
    return "", 204


# --- requests -----------------------------------------------------------------------------------

@bp.get("/requests/form")
@token_required
def request_form():
    form = start_form(PROCESS_ID, now())
    return jsonify({"process_id": form.process_id, "process_name": form.process_name, "task_name": form.task_name,
                    "schema": form.schema, "ui_schema": form.ui_schema})


@bp.post("/requests")
@token_required
def create_request():
    if roles.PEMOHON not in actor().roles:
        raise Forbidden("Hanya akun pemohon yang dapat mengajukan permohonan informasi.")
    body = json_body()
    schema = start_form(PROCESS_ID, now()).schema
    uploads = uploads_from(body.pop("lampiran", None), schema)
    data = form_data(body, schema, current={})
    key = request.headers.get("Idempotency-Key", "")[:100] or None
    ref = start_case(actor(), PROCESS_ID, data, now(), uploads=uploads or None, submission_key=key)
    response = jsonify({"registration_number": ref.registration_number, "status": ref.status,
                        "links": case_links(ref.registration_number)})
    response.status_code = 200 if ref.existing else 201
    response.headers["Location"] = url_for("api.get_request", registration_number=ref.registration_number)
    return response


@bp.get("/requests/<registration_number>")
@token_required
def get_request(registration_number: str):
    view = get_case(actor(), registration_number)
    access_log.record_case_view(actor(), view.registration_number, access_log.API, request.path, now())
    return jsonify(case_json(view))


@bp.get("/requests/<registration_number>/history")
@token_required
def request_history(registration_number: str):
    view = get_case(actor(), registration_number)
    access_log.record_case_view(actor(), view.registration_number, access_log.API, request.path, now(),
                                with_history=True)
    return jsonify(history_json(view))


# --- tasks --------------------------------------------------------------------------------------

@bp.get("/tasks")
@token_required
def tasks():
    filters = TaskFilters(opd=query_text("opd", 32), status=query_text("status"), late_only=query_bool("late_only"),
                          lane=query_text("lane", 60, LANE_PATTERN),
                          sort=query_choice("sort", set(SORTS), "due"), descending=query_bool("descending"))
    page, per_page = query_int("page", 1, 1, 100000), query_int("per_page", 50, 1, MAX_PER_PAGE)
    current = now()
    result = list_tasks(actor(), current, filters, page, per_page)
    # total: the count stops after COUNT_BOUND rows (or after this page); total_exact says whether it did not
    return jsonify({"items": [task_summary(row, current) for row in result.rows], "total": result.total,
                    "total_exact": result.exact, "page": result.page, "per_page": result.per_page})


def _task(task_id):
    """The task as the actor may see it, to read; 404 when it does not exist (or is already done)."""
    try:
        return get_task(actor(), str(task_id))
    except Conflict:
        raise NotFound("Tugas tidak ditemukan atau sudah diselesaikan.") from None


def _open_task(task_id: str):
    """The task as the actor may act on it: one that is no longer open is a Conflict (409,
    "Tugas ini sudah tidak terbuka"), as on the pages, and nothing is written."""
    return get_task(actor(), task_id)


def _task_json(detail) -> dict:
    fields = detail.schema.get("properties", {})
    return {**task_summary(detail.row, now()),
            "form": {"schema": detail.schema, "ui_schema": detail.ui_schema},
            "defaults": {k: v for k, v in detail.form_values.items() if k in fields},
            "case_data": detail.case_data}


def _case_of(body: dict) -> str | None:
    """The optional `registration_number` a client sends to say which case it means the task of."""
    value = body.get("registration_number")
    if value is not None and not isinstance(value, str):
        raise BadBody("'registration_number' harus berupa teks.", {"registration_number": ["Harus berupa teks."]})
    return value


def _expected_case() -> str | None:
    """`registration_number` of a claim/unclaim body, when the client sends one."""
    body = json_body(required=False)
    only_keys(body, {"registration_number"})
    return _case_of(body)


@bp.get("/tasks/<uuid:task_id>")
@token_required
def get_task_detail(task_id):
    detail = _task(task_id)
    access_log.record_case_view(actor(), detail.row.registration_number, access_log.API, request.path, now())
    return jsonify(_task_json(detail))


@bp.post("/tasks/<uuid:task_id>/claim")
@token_required
def claim(task_id):
    task_id = str(task_id)
    _open_task(task_id)
    claim_task(actor(), task_id, now(), _expected_case())
    return jsonify(task_summary(_task(task_id).row, now()))


@bp.post("/tasks/<uuid:task_id>/unclaim")
@token_required
def unclaim(task_id):
    task_id = str(task_id)
    _open_task(task_id)
    unclaim_task(actor(), task_id, now(), _expected_case())
    return jsonify(task_summary(_task(task_id).row, now()))


@bp.post("/tasks/<uuid:task_id>/complete")
@token_required
def complete(task_id):
    task_id = str(task_id)
    form = task_form(actor(), task_id)  # the task and its form, read once; the use case checks the rest
    body = json_body()
    only_keys(body, {"data", "lampiran", "registration_number"})
    if not isinstance(body.get("data"), dict):
        raise BadBody("'data' wajib berupa objek berisi isian formulir.", {"data": ["Harus berupa objek."]})
    uploads = uploads_from(body.get("lampiran"), form.schema)
    sent_back = set(upload_fields(form.schema)) & set(body["data"])  # a client may send the defaults back
    current = visible_data(actor(), form.instance) if sent_back else {}
    data = form_data(body["data"], form.schema, current=current)
    done = complete_task(actor(), task_id, data, now(), uploads=uploads or None,
                         registration_number=_case_of(body), form=form)
    return jsonify({"registration_number": done.registration_number, "status": done.status,
                    "finished": done.finished, "links": case_links(done.registration_number)})


# --- the description ----------------------------------------------------------------------------

@bp.get("/openapi.json")
def openapi():
    from .openapi import document

    return jsonify(document())
