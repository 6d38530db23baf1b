"""RFC 9457 problem details for the JSON API."""
from __future__ import annotations

from flask import jsonify

#: the title of each error status, on the pages and in the API's problem details
ERROR_TITLES = {400: "Permintaan tidak valid", 401: "Perlu masuk", 403: "Akses ditolak",
                404: "Halaman tidak ditemukan", 405: "Metode tidak diizinkan", 409: "Terjadi konflik",
                413: "Berkas terlalu besar", 422: "Isian belum benar", 429: "Terlalu banyak percobaan",
                500: "Terjadi kesalahan", 503: "Langkah belum dapat dijalankan"}


def problem(status: int, detail: str, errors: dict | None = None, title: str | None = None):
    body = {"type": "about:blank", "title": title or ERROR_TITLES.get(status, "Error"), "status": status,
            "detail": detail}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response
