"""HTML for one form field: the widgets of the server-side form renderer.

Every piece of text that comes from a schema, a ui schema or a submitted value
goes through `markupsafe` escaping (`Markup.format`, `escape`); only literal
markup written here is trusted.
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Any

from flask import current_app, has_app_context
from markupsafe import Markup, escape

from app.web.formrender_schema import (
    DEFAULT_ACCEPT,
    TEXTAREA_THRESHOLD,
    choices,
    form_value,
    html_pattern,
    is_upload,
    numeric_only,
    prop_type,
    ui_option,
)

EMPTY_CHOICE = "— pilih —"
FILE_PRESENT = "Berkas sudah diunggah. Pilih berkas baru hanya bila ingin menggantinya."
_INPUT_TYPES = {"email": "email", "date": "date", "uri": "url", "date-time": "datetime-local"}


@dataclass
class Field:
    """Everything needed to render one property."""

    name: str
    prop: dict
    ui: dict
    value: Any = None
    errors: list[str] = dc_field(default_factory=list)
    required: bool = False
    condition: str | None = None  # JSON for data-required-when

    @property
    def control_id(self) -> str:
        return f"f-{self.name}"

    @property
    def title(self) -> str:
        return str(ui_option(self.ui, "title") or self.prop.get("title") or self.name)

    @property
    def has_value(self) -> bool:
        return self.value not in (None, "", [])

    @property
    def help_texts(self) -> list[str]:
        texts = [ui_option(self.ui, "description") or self.prop.get("description"),
                 ui_option(self.ui, "help")]
        return [str(t) for t in texts if t]

    def described_by(self, *extra: str | None) -> str | None:
        ids = [f"err-{self.name}" if self.errors else None]
        ids += list(extra)
        ids.append(f"help-{self.name}" if self.help_texts else None)
        return " ".join(i for i in ids if i) or None


def attrs(pairs: dict[str, Any]) -> Markup:
    """HTML attributes, escaped; None/False are left out, True is a bare attribute."""
    out = Markup("")
    for key, val in pairs.items():
        if val is None or val is False:
            continue
        if val is True:
            out += Markup(" {}").format(key)
        else:
            out += Markup(' {}="{}"').format(key, val)
    return out


def _control_attrs(f: Field, *, required: bool | None = None) -> dict[str, Any]:
    req = f.required if required is None else required
    return {
        "id": f.control_id,
        "name": f.name,
        "required": req,
        "aria-required": "true" if req else None,
        "aria-invalid": "true" if f.errors else None,
        "aria-describedby": f.described_by(),
    }


def required_mark(f: Field) -> Markup:
    if f.required:
        return Markup(' <span class="required-mark" aria-hidden="true">*</span>')
    if f.condition:  # shown by form_conditions.js while the condition holds
        return Markup(' <span class="required-mark" aria-hidden="true" hidden>*</span>')
    return Markup("")


def _label(f: Field) -> Markup:
    return Markup('<label for="{}">{}{}</label>').format(f.control_id, f.title, required_mark(f))


def _below(f: Field, extra: Markup = Markup("")) -> Markup:
    """The error message(s) right under the control, then any status line, then help."""
    out = Markup("")
    if f.errors:
        out += Markup('<p class="field-error" id="err-{}">{}</p>').format(
            f.name, " ".join(f.errors))
    out += extra
    if f.help_texts:
        out += Markup('<p class="help" id="help-{}">{}</p>').format(
            f.name, Markup("<br>").join(escape(t) for t in f.help_texts))
    return out


def _wrap(f: Field, kind: str, inner: Markup) -> Markup:
    classes = f"field field-{kind}" + (" has-error" if f.errors else "")
    return Markup("<div{}>{}</div>\n").format(
        attrs({"class": classes, "data-field": f.name, "data-required-when": f.condition}), inner)


def _text_input(f: Field) -> Markup:
    prop, ui = f.prop, f.ui
    pattern = prop.get("pattern") if isinstance(prop.get("pattern"), str) else None
    input_type = ui_option(ui, "inputType") or _INPUT_TYPES.get(prop.get("format"), "text")
    pairs = {"type": input_type, **_control_attrs(f), "value": form_value(f.value),
             "maxlength": prop.get("maxLength"), "minlength": prop.get("minLength"),
             "pattern": html_pattern(pattern) if pattern else None,
             "inputmode": "numeric" if input_type == "text" and numeric_only(pattern) else None,
             "placeholder": ui_option(ui, "placeholder")}
    return _wrap(f, "text", _label(f) + Markup("<input{}>").format(attrs(pairs)) + _below(f))


def _textarea(f: Field) -> Markup:
    max_length = f.prop.get("maxLength")
    rows = ui_option(f.ui, "rows") or (8 if isinstance(max_length, int) and max_length > 2000 else 5)
    pairs = {**_control_attrs(f), "rows": rows, "maxlength": max_length,
             "minlength": f.prop.get("minLength"), "placeholder": ui_option(f.ui, "placeholder")}
    # The newline after the opening tag keeps a value that starts with a newline intact.
    control = Markup("<textarea{}>\n{}</textarea>").format(attrs(pairs), form_value(f.value))
    return _wrap(f, "textarea", _label(f) + control + _below(f))


def _number(f: Field) -> Markup:
    prop = f.prop
    step = prop.get("multipleOf") or (1 if prop_type(prop) == "integer" else "any")
    pairs = {"type": "number", **_control_attrs(f), "value": form_value(f.value),
             "min": prop.get("minimum"), "max": prop.get("maximum"), "step": step,
             "inputmode": "numeric" if prop_type(prop) == "integer" else "decimal",
             "placeholder": ui_option(f.ui, "placeholder")}
    return _wrap(f, "number", _label(f) + Markup("<input{}>").format(attrs(pairs)) + _below(f))


def _checkbox(f: Field) -> Markup:
    must_check = f.required and (f.prop.get("const") is True or f.prop.get("enum") == [True])
    checked = f.value is True or form_value(f.value).lower() in ("true", "on", "1")
    pairs = {"type": "checkbox", **_control_attrs(f, required=must_check), "value": "true",
             "checked": checked, "data-boolean": True}
    label = Markup('<label for="{}">{}{}</label>').format(
        f.control_id, f.title, required_mark(f) if must_check else Markup(""))
    inner = Markup('<div class="check">{}{}</div>').format(
        Markup("<input{}>").format(attrs(pairs)), label)
    return _wrap(f, "checkbox", inner + _below(f))


def _select(f: Field, options: list[tuple[Any, str]]) -> Markup:
    current = form_value(f.value)
    items = [Markup('<option value="">{}</option>').format(EMPTY_CHOICE)]
    for value, title in options:
        items.append(Markup("<option{}>{}</option>").format(
            attrs({"value": form_value(value),
                   "selected": f.has_value and form_value(value) == current}), title))
    control = Markup("<select{}>{}</select>").format(attrs(_control_attrs(f)), Markup("").join(items))
    return _wrap(f, "select", _label(f) + control + _below(f))


def _choice_group(f: Field, options: list[tuple[Any, str]], multiple: bool) -> Markup:
    """Radio buttons (one answer) or checkboxes (several); a fieldset with a legend."""
    if multiple:
        selected = {form_value(v) for v in (f.value if isinstance(f.value, list) else [])}
    else:
        selected = {form_value(f.value)} if f.has_value else set()
    group = {"class": "radio-group", "id": f.control_id,
             "role": None if multiple else "radiogroup",
             "aria-required": "true" if f.required and not multiple else None,
             "aria-invalid": "true" if f.errors else None,
             "aria-describedby": f.described_by()}
    items = []
    for i, (value, title) in enumerate(options):
        option_id = f"{f.control_id}-{i}"
        pairs = {"type": "checkbox" if multiple else "radio", "id": option_id, "name": f.name,
                 "value": form_value(value), "checked": form_value(value) in selected,
                 "required": f.required and not multiple,
                 "aria-invalid": "true" if f.errors else None}
        items.append(Markup('<div class="choice"><input{}><label for="{}">{}</label></div>').format(
            attrs(pairs), option_id, title))
    legend = Markup("<legend>{}{}</legend>").format(f.title, required_mark(f))
    fieldset = Markup("<fieldset{}>{}{}</fieldset>").format(attrs(group), legend, Markup("").join(items))
    return _wrap(f, "choices", fieldset + _below(f))


def _upload_limit_mb() -> int:
    """The server's upload limit (PPID_MAX_UPLOAD_MB), stated beside every file field."""
    return int(current_app.config.get("PPID_MAX_UPLOAD_MB", 5)) if has_app_context() else 5


def _file(f: Field) -> Markup:
    accept = ui_option(f.ui, "accept") or DEFAULT_ACCEPT
    if isinstance(accept, list):
        accept = ",".join(str(a) for a in accept)
    limit = _upload_limit_mb()
    status = Markup('<p class="help file-limit" id="limit-{}">Berkas JPG, PNG atau PDF, paling besar {} MB.</p>'
                    ).format(f.name, limit)
    extra = f"limit-{f.name}"
    if f.has_value:
        extra += f" file-{f.name}"
        status += Markup('<p class="help file-status" id="file-{}">{}</p>').format(f.name, FILE_PRESENT)
    pairs = {"type": "file", **_control_attrs(f, required=f.required and not f.has_value),
             "accept": accept, "data-max-bytes": str(limit * 1024 * 1024)}
    pairs["aria-describedby"] = f.described_by(extra)
    control = Markup("<input{}>").format(attrs(pairs))
    return _wrap(f, "file", _label(f) + control + _below(f, status))


def _hidden(f: Field) -> Markup:
    pairs = {"type": "hidden", "id": f.control_id, "name": f.name, "value": form_value(f.value)}
    return Markup("<input{}>\n").format(attrs(pairs))


def render_field(f: Field) -> Markup:
    """The HTML of one field, chosen from its schema type, format and `ui:widget`."""
    widget = ui_option(f.ui, "widget")
    kind = prop_type(f.prop)
    if widget == "hidden":
        return _hidden(f)
    if is_upload(f.prop) or widget == "file":
        return _file(f)
    if kind == "array":
        item_choices = choices(f.prop.get("items") or {}, f.ui)
        if item_choices:
            return _choice_group(f, item_choices, multiple=True)
        return _textarea(f)
    if kind == "boolean":
        return _checkbox(f)
    options = choices(f.prop, f.ui)
    if options is not None:
        if widget == "radio":
            return _choice_group(f, options, multiple=False)
        return _select(f, options)
    if kind in ("integer", "number"):
        return _number(f)
    max_length = f.prop.get("maxLength")
    if widget == "textarea" or (isinstance(max_length, int) and max_length > TEXTAREA_THRESHOLD):
        return _textarea(f)
    return _text_input(f)
