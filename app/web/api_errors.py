"""RFC 9457 problem details for the JSON API."""
from __future__ import annotations

from flask import jsonify


def problem(status: int, detail: str, errors: dict | None = None, title: str | None = None):
    from . import ERROR_TITLES

    body = {"type": "about:blank", "title": title or ERROR_TITLES.get(status, "Error"), "status": status,
            "detail": detail}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response
