"""Server-side validation of submitted form data against the task's JSON Schema."""
from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from typing import Any

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError

from app.domain.addresses import is_valid_address
from app.domain.errors import ValidationFailed
from app.engine.formschema import FormSchemaError, form_errors, form_validator
from app.persistence.memo import transaction_memo
from app.persistence.models import Opd, db

_MESSAGES = {
    "required": "Wajib diisi.",
    "pattern": "Format isian tidak sesuai.",
    "format": "Format isian tidak sesuai.",
    "enum": "Pilihan tidak tersedia.",
    "const": "Pilihan tidak tersedia.",
    "oneOf": "Pilihan tidak tersedia.",
    "type": "Jenis isian tidak sesuai.",
}


def format_checker() -> FormatChecker:
    """jsonschema's checks, with "email" (and "idn-email") as strict as every other address entry point:
    email-validator syntax, ASCII, no control characters (jsonschema's own check only looks for an "@")."""
    checker = FormatChecker()
    for name in ("email", "idn-email"):
        checker.checks(name)(lambda value: not isinstance(value, str) or is_valid_address(value))
    return checker


def option_sources(staffed_only: bool = True) -> dict[str, list[dict[str, str]]]:
    """Choices a form may take from the database (`"x-options": "opd"`).

    A case is sent only to an OPD that someone will answer for: with `staffed_only` (choosing),
    the OPDs that have at least one active officer; without it (naming a value already chosen),
    every active OPD.
    """
    from app.services.people.staffing import staffed

    known = transaction_memo(db.session, "option_sources")  # read once in a transaction, however often asked
    if staffed_only not in known:
        query = db.select(Opd.code, Opd.name).filter_by(active=True).order_by(Opd.name)
        opds = db.session.execute(query.where(staffed()) if staffed_only else query)  # one statement
        known[staffed_only] = {"opd": [{"const": code, "title": name} for code, name in opds]}
    return known[staffed_only]


#: resolved schemas by (the schema object, its choices): a definition's forms never change, so the copy made
#: for one set of choices serves every later validation with the same choices (bounded: drafts come and go)
_RESOLVED: OrderedDict[tuple, list] = OrderedDict()
_RESOLVED_MAX = 256
_RESOLVED_LOCK = threading.Lock()


def resolve_schema(schema: dict, sources: dict[str, list[dict[str, str]]] | None = None) -> dict:
    """The schema with `x-options` fields given their choices as `oneOf` (a shared copy: read it, never
    change it; nor the schema after resolving it)."""
    sources = sources if sources is not None else option_sources()
    return _resolved_entry(schema, sources)[1]


def _choices_key(sources: dict[str, list[dict[str, str]]]) -> tuple:
    return tuple((name, tuple((o.get("const"), o.get("title")) for o in options))
                 for name, options in sorted(sources.items()))


def _resolved_entry(schema: dict, sources: dict[str, list[dict[str, str]]]) -> list:
    """[schema, resolved, validator or None]: cached while `schema` is the object it was made from."""
    key = (id(schema), _choices_key(sources))
    with _RESOLVED_LOCK:
        entry = _RESOLVED.get(key)
        if entry is not None and entry[0] is schema:
            _RESOLVED.move_to_end(key)
            return entry
    entry = [schema, _resolve(schema, sources), None]
    with _RESOLVED_LOCK:
        _RESOLVED[key] = entry
        while len(_RESOLVED) > _RESOLVED_MAX:
            _RESOLVED.popitem(last=False)
    return entry


def _resolve(schema: dict, sources: dict[str, list[dict[str, str]]]) -> dict:
    resolved = copy.deepcopy(schema)
    for prop in resolved.get("properties", {}).values():
        items = prop.get("items") if isinstance(prop, dict) else None
        for target in (prop, items):  # a choice, or each choice of a list (several OPDs)
            source = target.get("x-options") if isinstance(target, dict) else None
            if source:
                target["oneOf"] = sources.get(source) or [{"const": "", "title": "(belum ada pilihan)"}]
    return resolved


def _message(error: ValidationError) -> str:
    # A form file may word its own rule: "x-pesan" on the subschema that failed wins.
    if isinstance(error.schema, dict) and error.schema.get("x-pesan") and error.validator != "required":
        return str(error.schema["x-pesan"])
    if error.validator == "maxLength":
        return f"Paling banyak {error.validator_value} karakter."
    if error.validator == "minLength":
        return "Wajib diisi." if error.validator_value == 1 else f"Paling sedikit {error.validator_value} karakter."
    if error.validator in ("minimum", "maximum"):
        return f"Nilai harus {'paling kecil' if error.validator == 'minimum' else 'paling besar'} {error.validator_value}."
    if error.validator == "format" and error.validator_value == "email":
        return "Alamat e-mail tidak valid."
    return _MESSAGES.get(error.validator, "Isian tidak valid.")


def _fields(error: ValidationError) -> list[str]:
    """The fields an error belongs to (a "required" error names every missing field)."""
    if error.validator == "required":
        missing = [p for p in error.validator_value if p not in (error.instance or {})]
        return missing or [""]
    return [str(error.absolute_path[0]) if error.absolute_path else ""]


#: control characters no form field may hold (PostgreSQL cannot store NUL; XML exports refuse the others)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = "Isian memuat karakter yang tidak diizinkan."


def _has_control(value: Any) -> bool:
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(_has_control(k) or _has_control(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_control(v) for v in value)
    return False


def clean_submission(schema: dict, data: dict[str, Any], sources=None) -> dict[str, Any]:
    """Drop keys the schema does not name and empty values, then validate; ValidationFailed lists errors."""
    entry = _resolved_entry(schema, sources if sources is not None else option_sources())
    resolved = entry[1]
    known = resolved.get("properties", {})
    cleaned = {k: v for k, v in data.items() if k in known and v not in ("", None, [])}
    errors: dict[str, list[str]] = {k: [CONTROL_MESSAGE] for k, v in cleaned.items() if _has_control(v)}
    try:  # no $ref is fetched and patterns run on RE2 (app/engine/formschema.py)
        if entry[2] is None:  # compiled once per resolved schema (a form that cannot be checked: every time)
            entry[2] = form_validator(resolved, format_checker=format_checker())
        found = form_errors(entry[2], cleaned)
    except FormSchemaError as exc:
        raise ValidationFailed({"": [f"Formulir ini tidak dapat diperiksa: {exc.message}. "
                                     "Laporkan kepada pengelola proses."]}) from None
    for error in found:
        for leaf in _leaves(error):
            message = _message(leaf)
            for name in _fields(leaf):
                if message not in errors.setdefault(name, []):
                    errors[name].append(message)
    if errors:
        _explain_unstaffed(resolved, cleaned, errors)
        raise ValidationFailed(errors)
    return cleaned


def prefilled(schema: dict, data: dict[str, Any]) -> dict[str, Any]:
    """The case data, with each empty field that names a starting value (`"x-bawaan": "<key>"`) filled from
    that key, e.g. the notice's "held by" from the OPD's answer. Only what the reader may see is in `data`."""
    values = dict(data)
    for name, prop in (schema.get("properties") or {}).items():
        source = prop.get("x-bawaan") if isinstance(prop, dict) else None
        if isinstance(source, str) and values.get(name) in (None, "") and data.get(source) not in (None, ""):
            values[name] = data[source]
    return values


def check_agreement(schema: dict, submitted: dict[str, Any], case_data: dict[str, Any]) -> None:
    """Answers that must agree with what the case already holds (`"x-sesuai-dengan"` on a property).

    The keyword names an earlier field (or a value a script set) and, per earlier value, the values
    this field may take and the message shown on this field otherwise:
    `{"isian": "informasi_dikuasai", "bila": {"tidak": {"boleh": ["tidak_dikuasai"], "pesan": "..."}}}`.
    A yes/no value is looked up as "ya"/"tidak". Several rules: a list of such objects, each checked.
    No earlier answer, or an earlier value the rule does not list: nothing to check.
    """
    errors: dict[str, list[str]] = {}
    for name, prop in schema.get("properties", {}).items():
        rules = prop.get("x-sesuai-dengan") if isinstance(prop, dict) else None
        if name not in submitted or not rules:
            continue
        for rule in rules if isinstance(rules, list) else [rules]:
            allowed = _allowed_by(rule, case_data)
            if isinstance(allowed, dict) and submitted[name] not in allowed.get("boleh", []):
                errors[name] = [str(allowed.get("pesan") or "Isian tidak sesuai dengan jawaban sebelumnya.")]
                break
    if errors:
        raise ValidationFailed(errors)


def _allowed_by(rule: Any, case_data: dict[str, Any]) -> dict | None:
    if not isinstance(rule, dict):
        return None
    earlier = case_data.get(rule.get("isian"))
    if isinstance(earlier, bool):
        earlier = "ya" if earlier else "tidak"
    return (rule.get("bila") or {}).get(earlier) if isinstance(earlier, str) else None


def _explain_unstaffed(schema: dict, data: dict, errors: dict[str, list[str]]) -> None:
    """An OPD refused because no active officer works for it says so (not "Pilihan tidak tersedia")."""
    fields = [k for k, p in schema.get("properties", {}).items()
              if isinstance(p, dict) and p.get("x-options") == "opd" and k in errors and k in data]
    if not fields:
        return
    from app.services.people.staffing import UNSTAFFED_MESSAGE

    known = {o["const"] for o in option_sources(staffed_only=False)["opd"]}
    for name in fields:
        if data[name] in known:
            errors[name] = [UNSTAFFED_MESSAGE]


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors worth showing: for if/then and allOf, the nested ones that caused it."""
    if error.validator in ("allOf", "anyOf", "then", "else") and error.context:
        return [leaf for sub in error.context for leaf in _leaves(sub)]
    return [error]
