"""Server-side HTML for user-task forms defined as JSON Schema + RJSF-style ui schema.

- `render_form` writes the inner fields of a form (the caller writes the `<form>`
  tag, the CSRF token and the submit button), or a definition list of earlier
  answers when `readonly=True`.
- `parse_submission` turns `request.form` into typed values for jsonschema.
- `describe_value` gives the human text of one stored value.
- `upload_fields` names the attachment (`format: data-url`) fields.

The forms are data: a process owner changes a form by editing its JSON files, and
the HTML follows without a code change. Fields required only under an if/then
rule carry `data-required-when`; `app/static/form_conditions.js` uses it to hide
them while their condition is false (without JavaScript every field shows).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from markupsafe import Markup

from app.domain.timeutil import format_tanggal, format_waktu, parse_iso
from app.web.formrender_schema import (
    choices,
    condition_json,
    conditions,
    display_const,
    field_ui,
    is_upload,
    ordered_fields,
    prop_type,
    properties,
    required_fields,
    ui_option,
    upload_fields,
)
from app.web.formrender_widgets import Field, render_field

__all__ = ["render_form", "parse_submission", "describe_value", "upload_fields"]

FILE_ATTACHED = "Berkas terlampir"
ERROR_SUMMARY = "Periksa kembali isian berikut:"
REQUIRED_NOTE = Markup('<p class="required-note">Isian bertanda '
                       '<span class="required-mark" aria-hidden="true">*</span> wajib diisi.</p>\n')
NO_ANSWERS = "Tidak ada isian."

_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_TRUE = {"on", "true", "1", "ya"}
_FALSE = {"off", "false", "0", "tidak"}


# --------------------------------------------------------------------------- render

def render_form(
    schema: dict,
    ui_schema: dict | None,
    values: dict,
    errors: dict[str, list[str]] | None = None,
    readonly: bool = False,
) -> Markup:
    """The inner fields of a form as safe HTML (or a `<dl>` of answers when readonly).

    `errors` maps a field name to its messages; messages under "" (and under names
    that are not visible fields) are shown at the top.
    """
    ui_schema = ui_schema if isinstance(ui_schema, dict) else {}
    values = values or {}
    if readonly:
        return _render_answers(schema, ui_schema, values)
    errors = _normalise_errors(errors)
    props = properties(schema)
    order = ordered_fields(schema, ui_schema)
    required = required_fields(schema)
    conds = conditions(schema)

    fields: list[Field] = []
    for name in order:
        prop = props[name]
        fields.append(Field(
            name=name,
            prop=prop,
            ui=field_ui(ui_schema, name),
            value=values.get(name, prop.get("default")),
            errors=errors.get(name, []),
            required=name in required,
            condition=condition_json(conds[name]) if name in conds else None,
        ))
    visible = [f for f in fields if ui_option(f.ui, "widget") != "hidden"]
    shown_names = {f.name for f in visible}

    parts: list[Markup] = [_error_summary(errors, visible, shown_names, props)]
    if any(f.required or f.condition for f in visible):
        parts.append(REQUIRED_NOTE)
    for f in fields:
        if f.name not in shown_names:
            f.errors = []  # a hidden field's errors are listed at the top
        parts.append(render_field(f))
    return Markup("").join(parts)


def _normalise_errors(errors: Mapping[str, Any] | None) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, messages in (errors or {}).items():
        if isinstance(messages, (str, bytes)) or not isinstance(messages, (list, tuple, set)):
            messages = [messages]
        texts = [str(m) for m in messages if m not in (None, "")]
        if texts:
            result[str(key) if key is not None else ""] = texts
    return result


def _error_summary(errors: dict[str, list[str]], visible: list[Field],
                   shown_names: set[str], props: dict[str, dict]) -> Markup:
    """The box at the top: general messages, then a link to every field in error."""
    if not errors:
        return Markup("")
    items: list[Markup] = []
    for key, messages in errors.items():
        if key in shown_names:
            continue
        title = props.get(key, {}).get("title") if key else None
        for message in messages:
            if title:
                items.append(Markup("<li>{}: {}</li>").format(title, message))
            else:
                items.append(Markup("<li>{}</li>").format(message))
    for f in visible:
        if f.errors:
            items.append(Markup('<li><a href="#{}">{}</a>: {}</li>').format(
                f.control_id, f.title, " ".join(f.errors)))
    return Markup(
        '<div class="form-errors" role="alert" tabindex="-1">'
        '<p><strong>{}</strong></p><ul>{}</ul></div>\n'
    ).format(ERROR_SUMMARY, Markup("").join(items))


def _render_answers(schema: dict, ui_schema: dict, values: Mapping[str, Any]) -> Markup:
    """Earlier answers as a definition list of titles and human values."""
    props = properties(schema)
    rows: list[Markup] = []
    for name in ordered_fields(schema, ui_schema):
        ui = field_ui(ui_schema, name)
        value = values.get(name)
        if ui_option(ui, "widget") == "hidden" or value in (None, "", []):
            continue
        prop = props[name]
        title = ui_option(ui, "title") or prop.get("title") or name
        rows.append(Markup('<dt>{}</dt><dd data-field="{}">{}</dd>\n').format(
            title, name, describe_value(prop, value)))
    if not rows:
        return Markup('<p class="answers-empty">{}</p>\n').format(NO_ANSWERS)
    return Markup('<dl class="answers">\n{}</dl>\n').format(Markup("").join(rows))


# --------------------------------------------------------------------------- values

def describe_value(schema_prop: dict, value: Any) -> str:
    """The human text of a stored value: choice title, Ya/Tidak, Indonesian dates."""
    if value is None or value == "" or value == []:
        return "—"
    if is_upload(schema_prop):
        return FILE_ATTACHED
    if isinstance(value, list):
        items = schema_prop.get("items") if isinstance(schema_prop.get("items"), dict) else {}
        return ", ".join(describe_value(items, v) for v in value)
    for const, title in choices(schema_prop) or []:
        if const == value and type(const) is type(value):
            return title
    for const, title in choices(schema_prop) or []:
        if str(const) == str(value):
            return title
    if isinstance(value, bool):
        return display_const(value)
    if isinstance(value, str):
        fmt = schema_prop.get("format")
        try:
            if fmt == "date":
                return format_tanggal(date.fromisoformat(value))
            if fmt == "date-time":
                return format_waktu(parse_iso(value))
        except ValueError:
            return value
        return value
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() else repr(value)).replace(".", ",")
    return str(value)


def _raw_values(form: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(form, "getlist"):
        found = form.getlist(name)
    else:
        value = form.get(name)
        found = [] if value is None else (list(value) if isinstance(value, (list, tuple)) else [value])
    return [str(v) for v in found if v is not None]


def _clean_text(raw: str) -> str:
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip()


def _coerce(kind: str, text: str) -> Any:
    """A non-empty stripped text as the schema type; the raw text when it does not fit."""
    if kind == "integer" and _INTEGER.match(text):
        return int(text)
    if kind == "number" and _NUMBER.match(text):
        if _INTEGER.match(text):
            return int(text)
        return float(text.replace(",", "."))
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return text


def parse_submission(schema: dict, form: Mapping[str, Any], files_present: set[str]) -> dict:
    """Typed values from a submitted HTML form, for the schema's own fields only.

    Strings are stripped (line breaks normalised to "\\n") and dropped when empty;
    integer/number are converted (invalid text is kept so jsonschema reports it);
    an unchecked boolean checkbox is False. Upload fields are never read from the
    form text, even when a value is posted under their name: the caller stores
    the files named in `files_present` and adds their `lampiran:<id>` values.
    """
    del files_present  # the caller handles uploads; accepted so both sides share one call
    result: dict[str, Any] = {}
    for name, prop in properties(schema).items():
        if is_upload(prop):
            continue
        kind = prop_type(prop)
        texts = [t for t in (_clean_text(r) for r in _raw_values(form, name)) if t]
        if kind == "boolean":
            values = [_coerce("boolean", t) for t in texts]
            if True in values:
                result[name] = True
            elif not values or all(v is False for v in values):
                result[name] = False
            else:
                result[name] = next(v for v in values if not isinstance(v, bool))
        elif kind == "array":
            items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
            if texts:
                result[name] = [_coerce(prop_type(items), t) for t in texts]
        elif kind in ("object", "null"):
            continue
        elif texts:
            result[name] = _coerce(kind, texts[0])
    return result
