"""Reading JSON bodies and query strings of the API, and turning service results into JSON."""
from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timezone
from typing import Any

from flask import request, url_for

from app.domain.errors import DomainError, ValidationFailed
from app.services.casework.attachments import Upload

from .formrender_schema import properties, upload_fields


class BadBody(DomainError):
    """The request body or query string cannot be read (400); ``errors`` names the parts."""

    default_message = "Permintaan tidak dapat dibaca."
    http_status = 400

    def __init__(self, message: str | None = None, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def json_body(required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is missing, not JSON or not an object (413 when too large)."""
    raw = request.get_data(cache=True)  # raises 413 beyond request.max_content_length
    if not raw.strip():
        if required:
            raise BadBody("Badan permintaan kosong. Kirim objek JSON dengan Content-Type: application/json.")
        return {}
    if not request.is_json:
        raise BadBody("Badan permintaan harus JSON (Content-Type: application/json).")
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise BadBody("Badan permintaan bukan JSON yang sah.") from None
    if not isinstance(value, dict):
        raise BadBody("Badan permintaan harus berupa objek JSON.")
    if "\\u0000" in raw.decode("utf-8", "replace").lower() and _has_nul(value):
        raise BadBody("Badan permintaan memuat karakter NUL (\\u0000), yang tidak dapat disimpan.")
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def only_keys(body: dict, allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise BadBody("Kunci tidak dikenal pada badan permintaan: " + ", ".join(unknown) + ".",
                      {key: ["Kunci tidak dikenal."] for key in unknown})


def uploads_from(lampiran: Any, schema: dict) -> dict[str, Upload]:
    """`lampiran` {field: {filename, content_base64}} as Upload objects.

    A wrong shape is a 400; a field that is not an upload field of the form or content that is not
    base64 is a 422 on that field (the file's type and size are checked by the service).
    """
    if lampiran is None:
        return {}
    if not isinstance(lampiran, dict):
        raise BadBody("'lampiran' harus berupa objek {nama_isian: {filename, content_base64}}.",
                      {"lampiran": ["Harus berupa objek."]})
    shape_errors = {}
    for field, item in lampiran.items():
        if (not isinstance(item, dict) or set(item) != {"filename", "content_base64"}
                or not isinstance(item["filename"], str) or not isinstance(item["content_base64"], str)):
            shape_errors[f"lampiran.{field}"] = ["Harus berupa objek {filename, content_base64} berisi teks."]
    if shape_errors:
        raise BadBody("Isian 'lampiran' tidak berbentuk benar.", shape_errors)
    allowed = set(upload_fields(schema))
    errors, uploads = {}, {}
    for field, item in lampiran.items():
        if field not in allowed:
            errors[field] = ["Bukan isian berkas pada formulir ini."]
            continue
        if not item["filename"].strip():
            errors[field] = ["Nama berkas wajib diisi."]
            continue
        try:
            content = base64.b64decode(item["content_base64"], validate=True)
        except (binascii.Error, ValueError):
            errors[field] = ["Isi berkas bukan base64 yang sah."]
            continue
        uploads[field] = Upload(item["filename"], content)
    if errors:
        raise ValidationFailed(errors)
    return uploads


TYPE_NAMES = {"string": "teks", "integer": "bilangan bulat", "number": "angka", "boolean": "true/false",
              "array": "daftar", "object": "objek", "null": "null"}


def _json_type_ok(value: Any, declared: str) -> bool:
    if declared == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if declared == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    kinds = {"string": str, "boolean": bool, "array": list, "object": dict, "null": type(None)}
    return isinstance(value, kinds.get(declared, object))


def form_data(data: dict, schema: dict, current: dict) -> dict:
    """Form fields of a submission: a value of the wrong JSON type is a 400, an unknown field a 422.

    Upload fields take files only through `lampiran`; a value equal to the current one (a client sending
    back the defaults) is dropped, any other value is refused. Everything else is checked by the service
    against the form's JSON Schema (422).
    """
    known = properties(schema)
    uploads = set(upload_fields(schema))
    type_errors, errors, cleaned = {}, {}, {}
    for key, value in data.items():
        if key not in known:
            errors[key] = ["Isian tidak dikenal pada formulir ini."]
            continue
        if key in uploads:
            if value not in (None, "", current.get(key)):
                errors[key] = ["Kirim berkas melalui isian 'lampiran' (base64)."]
            continue
        declared = known[key].get("type")
        declared = [declared] if isinstance(declared, str) else declared if isinstance(declared, list) else []
        if value is not None and declared and not any(_json_type_ok(value, t) for t in declared):
            type_errors[key] = ["Jenis isian harus " + " atau ".join(TYPE_NAMES.get(t, t) for t in declared) + "."]
        cleaned[key] = value
    if type_errors:
        raise BadBody("Jenis isian tidak sesuai.", type_errors)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def query_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadBody(f"Parameter '{name}' harus bilangan bulat {low} sampai {high}.",
                      {name: [f"Bilangan bulat {low} sampai {high}."]})
    return int(raw)


def query_bool(name: str) -> bool:
    raw = (request.args.get(name) or "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise BadBody(f"Parameter '{name}' harus true atau false.", {name: ["true atau false."]})
    return raw in ("true", "1")


def query_choice(name: str, choices, default: str | None = None) -> str | None:
    raw = request.args.get(name) or default
    if raw is not None and raw not in choices:
        raise BadBody(f"Parameter '{name}' tidak dikenal.", {name: ["Pilihan: " + ", ".join(sorted(choices)) + "."]})
    return raw


def query_text(name: str, max_length: int = 60, pattern: str | None = None) -> str | None:
    raw = request.args.get(name) or None
    if raw is not None and len(raw) > max_length:
        raise BadBody(f"Parameter '{name}' terlalu panjang.", {name: [f"Paling banyak {max_length} karakter."]})
    if raw is not None and pattern and not re.fullmatch(pattern, raw):
        raise BadBody(f"Parameter '{name}' tidak berbentuk benar.", {name: ["Format tidak sesuai."]})
    return raw


def iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value is not None else None


def case_links(registration_number: str) -> dict[str, str]:
    return {"self": url_for("api.get_request", registration_number=registration_number),
            "history": url_for("api.request_history", registration_number=registration_number)}


def task_summary(row, now: datetime) -> dict[str, Any]:
    """A worklist row (HumanTask) as JSON."""
    return {
        "id": row.task_id, "title": row.title, "lane": row.lane, "registration_number": row.registration_number,
        "applicant_name": row.applicant_name, "process_id": row.process_id, "status": row.case_status,
        "opd": row.opd_code, "received_at": iso(row.received_at), "due_at": iso(row.due_at),
        "deadline_at": iso(row.deadline_at), "late": row.due_at is not None and row.due_at < now,
        "claimed_by": row.claimed_by_name, "claimed_at": iso(row.claimed_at),
        "links": {"self": url_for("api.get_task_detail", task_id=row.task_id),
                  "claim": url_for("api.claim", task_id=row.task_id),
                  "unclaim": url_for("api.unclaim", task_id=row.task_id),
                  "complete": url_for("api.complete", task_id=row.task_id),
                  "request": url_for("api.get_request", registration_number=row.registration_number)},
    }


def case_json(view) -> dict[str, Any]:
    """A CaseView (without its history) as JSON."""
    return {
        "registration_number": view.registration_number, "process_id": view.process_id, "status": view.status,
        "applicant_name": view.applicant_name, "opd": view.opd_code, "late": view.late, "finished": view.finished,
        "received_at": iso(view.created_at), "data": view.data,
        "open_tasks": [{"id": t["task_id"], "title": t["title"], "lane": t["lane"], "due_at": iso(t["due_at"]),
                        "claimed_by": t["claimed_by"]} for t in view.open_tasks],
        "timers": [{"name": t["name"], "due_at": iso(t["due_at"])} for t in view.timers],
        "links": case_links(view.registration_number),
    }


def history_json(view) -> dict[str, Any]:
    return {
        "registration_number": view.registration_number, "chain_ok": view.chain_ok,
        "entries": [{"seq": e.seq, "at": iso(e.at), "event_type": e.event_type, "actor_name": e.actor_name,
                     "actor_role": e.actor_role, "lane": e.lane, "task_name": e.task_name, "payload": e.payload}
                    for e in view.history],
        "links": case_links(view.registration_number),
    }
