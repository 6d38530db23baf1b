"""Text helpers for the documents: sanitizing untrusted values, masking, formatting.

Every value of a case is user input. Before it reaches fpdf2 it goes through a
sanitizer that keeps only characters the chosen font can draw, strips control and
invisible formatting characters (including bidi overrides), and never returns an
empty string where a value is shown ("-" instead).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime
from typing import Any

from app.domain.timeutil import BULAN, format_tanggal, format_waktu, parse_iso, to_wib

EMPTY = "-"

# Typographic characters outside latin-1, mapped for the core-font fallback.
_LATIN1_MAP = {
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2026": "...",
    "\u2022": "*", "\u2023": ">", "\u2032": "'", "\u2033": '"', "\u2039": "<", "\u203a": ">",
    "\u20ac": "EUR", "\u2122": "TM", "\u2192": "->", "\u2190": "<-", "\u2264": "<=",
    "\u2265": ">=", "\u2248": "~", "\u2260": "!=", "\u2116": "No.", "\u00a0": " ",
    "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u202f": " ",
}
_WS_RUN = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _clean_chars(value: str) -> str:
    """NFC, unified newlines, tabs as spaces, no control or format characters."""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    out = []
    for ch in text:
        if ch == "\n":
            out.append(ch)
        elif ch == "\t":
            out.append(" ")
        else:
            cat = unicodedata.category(ch)
            # Cc: controls, Cf: format (zero-width, bidi overrides), Cs: lone surrogates,
            # Co/Cn: private use / unassigned; Zl/Zp: line/paragraph separators.
            if cat in ("Cc", "Cf", "Cs", "Co", "Cn"):
                continue
            out.append("\n" if cat in ("Zl", "Zp") else ch)
    return "".join(out)


def to_latin1(text: str) -> str:
    """Map text onto latin-1 for fpdf2's core fonts: fold accents, replace the rest by '?'."""
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
        elif ch in _LATIN1_MAP:
            out.append(_LATIN1_MAP[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)


def make_sanitizer(cmap: Collection[int] | None) -> Callable[[Any], str]:
    """A sanitizer for one font: ``cmap`` the code points it draws, None for latin-1 only."""

    def sanitize(value: Any) -> str:
        text = _clean_chars(stringify(value))
        if cmap is None:
            return to_latin1(text)
        return "".join(ch if (ch == "\n" or ord(ch) in cmap) else "?" for ch in text)

    return sanitize


def stringify(value: Any) -> str:
    """A readable string for any case value (lists joined, booleans in Indonesian)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(stringify(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {stringify(v)}" for k, v in value.items())
    if isinstance(value, bytes):
        return "(berkas)"
    return str(value)


def tidy(text: str) -> str:
    """Collapse space runs and long runs of blank lines; strip the ends."""
    lines = [_WS_RUN.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def one_line(text: str, limit: int) -> str:
    """All whitespace as single spaces, cut to ``limit`` characters (for table cells)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"


def or_dash(text: str) -> str:
    return text if text.strip() else EMPTY


def mask_identity(value: Any) -> str:
    """Keep the first 4 and last 4 characters, the rest as '*' (all '*' when 8 or fewer)."""
    text = "".join(stringify(value).split())
    if not text:
        return ""
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def label_for(labels: Mapping[str, Mapping[str, str]] | None, field: str, value: Any) -> str:
    """The human title of a coded value (``labels[field][value]``); the raw value otherwise."""
    raw = stringify(value)
    if labels and isinstance(value, str):
        titles = labels.get(field)
        if titles and value in titles:
            return titles[value]
    return raw


def _as_instant(value: Any) -> datetime | date | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None and value.tzinfo.utcoffset(value) is not None else None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return parse_iso(value)
        except ValueError:
            return None
    return None


def fmt_datetime(value: Any) -> str:
    """``"Senin, 16 Maret 2026 14:05 WIB"``; a date-only value without the time;
    an unparseable value as its text; nothing as ""."""
    instant = _as_instant(value)
    if isinstance(instant, datetime):
        if isinstance(value, str) and len(value.strip()) == 10:
            return format_tanggal(instant)
        return format_waktu(instant)
    if isinstance(instant, date):
        return format_tanggal(instant)
    return stringify(value)


def fmt_date(value: Any) -> str:
    """``"Senin, 16 Maret 2026"`` (WIB calendar day); unparseable values as text."""
    instant = _as_instant(value)
    if instant is not None:
        return format_tanggal(instant)
    return stringify(value)


def fmt_short(value: Any) -> str:
    """Compact WIB time for table cells: ``"16 Mar 2026 14:05"``."""
    instant = _as_instant(value)
    if isinstance(instant, datetime):
        local = to_wib(instant)
        return f"{local.day} {BULAN[local.month - 1][:3]} {local.year} {local:%H:%M}"
    if isinstance(instant, date):
        return f"{instant.day} {BULAN[instant.month - 1][:3]} {instant.year}"
    return stringify(value)


_UNSAFE_NAME = re.compile(r"[^\w.\-() ]+")


def safe_filename(name: Any, default: str = "lampiran", limit: int = 100) -> str:
    """A file name without path components or unsafe characters, never empty or hidden.

    ``"../../etc/passwd"`` -> ``"passwd"``; ``"C:\\\\x\\\\ktp.jpg"`` -> ``"ktp.jpg"``.
    """
    text = _clean_chars(stringify(name)).replace("\\", "/").split("/")[-1]
    text = _UNSAFE_NAME.sub("_", text.replace("\n", " ")).strip(" .")
    text = re.sub(r"\s+", " ", text).lstrip("-_ ")
    if not text or set(text) <= {".", "_"}:
        text = default
    if len(text) > limit:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: limit - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:limit]
    return text


def unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``... before the extension if taken (case-insensitive)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, dot, ext = name, "", ""
    candidate, n = name, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem}-{n}{dot}{ext}"
    used.add(candidate.lower())
    return candidate
