"""Sniffing attachment content: JPEG/PNG images and PDF files, by their bytes.

The declared content type is user input; the bytes decide. Images are opened lazily with
Pillow (header only) to get their size and to refuse decompression bombs before fpdf2
decodes them.
"""

from __future__ import annotations

import io
import warnings

MAX_PIXELS = 40_000_000  # larger images are listed, not embedded

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


def sniff(content: bytes | None) -> str | None:
    """``"png"``, ``"jpeg"``, ``"pdf"`` or None."""
    if not content:
        return None
    if content.startswith(PNG_MAGIC):
        return "png"
    if content.startswith(JPEG_MAGIC):
        return "jpeg"
    if b"%PDF-" in content[:1024]:
        return "pdf"
    return None


def is_image(content: bytes | None) -> bool:
    return sniff(content) in ("png", "jpeg")


def image_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels of an embeddable image; None when unreadable or too large."""
    try:
        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(content)) as img:
                width, height = img.size
    except Exception:
        return None
    if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
        return None
    return width, height
