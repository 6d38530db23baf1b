"""Attachment downloads: KTP scans, letters and answers, served by rights, never from the web root."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response

from app.services.attachments import read_attachment

from .security import current_actor, roles_required

bp = Blueprint("files", __name__)


def _disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the RFC 5987 UTF-8 name."""
    ascii_name = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-")) or "berkas"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.get("/lampiran/<token>")
@roles_required()
def download(token: str):
    row, content = read_attachment(current_actor(), token)
    response = Response(content, mimetype=row.content_type)
    response.headers["Content-Disposition"] = _disposition(row.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
