"""Files posted with a page form. A file over the stated limit (PPID_MAX_UPLOAD_MB) is not read at
all: its field gets the message and the rest of the form is kept. Only a body over the hard cap
(PPID_MAX_BODY_MB) cannot be read, and answers 413."""
from __future__ import annotations

from flask import current_app, request

from app.services.casework.attachments import Upload


def size_message() -> str:
    return f"Berkas lebih dari {current_app.config['PPID_MAX_UPLOAD_MB']} MB. Pilih berkas yang lebih kecil."


def read_uploads(names: list[str]) -> tuple[dict[str, Upload], dict[str, list[str]]]:
    """The chosen files of these fields, and {field: [message]} for those over the limit."""
    limit = int(current_app.config["PPID_MAX_UPLOAD_MB"]) * 1024 * 1024
    uploads, too_big = {}, {}
    for name in names:
        storage = request.files.get(name)
        if storage is None or not storage.filename:
            continue
        stream = storage.stream
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(0)
        if size > limit:
            too_big[name] = [size_message()]
        else:
            uploads[name] = Upload(storage.filename, storage.read())
    return uploads, too_big


def body_cap(settings: dict) -> int:
    """The largest page request read at all: the hard cap, never below one upload plus the fields."""
    upload = int(settings["PPID_MAX_UPLOAD_MB"]) * 1024 * 1024 + 256 * 1024
    return max(int(settings["PPID_MAX_BODY_MB"]) * 1024 * 1024, upload)
