"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json.

Kept as Python so shared parts (the task fields, the error responses) are written once. The tests
validate it with openapi-spec-validator and walk a whole request using only what it says, checking every
response against the schemas here, so the document cannot drift from app/web/api.py.
"""
from __future__ import annotations

import copy
import functools

from app.services.casework.tasks import SORTS

SERVER = "/api/v1"
PROBLEM = "application/problem+json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required,
            "additionalProperties": False, **extra}


STR = {"type": "string"}
NULLABLE_STR = {"type": ["string", "null"]}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
FREE_OBJECT = {"type": "object", "additionalProperties": True}
CASE_CHECK = {"type": "string", "description": "Nomor Pendaftaran kasus yang dimaksud; bila tugas milik kasus lain atau sudah tidak terbuka: 409, tidak ada yang berubah."}

TASK_FIELDS = {
    "id": {"type": "string", "format": "uuid",
           "description": "Identitas tugas (dipakai di /tasks/{task_id}); tidak pernah dipakai ulang."},
    "title": {"type": "string", "description": "Nama tugas, mis. 'Periksa kelengkapan permohonan'."},
    "lane": {"type": ["string", "null"], "description": "Peran yang mengerjakan (lane BPMN)."},
    "registration_number": {"type": "string", "description": "Nomor Pendaftaran permohonan."},
    "applicant_name": STR,
    "process_id": STR,
    "status": {"type": "string", "description": "Status permohonan, mis. Diajukan, Diproses, Selesai."},
    "opd": {"type": ["string", "null"], "description": "Kode OPD tujuan disposisi."},
    "received_at": DATETIME,
    "due_at": {**NULLABLE_DATETIME, "description": "Batas waktu tugas (hari kerja sudah dihitung)."},
    "deadline_at": NULLABLE_DATETIME,
    "late": {"type": "boolean", "description": "Batas waktu tugas sudah lewat."},
    "claimed_by": {**NULLABLE_STR, "description": "Nama petugas yang sedang mengerjakan."},
    "claimed_at": NULLABLE_DATETIME,
    "links": _ref("TaskLinks"),
}

SCHEMAS = {
    "Problem": _obj({
        "type": {"type": "string", "format": "uri-reference"},
        "title": STR,
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "Penjelasan dalam bahasa Indonesia."},
        "errors": {"type": "object", "description": "Per isian: daftar pesan ('' = seluruh formulir).",
                   "additionalProperties": {"type": "array", "items": STR}},
    }, required=["type", "title", "status", "detail"], description="RFC 9457 problem details."),
    "TokenRequest": _obj({"username": {"type": "string", "minLength": 1},
                          "password": {"type": "string", "minLength": 1, "format": "password"}}),
    "Token": _obj({
        "token": {"type": "string", "description": "Kirim sebagai `Authorization: Bearer <token>`."},
        "token_type": {"const": "Bearer"},
        "expires_at": {**DATETIME, "description": "Berlaku 12 jam."},
        "user": _obj({"username": STR, "full_name": STR,
                      "roles": {"type": "array", "items": STR},
                      "opd_codes": {"type": "array", "items": STR}}),
    }),
    "Upload": _obj({"filename": {"type": "string", "minLength": 1, "description": "Nama berkas (.pdf, .jpg, .png)."},
                    "content_base64": {"type": "string", "contentEncoding": "base64"}}),
    "Lampiran": {"type": "object", "additionalProperties": _ref("Upload"),
                 "description": "Berkas per isian unggahan formulir (isian dengan format data-url)."},
    "RequestCreate": {
        "type": "object",
        "description": ("Isian formulir permohonan (skema: GET /requests/form), langsung di tingkat atas; "
                        "berkas (mis. lampiran_identitas, pindaian KTP) dikirim di `lampiran`."),
        "properties": {"lampiran": _ref("Lampiran")},
        "additionalProperties": True,
    },
    "RequestLinks": _obj({"self": STR, "history": STR}),
    "TaskLinks": _obj({"self": STR, "claim": STR, "unclaim": STR, "complete": STR, "request": STR}),
    "RequestCreated": _obj({"registration_number": STR, "status": STR, "links": _ref("RequestLinks")}),
    "StartForm": _obj({"process_id": STR, "process_name": STR, "task_name": STR,
                       "schema": {**FREE_OBJECT, "description": "JSON Schema (draft 2020-12) formulir."},
                       "ui_schema": {**FREE_OBJECT, "description": "UI schema gaya RJSF."}}),
    "OpenTask": _obj({"id": {"type": "string", "format": "uuid"}, "title": STR, "lane": NULLABLE_STR, "due_at": NULLABLE_DATETIME,
                      "claimed_by": NULLABLE_STR}),
    "Timer": _obj({"name": STR, "due_at": DATETIME}),
    "Case": _obj({
        "registration_number": STR, "process_id": STR, "status": STR, "applicant_name": STR,
        "opd": NULLABLE_STR, "late": {"type": "boolean"}, "finished": {"type": "boolean"},
        "received_at": DATETIME,
        "data": {**FREE_OBJECT, "description": "Data permohonan; NIK dan KTP disamarkan bagi yang tidak berhak."},
        "open_tasks": {"type": "array", "items": _ref("OpenTask")},
        "timers": {"type": "array", "items": _ref("Timer")},
        "links": _ref("RequestLinks"),
    }),
    "HistoryEntry": _obj({
        "seq": {"type": "integer"}, "at": DATETIME, "event_type": STR, "actor_name": STR, "actor_role": STR,
        "lane": NULLABLE_STR, "task_name": NULLABLE_STR,
        "payload": {**FREE_OBJECT, "description": "submitted, changes, steps, timers_set, timers_cleared, ..."},
    }),
    "History": _obj({"registration_number": STR,
                     "chain_ok": {"type": "boolean", "description": "Rantai hash riwayat utuh."},
                     "entries": {"type": "array", "items": _ref("HistoryEntry")},
                     "links": _ref("RequestLinks")}),
    "TaskSummary": _obj(TASK_FIELDS),
    "Task": _obj({
        **TASK_FIELDS,
        "form": _obj({"schema": {**FREE_OBJECT, "description": "JSON Schema formulir tugas (pilihan OPD terisi)."},
                      "ui_schema": FREE_OBJECT}),
        "defaults": {**FREE_OBJECT, "description": "Nilai isian formulir yang sudah ada di data permohonan."},
        "case_data": {**FREE_OBJECT, "description": "Data permohonan (disamarkan bila tidak berhak)."},
    }),
    "TaskPage": _obj({"items": {"type": "array", "items": _ref("TaskSummary")},
                      "total": {"type": "integer", "minimum": 0, "description":
                                "Jumlah tugas; dihitung paling banyak 1.000 (atau sampai akhir halaman ini)."},
                      "total_exact": {"type": "boolean", "description":
                                      "false bila jumlah tugas lebih dari `total` (penghitungan berhenti)."},
                      "page": {"type": "integer", "minimum": 1},
                      "per_page": {"type": "integer", "minimum": 1}}),
    "TaskComplete": _obj({"data": {**FREE_OBJECT, "description": "Isian formulir tugas."},
                          "lampiran": _ref("Lampiran"), "registration_number": CASE_CHECK}, required=["data"]),
    "TaskCase": _obj({"registration_number": CASE_CHECK}),
    "Completion": _obj({"registration_number": STR, "status": STR, "finished": {"type": "boolean"},
                        "links": _ref("RequestLinks")}),
}


def _problem_response(description: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {PROBLEM: {"schema": _ref("Problem")}}}
    if headers:
        response["headers"] = headers
    return response


RESPONSES = {
    "BadRequest": _problem_response("Badan permintaan atau parameter tidak dapat dibaca (JSON rusak, jenis salah)."),
    "Unauthorized": _problem_response("Token akses tidak ada atau tidak berlaku.", {
        "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer challenge."}}),
    "Forbidden": _problem_response("Tidak berwenang."),
    "NotFound": _problem_response("Tidak ditemukan."),
    "Conflict": _problem_response("Data telah berubah (tugas sedang dikerjakan orang lain, sudah selesai)."),
    "TooLarge": _problem_response("Badan permintaan terlalu besar."),
    "Unprocessable": _problem_response("Isian belum benar; `errors` memuat pesan per isian."),
    "TooManyRequests": _problem_response("Terlalu banyak percobaan masuk.", {
        "Retry-After": {"schema": {"type": "integer"}, "description": "Detik sampai boleh mencoba lagi."}}),
    "Incident": _problem_response("Langkah gagal dijalankan karena kesalahan pada proses (bukan isian Anda): tidak ada "
                                  "yang berubah, kesalahan tercatat sebagai insiden (nomornya di `detail`) dan "
                                  "langkah dijalankan ulang oleh pengelola proses setelah diperbaiki."),
}


def _json(schema_name: str, description: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": _ref(schema_name)}}}
    if headers:
        response["headers"] = headers
    return response


def _errors(*codes: int) -> dict:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
             413: "TooLarge", 422: "Unprocessable", 429: "TooManyRequests", 503: "Incident"}
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def _body(schema_name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema_name)}}}


TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"},
           "description": "Identitas tugas (UUID), tidak pernah dipakai ulang."}
REGISTRATION_NUMBER = {"name": "registration_number", "in": "path", "required": True,
                       "description": "Nomor Pendaftaran, mis. PPID-2026-00001.",
                       "schema": {"type": "string", "maxLength": 40}}
PUBLIC: list = []


def _paths() -> dict:
    return {
        "/auth/token": {
            "post": {"operationId": "createToken", "tags": ["token"], "security": PUBLIC,
                     "summary": "Minta token akses (berlaku 12 jam)",
                     "description": "Dibatasi seperti halaman masuk: 5 kegagalan per akun dalam 15 menit.",
                     "requestBody": _body("TokenRequest"),
                     "responses": {"201": _json("Token", "Token diberikan."), **_errors(400, 401, 413, 429)}},
            "delete": {"operationId": "revokeToken", "tags": ["token"], "summary": "Cabut token yang dipakai",
                       "responses": {"204": {"description": "Token dicabut."}, **_errors(401)}},
        },
        "/requests/form": {
            "get": {"operationId": "getRequestForm", "tags": ["permohonan"],
                    "summary": "Formulir permohonan informasi (JSON Schema dan UI schema)",
                    "responses": {"200": _json("StartForm", "Formulir."), **_errors(401)}},
        },
        "/requests": {
            "post": {"operationId": "createRequest", "tags": ["permohonan"],
                     "summary": "Ajukan Permohonan Informasi (akun pemohon)",
                     "requestBody": _body("RequestCreate"),
                     "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                     "description": "Kunci sekali pakai: kiriman ulang dengan kunci yang sama "
                                                    "mengembalikan permohonan yang sudah dibuat (200). Program "
                                                    "yang dapat mengirim ulang (jaringan putus, tombol ganda) "
                                                    "wajib memakai kunci ini.",
                                     "schema": {"type": "string", "maxLength": 100}}],
                     "responses": {"201": _json("RequestCreated", "Permohonan diterima; Nomor Pendaftaran diberikan.",
                                                {"Location": {"schema": {"type": "string"}}}),
                                   "200": _json("RequestCreated", "Permohonan dengan kunci ini sudah dibuat sebelumnya.",
                                                {"Location": {"schema": {"type": "string"}}}),
                                   **_errors(400, 401, 403, 413, 422, 503)}},
        },
        "/requests/{registration_number}": {
            "parameters": [REGISTRATION_NUMBER],
            "get": {"operationId": "getRequest", "tags": ["permohonan"],
                    "summary": "Status permohonan, tugas terbuka, pengatur waktu, data",
                    "responses": {"200": _json("Case", "Permohonan."), **_errors(401, 403, 404)}},
        },
        "/requests/{registration_number}/history": {
            "parameters": [REGISTRATION_NUMBER],
            "get": {"operationId": "getRequestHistory", "tags": ["permohonan"], "summary": "Riwayat permohonan",
                    "responses": {"200": _json("History", "Riwayat, urut."), **_errors(401, 403, 404)}},
        },
        "/tasks": {
            "get": {"operationId": "listTasks", "tags": ["tugas"], "summary": "Daftar tugas yang boleh saya kerjakan",
                    "parameters": [
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                        {"name": "per_page", "in": "query",
                         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
                        {"name": "late_only", "in": "query", "description": "Hanya yang melewati batas waktu.",
                         "schema": {"type": "boolean", "default": False}},
                        {"name": "opd", "in": "query", "description": "Kode OPD.",
                         "schema": {"type": "string", "maxLength": 32}},
                        {"name": "status", "in": "query", "description": "Status permohonan.",
                         "schema": {"type": "string", "maxLength": 60}},
                        {"name": "lane", "in": "query", "description": "Lane BPMN (kunci peran), mis. diskominfo.",
                         "schema": {"type": "string", "pattern": "^[a-z][a-z0-9_]{1,59}$"}},
                        {"name": "sort", "in": "query", "schema": {"enum": sorted(SORTS), "default": "due"}},
                        {"name": "descending", "in": "query", "schema": {"type": "boolean", "default": False}},
                    ],
                    "responses": {"200": _json("TaskPage", "Satu halaman tugas."), **_errors(400, 401)}},
        },
        "/tasks/{task_id}": {
            "parameters": [TASK_ID],
            "get": {"operationId": "getTask", "tags": ["tugas"],
                    "summary": "Tugas dengan formulirnya dan data permohonan",
                    "responses": {"200": _json("Task", "Tugas."), **_errors(401, 403, 404)}},
        },
        "/tasks/{task_id}/claim": {
            "parameters": [TASK_ID],
            "post": {"operationId": "claimTask", "tags": ["tugas"], "summary": "Kerjakan (ambil) tugas",
                     "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("TaskCase")}}},
                     "responses": {"200": _json("TaskSummary", "Tugas kini atas nama Anda."),
                                   **_errors(401, 403, 404, 409)}},
        },
        "/tasks/{task_id}/unclaim": {
            "parameters": [TASK_ID],
            "post": {"operationId": "unclaimTask", "tags": ["tugas"], "summary": "Lepaskan tugas",
                     "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("TaskCase")}}},
                     "responses": {"200": _json("TaskSummary", "Tugas dilepaskan."), **_errors(401, 403, 404, 409)}},
        },
        "/tasks/{task_id}/complete": {
            "parameters": [TASK_ID],
            "post": {"operationId": "completeTask", "tags": ["tugas"],
                     "summary": "Selesaikan tugas dengan isian formulir",
                     "requestBody": _body("TaskComplete"),
                     "responses": {"200": _json("Completion", "Tugas selesai; status permohonan yang baru."),
                                   **_errors(400, 401, 403, 404, 409, 413, 422, 503)}},
        },
        "/openapi.json": {
            "get": {"operationId": "getOpenApi", "tags": ["dokumentasi"], "security": PUBLIC,
                    "summary": "Dokumen OpenAPI ini",
                    "responses": {"200": {"description": "OpenAPI 3.1.",
                                          "content": {"application/json": {"schema": FREE_OBJECT}}}}},
        },
    }


@functools.cache
def _document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API Layanan Permohonan Informasi Publik — PPID Kabupaten Pasuruan",
            "version": "1.0.0",
            "description": ("Ajukan dan pantau Permohonan Informasi, kerjakan tugas petugas. Semua galat berupa "
                            "application/problem+json dengan `detail` berbahasa Indonesia. Token berlaku 12 jam dan "
                            "tidak berlaku lagi setelah kata sandi diganti atau akun dinonaktifkan."),
        },
        "servers": [{"url": SERVER}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": n} for n in ("token", "permohonan", "tugas", "dokumentasi")],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "Token dari POST /auth/token."}},
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    }


def document() -> dict:
    """A fresh copy of the document (callers may change it)."""
    return copy.deepcopy(_document())
