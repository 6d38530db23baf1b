"""Attachment downloads: KTP scans, letters and answers, served by rights, never from the web root."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request

from app.services.records import access_log
from app.services.casework.attachments import read_attachment

from .security import current_actor, now, roles_required

bp = Blueprint("files", __name__)


#: kinds a browser shows itself; `?lihat=1` opens them in the browser (image, PDF viewer) instead of saving
VIEWABLE = {"image/png", "image/jpeg", "application/pdf"}


def _disposition(name: str, inline: bool = False) -> str:
    """`attachment` (or `inline`) with an ASCII fallback name and the RFC 5987 UTF-8 name."""
    ascii_name = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "._-")) or "berkas"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.get("/lampiran/<token>")
@roles_required()
def download(token: str):
    row, content = read_attachment(current_actor(), token)
    response = Response(content, mimetype=row.content_type)
    inline = request.args.get("lihat") == "1" and row.content_type in VIEWABLE
    response.headers["Content-Disposition"] = _disposition(row.original_name, inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # Chrome's PDF viewer does not run in a sandboxed document; a PDF shown inline gets no other right
    pdf_view = inline and row.content_type == "application/pdf"
    response.headers["Content-Security-Policy"] = "default-src 'none'" if pdf_view else "default-src 'none'; sandbox"
    access_log.record_file_view(current_actor(), token, request.path, now())  # a KTP scan: who opened it
    return response
