"""Checks the process modeler asks for while the owner types (app/web/modeler.py): a gateway condition
through the sandbox's compiler, a timer in working days and the date it gives, a form's JSON Schema.

They are the import's own rules (app.engine.lint, app.engine.formschema), run on one piece at a time;
the whole pipeline still runs on "Periksa" and on the deployment.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree

from .formschema import schema_problems
from .lint import _Linter
from .runtime import _helpers
from .sandbox import RestrictedEnvironment
from .types import RunContext

#: what the owner types for a working-day timer: "4 hari kerja", "4 hari", "4"
WORKING_DAYS_TEXT = re.compile(r"^\s*(\d{1,3})\s*(?:hari(?:\s+kerja)?)?\s*$", re.IGNORECASE)
#: a start the timer may count from: a case data key holding a date (tanggal_diterima) or nothing (the moment
#: the timer starts)
SINCE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,60}$")
MAX_DAYS = 365


def condition_messages(text: str, known_names: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """(problems, names the condition reads that no form field or script of the process sets).

    Problems are what the import's lint says of a condition (syntax, forbidden names, the sandbox's
    refusals); unknown names are only a warning (a value may come from elsewhere, e.g. a called process).
    """
    text = (text or "").strip()
    if not text:
        return ["syarat kosong: tulis syarat atas isian formulir, mis. kelengkapan == \"lengkap\""], []
    linter = _Linter(etree.Element("process"), lambda name: {}, (), {})
    messages, free = linter.code_messages(text, "eval", "syarat")
    messages = [m.replace("invalid syntax", "penulisan tidak sah") for m in messages]
    if messages and re.search(r"(?<![=!<>])=(?!=)", text):
        messages.append("untuk membandingkan pakai == (dua tanda sama dengan), mis. kelengkapan == \"lengkap\"")
    return messages, sorted(set(free) - set(known_names))


@dataclass(frozen=True)
class WorkingDayTimer:
    """A timer in working days: `days` counted from the case data key `since` (None: from when it starts)."""

    days: int
    since: str | None

    @property
    def expression(self) -> str:
        return f"hari_kerja({self.days}, sejak={self.since})" if self.since else f"hari_kerja({self.days})"


def parse_working_days(text: str, since: str | None = None) -> WorkingDayTimer | None:
    """"4 hari kerja" (or "4") counted from `since`; None when the text is not a number of days."""
    found = WORKING_DAYS_TEXT.match(text or "")
    if not found or not 0 < int(found.group(1)) <= MAX_DAYS:
        return None
    since = (since or "").strip() or None
    if since is not None and not SINCE_NAME.match(since):
        return None
    return WorkingDayTimer(int(found.group(1)), since)


def read_working_days(expression: str) -> WorkingDayTimer | None:
    """The working-day timer an expression is (`hari_kerja(4, sejak=tanggal_diterima)`, `hari_kerja(3)`,
    `hari_kerja(4, tanggal_diterima)`), or None for any other expression."""
    try:
        call = ast.parse((expression or "").strip(), mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "hari_kerja"):
        return None
    args = list(call.args) + [k.value for k in call.keywords if k.arg == "sejak"]
    if len(args) not in (1, 2) or len(call.keywords) > (1 if len(call.args) == 1 else 0):
        return None
    days = args[0]
    if not (isinstance(days, ast.Constant) and isinstance(days.value, int) and 0 < days.value <= MAX_DAYS):
        return None
    if len(args) == 1:
        return WorkingDayTimer(days.value, None)
    return WorkingDayTimer(days.value, args[1].id) if isinstance(args[1], ast.Name) else None


def timer_due(expression: str, ctx: RunContext, received: datetime) -> datetime:
    """When a timer would fire for a case received at `received` and reaching the timer then: every data
    name the expression reads is that moment (ValueError when the expression cannot be evaluated)."""
    from app.domain.timeutil import parse_iso, utc_iso

    messages, names = condition_messages(expression)
    if messages:
        raise ValueError("; ".join(messages))
    value = RestrictedEnvironment(_helpers(ctx)).evaluate(expression, {name: utc_iso(received) for name in names})
    if not isinstance(value, str):
        raise ValueError(f"menghasilkan {value!r}, bukan tanggal")
    return parse_iso(value)


def form_messages(schema_text: str, ui_text: str = "") -> tuple[dict | None, dict, list[str]]:
    """(schema, ui schema, problems) of a form as typed in the form editor, in the import's words."""
    problems: list[str] = []
    schema = _json(schema_text, "Skema formulir (JSON Schema)", problems)
    ui = _json(ui_text, "Tampilan formulir (UI schema)", problems) if (ui_text or "").strip() else {}
    if schema is not None:
        if not isinstance(schema, dict):
            problems.append("Skema formulir harus berupa objek JSON ({ ... }).")
            schema = None
        else:
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as exc:
                problems.append(_schema_error(exc))
                schema = None
    if schema is not None:
        if schema.get("type", "object") != "object":
            problems.append("Skema formulir harus menggambarkan objek (\"type\": \"object\").")
        problems += [f"Skema formulir: {m}" for m in schema_problems(schema)]
    if ui is not None and not isinstance(ui, dict):
        problems.append("Tampilan formulir harus berupa objek JSON ({ ... }).")
    return (schema if not problems else None), (ui if isinstance(ui, dict) else {}), problems


#: the json module's messages in the owner's words
_JSON_WORDS = {
    "Expecting value": "nilai diharapkan",
    "Expecting ',' delimiter": "tanda koma (,) diharapkan",
    "Expecting ':' delimiter": "tanda titik dua (:) diharapkan",
    "Expecting property name enclosed in double quotes": "nama isian dalam tanda kutip ganda (\") diharapkan",
    "Unterminated string starting at": "teks belum ditutup dengan tanda kutip ganda",
    "Extra data": "ada tulisan lain setelah akhir JSON",
    "Invalid control character at": "ada karakter kendali (mis. baris baru) di dalam teks",
    "Invalid \\escape": "garis miring terbalik (\\) yang tidak sah",
}
_TYPES = "string, number, integer, boolean, array, object, null"


def _json(text: str, what: str, problems: list[str]):
    try:
        return json.loads(text or "")
    except json.JSONDecodeError as exc:
        words = _JSON_WORDS.get(exc.msg, exc.msg)
        problems.append(f"{what} bukan JSON yang sah: {words} (baris {exc.lineno}, kolom {exc.colno}).")
        return None


def _schema_error(exc: SchemaError) -> str:
    where = "/".join(str(p) for p in exc.path) or "(akar)"
    shown = json.dumps(exc.instance, ensure_ascii=False)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    if exc.path and exc.path[-1] == "type":
        detail = f"jenis {shown} tidak dikenal (pilihan: {_TYPES})"
    elif exc.validator == "type":
        detail = f"nilai {shown} harus berupa {exc.validator_value}"
    else:
        detail = f"nilai {shown} tidak sah (aturan JSON Schema '{exc.validator}')"
    return f"Skema formulir bukan JSON Schema (Draft 2020-12) yang sah di {where}: {detail}."
