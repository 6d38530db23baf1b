"""The one place that builds JSON Schema validators for forms (services, the import's checks and simulation).

A form is written by a process owner and checked against what any requester types, so its schema is
not trusted to reach outside itself or to spend unbounded time:

- `$ref`/`$dynamicRef` resolve only inside the form. The validators get a `referencing` registry whose
  retrieve function refuses every URI, so a form naming `http://…` or `file:///…` never makes the
  server fetch a URL or read a file (jsonschema's default would, on every submission). A reference
  that cannot be resolved raises `FormSchemaError`; the import refuses such a form beforehand
  (`schema_problems`).
- `pattern`, `patternProperties` (and the `additionalProperties` check that reads its keys) match with
  RE2 (google-re2), whose time is linear in the input: `^(a+)+$` against 40 characters is a
  microsecond, not hours as with Python's backtracking `re`. RE2 has no backreferences or
  lookarounds; a pattern it cannot compile raises `FormSchemaError`, and the import refuses it. Like
  ECMA-262 (the dialect JSON Schema names), RE2's `\\d` and `\\w` are ASCII and `$` is the end of the text.
- `unevaluatedProperties` together with `patternProperties` is refused (jsonschema would match the
  patterns with Python's `re` while working out which keys were evaluated).
"""
from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

#: keywords whose value is a map of names (or patterns) to schemas
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
#: keywords whose value is data, not schemas
_DATA = frozenset({"enum", "const", "default", "examples"})
_REFS = ("$ref", "$dynamicRef")


class FormSchemaError(ValueError):
    """The form cannot be checked safely; `message` is Indonesian and says why."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class UnsupportedPattern(FormSchemaError):
    def __init__(self, pattern: str, reason: str) -> None:
        self.pattern, self.reason = pattern, reason
        super().__init__(f"pola '{pattern}' tidak dapat diperiksa dengan aman: {reason}")


def _refuse(uri: str):
    raise NoSuchResource(ref=uri)


#: no retrieval: only what the form itself holds (and jsonschema's own meta-schemas) can be referenced
REGISTRY: Registry = Registry(retrieve=_refuse)  # type: ignore[call-arg]

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported by us, not logged by RE2 on stderr


def _reason(message: str) -> str:
    if "escape" in message and any(f"\\{d}" in message for d in "123456789"):
        return "rujukan balik (\\1, \\2, …) tidak didukung"
    if "perl operator" in message and any(op in message for op in ("(?=", "(?!", "(?<")):
        return "lookahead/lookbehind ((?=, (?!, (?<=, (?<!) tidak didukung"
    return f"bukan pola yang didukung ({message})"


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str):
    """The RE2 program of a pattern; UnsupportedPattern when RE2 cannot compile it."""
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as exc:
        text = exc.args[0] if exc.args else str(exc)
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        raise UnsupportedPattern(pattern, _reason(text)) from None


def search(pattern: str, text: str) -> bool:
    return compile_pattern(pattern).search(text) is not None


# -- keywords that match patterns, with RE2 instead of Python's re --------------------------------
def _pattern(validator, patrn, instance, schema):
    if validator.is_type(instance, "string") and not search(patrn, instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in pattern_properties.items():
        for key, value in instance.items():
            if search(patrn, key):
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


def _additional_properties(validator, additional, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = {k for k in instance if k not in properties and not any(search(p, k) for p in patterns)}
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        names = ", ".join(repr(e) for e in sorted(extras, key=str))
        if patterns:
            yield ValidationError(f"{names} do not match any of the regexes: {', '.join(map(repr, sorted(patterns)))}")
        else:
            yield ValidationError(f"Additional properties are not allowed ({names} unexpected)")


FormValidator = validators.extend(
    Draft202012Validator,
    {"pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties},
)


def form_validator(schema: dict, format_checker: FormatChecker | None = None):
    """A Draft 2020-12 validator for a form: no retrieval, RE2 patterns. FormSchemaError for what it
    cannot check safely (see the module's docstring)."""
    keywords = {key for _pointer, key, _value in keywords_of(schema)}
    if {"unevaluatedProperties", "patternProperties"} <= keywords:
        raise FormSchemaError(_UNEVALUATED_WITH_PATTERNS)
    return FormValidator(schema, registry=REGISTRY, format_checker=format_checker)


def form_errors(validator, instance: Any) -> list[ValidationError]:
    """Every error of `instance`; FormSchemaError when the form refers outside itself or uses a pattern
    RE2 cannot run (such a form is refused at import; this guards versions stored before that rule)."""
    try:
        return list(validator.iter_errors(instance))
    except Unresolvable as exc:
        ref = getattr(exc, "ref", None) or str(exc)
        raise FormSchemaError(f"formulir merujuk '{ref}', yang tidak ada di dalam formulir itu sendiri "
                              "(skema dari alamat web atau berkas tidak diambil)") from None
    except RecursionError:
        raise FormSchemaError("rujukan ($ref) formulir berputar tanpa akhir") from None


# -- what the import refuses ----------------------------------------------------------------------
_UNEVALUATED_WITH_PATTERNS = ("unevaluatedProperties tidak dapat dipakai bersama patternProperties dalam satu "
                              "formulir: pakai additionalProperties")


def _escape(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def keywords_of(schema: Any, pointer: str = "") -> Iterator[tuple[str, str, Any]]:
    """(JSON pointer, keyword, value) of every keyword of the schema and of every schema inside it.

    Conservative: every object that is not data (`enum`, `const`, `default`, `examples`) is taken as a
    schema, so a `$ref` hidden in an unknown keyword that a local `$ref` points into is still seen."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from keywords_of(item, f"{pointer}/{index}")
        return
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        here = f"{pointer}/{_escape(key)}"
        yield here, key, value
        if key in _DATA:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                yield from keywords_of(sub, f"{here}/{_escape(name)}")
        else:
            yield from keywords_of(value, here)


def _field(pointer: str) -> str | None:
    """The form field a pointer lies in (the last name under "properties"), if any."""
    parts, field, index = pointer.split("/")[1:], None, 0
    while index < len(parts):
        if parts[index] == "properties" and index + 1 < len(parts):
            field, index = parts[index + 1].replace("~1", "/").replace("~0", "~"), index + 2
        else:
            index += 1
    return field


def _where(pointer: str) -> str:
    field = _field(pointer)
    return f"isian '{field}' ({pointer})" if field else pointer


def schema_problems(schema: Any) -> list[str]:
    """What the import refuses in a form, in Indonesian, each naming the JSON pointer of the keyword:
    a `$ref`/`$dynamicRef` that is not local ("#…"), a `pattern` or `patternProperties` key that RE2
    cannot run, `unevaluatedProperties` with `patternProperties`."""
    problems: list[str] = []
    seen: set[str] = set()
    for pointer, key, value in keywords_of(schema):
        seen.add(key)
        if key in _REFS and isinstance(value, str) and not value.startswith("#"):
            problems.append(f"{key} '{value}' di {pointer} merujuk ke luar formulir: hanya rujukan di dalam "
                            "formulir yang sama (diawali '#') yang diizinkan; server tidak mengambil skema dari "
                            "alamat web atau berkas")
        elif key == "pattern" and isinstance(value, str):
            problems.extend(_pattern_problem(value, _where(pointer)))
        elif key == "patternProperties" and isinstance(value, dict):
            for patrn in value:
                problems.extend(_pattern_problem(patrn, _where(f"{pointer}/{_escape(patrn)}")))
    if {"unevaluatedProperties", "patternProperties"} <= seen:
        problems.append(_UNEVALUATED_WITH_PATTERNS)
    return problems


def _pattern_problem(pattern: str, where: str) -> list[str]:
    try:
        compile_pattern(pattern)
    except UnsupportedPattern as exc:
        return [f"pola (pattern) '{pattern}' pada {where} tidak dapat dipakai: {exc.reason}. Pola diperiksa dengan "
                "mesin RE2 yang waktunya sebanding dengan panjang isian; tulis ulang tanpa fitur itu"]
    return []
