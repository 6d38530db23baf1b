"""Reading a form's JSON Schema and RJSF-style ui schema for the HTML renderer.

Everything here is pure: dicts in, plain values out. The renderer
(`app.web.formrender`) and the widgets (`app.web.formrender_widgets`) build on it.
"""
from __future__ import annotations

import json
import re
from typing import Any

DEFAULT_ACCEPT = ".pdf,.jpg,.jpeg,.png"
TEXTAREA_THRESHOLD = 300  # maxLength above this renders a textarea

_NUMERIC_PATTERN = re.compile(r"^\^?(\[0-9\]|\\d)(\{\d+(,\d*)?\}|[+*])?\$?$")


def prop_type(prop: dict) -> str:
    """The JSON type of a property ("null" skipped in a type list); "string" when unsaid."""
    declared = prop.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if isinstance(declared, str):
        return declared
    consts = [c for c, _ in (choices(prop) or [])]
    if consts and all(isinstance(c, bool) for c in consts):
        return "boolean"
    return "string"


def ui_option(field_ui: dict, key: str, default: Any = None) -> Any:
    """`ui:<key>` of one field's ui schema, or `ui:options.<key>`."""
    if not isinstance(field_ui, dict):
        return default
    if f"ui:{key}" in field_ui:
        return field_ui[f"ui:{key}"]
    options = field_ui.get("ui:options")
    if isinstance(options, dict) and key in options:
        return options[key]
    return default


def field_ui(ui_schema: dict | None, name: str) -> dict:
    """The ui schema of one field (empty when none)."""
    found = (ui_schema or {}).get(name)
    return found if isinstance(found, dict) else {}


def properties(schema: dict) -> dict[str, dict]:
    """The form's properties, skipping any that are not objects."""
    props = schema.get("properties") or {}
    return {k: v for k, v in props.items() if isinstance(v, dict)}


def choices(prop: dict, field_ui_schema: dict | None = None) -> list[tuple[Any, str]] | None:
    """(value, title) pairs from `oneOf`/`anyOf` consts or from `enum`; None when free input."""
    for key in ("oneOf", "anyOf"):
        options = prop.get(key)
        if isinstance(options, list) and options and all(
            isinstance(o, dict) and "const" in o for o in options
        ):
            return [(o["const"], str(o.get("title", o["const"]))) for o in options]
    enum = prop.get("enum")
    if isinstance(enum, list):
        names = ui_option(field_ui_schema or {}, "enumNames") or []
        return [
            (value, str(names[i]) if i < len(names) else display_const(value))
            for i, value in enumerate(enum)
        ]
    return None


def display_const(value: Any) -> str:
    """A choice value as text when it has no title."""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    return "" if value is None else str(value)


def form_value(value: Any) -> str:
    """A value as it travels in an HTML form (booleans as "true"/"false")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def is_upload(prop: dict) -> bool:
    """True for `{"type": "string", "format": "data-url"}` (an attachment)."""
    return prop_type(prop) == "string" and prop.get("format") == "data-url"


def upload_fields(schema: dict) -> list[str]:
    """Names of the `format: data-url` properties, in schema order."""
    return [name for name, prop in properties(schema).items() if is_upload(prop)]


def ordered_fields(schema: dict, ui_schema: dict | None) -> list[str]:
    """Property names in `ui:order` order; `*` stands for the rest (appended when absent)."""
    names = list(properties(schema))
    order = (ui_schema or {}).get("ui:order")
    if not isinstance(order, list):
        return names
    listed = [n for n in order if n != "*" and n in names]
    rest = [n for n in names if n not in listed]
    result: list[str] = []
    for entry in order:
        if entry == "*":
            result.extend(n for n in rest if n not in result)
        elif entry in names and entry not in result:
            result.append(entry)
    result.extend(n for n in rest if n not in result)
    return result


def required_fields(schema: dict) -> set[str]:
    """Names the schema always requires."""
    required = schema.get("required") or []
    return {r for r in required if isinstance(r, str)}


def _condition_of(if_schema: dict) -> dict[str, list[str]] | None:
    """`{"field": ["value", ...]}` for an `if` made of const/enum tests; None otherwise."""
    if not isinstance(if_schema, dict):
        return None
    if set(if_schema) - {"properties", "required", "type"}:
        return None
    tests = if_schema.get("properties")
    if not isinstance(tests, dict) or not tests:
        return None
    condition: dict[str, list[str]] = {}
    for key, test in tests.items():
        if not isinstance(test, dict):
            return None
        if set(test) == {"const"}:
            condition[key] = [form_value(test["const"])]
        elif set(test) == {"enum"} and isinstance(test["enum"], list):
            condition[key] = [form_value(v) for v in test["enum"]]
        else:
            return None
    return condition


def _rules(schema: dict) -> list[dict]:
    rules = [schema] if "if" in schema else []
    rules += [r for r in schema.get("allOf") or [] if isinstance(r, dict) and "if" in r]
    return rules


def conditions(schema: dict) -> dict[str, dict | list]:
    """For each field required only under if/then: the condition(s) that require it.

    One condition is `{"field": ["v1", "v2"]}` (every key must hold one of its
    values). Conditions on the same single key are merged; otherwise a field
    gets a list, any of which requires it. A field whose rule cannot be
    expressed this way gets no condition, so it always stays visible.
    """
    always = required_fields(schema)
    found: dict[str, list[dict[str, list[str]]]] = {}
    unexpressible: set[str] = set()
    for rule in _rules(schema):
        then = rule.get("then")
        names = (then or {}).get("required") if isinstance(then, dict) else None
        if not isinstance(names, list):
            continue
        condition = _condition_of(rule["if"])
        for name in names:
            if not isinstance(name, str) or name in always:
                continue
            if condition is None:
                unexpressible.add(name)
            else:
                found.setdefault(name, []).append(condition)
    result: dict[str, dict | list] = {}
    for name, conds in found.items():
        if name in unexpressible:
            continue
        merged = _merge(conds)
        result[name] = merged[0] if len(merged) == 1 else merged
    return result


def _merge(conds: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    merged: list[dict[str, list[str]]] = []
    for cond in conds:
        target = next(
            (m for m in merged if len(m) == 1 and len(cond) == 1 and m.keys() == cond.keys()),
            None,
        )
        if target is None:
            merged.append({k: list(v) for k, v in cond.items()})
            continue
        key = next(iter(cond))
        target[key].extend(v for v in cond[key] if v not in target[key])
    return merged


def condition_json(condition: dict | list) -> str:
    """The compact JSON written into `data-required-when`."""
    return json.dumps(condition, ensure_ascii=False, separators=(",", ":"))


def html_pattern(pattern: str) -> str:
    """A JSON Schema pattern (search semantics) as an HTML `pattern` (whole-value match)."""
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern
    return "[\\s\\S]*(?:" + pattern + ")[\\s\\S]*"


def numeric_only(pattern: str | None) -> bool:
    """True when a pattern admits digits only (so phones get a numeric keypad)."""
    return bool(pattern) and bool(_NUMERIC_PATTERN.match(pattern))
